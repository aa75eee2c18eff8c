"""
The builtin autoscaling policies (docs/autoscaling.md). The platform does the scaling; these
classes only check and carry the arguments, under the names the app spec gives them.
"""

from typing import TypedDict

from .checks import check_integer
from .contract import AUTOSCALER_ARG_RULES
from .errors import invalid
from .placeholder import Placeholder, PlaceholderDocument

IntOrPlaceholder = int | Placeholder


class AutoscalerDocument(TypedDict):
    kind: str
    args: dict[str, int | PlaceholderDocument]


def _spec_name(option: str) -> str:
    """`max_queue_size` → `maxQueueSize`, the argument's name in the app spec."""
    first, *rest = option.split("_")
    return first + "".join(word.capitalize() for word in rest)


class AutoScalingPolicy:
    """What both builtins share: each argument a number or a Placeholder read at run time, defaults filled in."""

    def __init__(self, kind: str, options: dict[str, IntOrPlaceholder | None]) -> None:
        rules = AUTOSCALER_ARG_RULES[kind]
        args: dict[str, IntOrPlaceholder] = {}
        for option, value in options.items():
            name = _spec_name(option)
            rule = rules[name]
            if value is None:
                args[name] = rule["default"]
            elif isinstance(value, Placeholder):
                args[name] = value
            else:
                args[name] = check_integer(value, f"{type(self).__name__} {option}", rule["min"])
        low, high = args["minWorkers"], args["maxWorkers"]
        if isinstance(low, int) and isinstance(high, int) and low > high:
            raise invalid(f"{type(self).__name__}: min_workers ({low}) is above max_workers ({high})")
        self.kind = kind
        self.args = args

    def to_document(self) -> AutoscalerDocument:
        return {
            "kind": self.kind,
            "args": {name: value if isinstance(value, int) else value.to_document() for name, value in self.args.items()},
        }


class SimpleAutoScalingPolicy(AutoScalingPolicy):
    """Scales up by `scale_up_step` when more than `max_queue_size` requests wait for a busy worker."""

    def __init__(
        self,
        min_workers: IntOrPlaceholder | None = None,
        max_workers: IntOrPlaceholder | None = None,
        max_queue_size: IntOrPlaceholder | None = None,
        max_idle_time: IntOrPlaceholder | None = None,
        scale_up_step: IntOrPlaceholder | None = None,
    ) -> None:
        super().__init__(
            "SimpleAutoScaler",
            {
                "min_workers": min_workers,
                "max_workers": max_workers,
                "max_idle_time": max_idle_time,
                "scale_up_step": scale_up_step,
                "max_queue_size": max_queue_size,
            },
        )


class FreeWorkerAutoScalingPolicy(AutoScalingPolicy):
    """Scales up when fewer than `min_free_workers` workers are free."""

    def __init__(
        self,
        min_workers: IntOrPlaceholder | None = None,
        max_workers: IntOrPlaceholder | None = None,
        min_free_workers: IntOrPlaceholder | None = None,
        max_idle_time: IntOrPlaceholder | None = None,
        scale_up_step: IntOrPlaceholder | None = None,
    ) -> None:
        super().__init__(
            "FreeWorkerAutoScaler",
            {
                "min_workers": min_workers,
                "max_workers": max_workers,
                "max_idle_time": max_idle_time,
                "scale_up_step": scale_up_step,
                "min_free_workers": min_free_workers,
            },
        )
