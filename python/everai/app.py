"""`from everai.app import App, context, VolumeRequest`: an app, as the platform runs it."""

from collections.abc import Callable, Sequence
from typing import Literal, TypedDict

from .autoscaling import AutoscalerDocument, AutoScalingPolicy
from .checks import APP_NAME, check_integer, check_object_name, option_list
from .context import context
from .errors import invalid
from .image import Image, ImageAuthDocument
from .resource_requests import ResourceRequests, ResourceRequestsDocument
from .service import Service
from .volume_request import VolumeRequest

__all__ = ["App", "AppSpecDocument", "PrepareHook", "VolumeRequest", "context"]

PrepareHook = Callable[[], object]
RouteAuth = Literal["private", "public"]


class _AppSpecFields(TypedDict):
    name: str
    image: str | None
    imageAuth: ImageAuthDocument | None
    concurrency: int
    routeAuth: RouteAuth
    readyTimeoutSeconds: int
    maxDrainSeconds: int
    volumeRequests: list[str]
    secretRequests: list[str]
    configmapRequests: list[str]
    resourceRequests: ResourceRequestsDocument | None
    autoscaler: AutoscalerDocument | None


class AppSpecDocument(_AppSpecFields, total=False):
    """The app spec the CLI sends to the server: the same document as the TypeScript SDK's `App.toSpec()` (src/contract/app-spec.ts)."""

    # Left out: the server's default.
    queueTimeoutSeconds: int


class App:
    """
    An app: its image, what its workers get (volumes, secrets, configmaps, resources), how it scales,
    its prepare hooks and its routes (`app.service`). The options are the TypeScript SDK's, in snake_case.
    """

    def __init__(
        self,
        name: str,
        image: Image | None = None,
        volume_requests: Sequence[VolumeRequest] | None = None,
        secret_requests: Sequence[str] | None = None,
        configmap_requests: Sequence[str] | None = None,
        resource_requests: ResourceRequests | None = None,
        autoscaling_policy: AutoScalingPolicy | None = None,
        # Requests one worker serves at once: 1, as a GPU model serves one batch.
        concurrency: int = 1,
        # 'private': callers need a token allowed on the app; 'public': anyone may call.
        route_auth: RouteAuth = "private",
        # Seconds a new worker may take to become ready (prepare hooks included).
        ready_timeout_seconds: int = 600,
        # Seconds a replaced worker may take to finish what it holds (a stream runs to its end).
        max_drain_seconds: int = 3600,
        # Seconds a request may wait for a worker before a 503; None: the server's default.
        queue_timeout_seconds: int | None = None,
    ) -> None:
        if not isinstance(name, str) or not APP_NAME.fullmatch(name):
            raise invalid(
                f"app name {name!r} is not valid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
            )
        if image is not None and not isinstance(image, Image):
            raise invalid(f"app {name!r}: image must be Image.from_registry(...)")
        if resource_requests is not None and not isinstance(resource_requests, ResourceRequests):
            raise invalid(f"app {name!r}: resource_requests must be ResourceRequests(...)")
        if autoscaling_policy is not None and not isinstance(autoscaling_policy, AutoScalingPolicy):
            raise invalid(f"app {name!r}: autoscaling_policy must be a SimpleAutoScalingPolicy or a FreeWorkerAutoScalingPolicy")
        if route_auth not in ("private", "public"):
            raise invalid(f"app {name!r}: route_auth must be 'private' or 'public', got {route_auth!r}")

        def check_volume(item: object) -> None:
            if not isinstance(item, VolumeRequest):
                raise invalid(f"app {name!r}: volume_requests must hold VolumeRequest(...) items")

        self.name = name
        self.image = image
        self.volume_requests = option_list(volume_requests, "volume_requests", check_volume)
        self.secret_requests = option_list(secret_requests, "secret_requests", lambda s: check_object_name(s, "secret"))
        self.configmap_requests = option_list(configmap_requests, "configmap_requests", lambda c: check_object_name(c, "configmap"))
        self.resource_requests = resource_requests
        self.autoscaling_policy = autoscaling_policy
        self.concurrency = check_integer(concurrency, f"app {name!r}: concurrency", 1)
        self.route_auth: RouteAuth = route_auth
        self.ready_timeout_seconds = check_integer(ready_timeout_seconds, f"app {name!r}: ready_timeout_seconds", 1)
        self.max_drain_seconds = check_integer(max_drain_seconds, f"app {name!r}: max_drain_seconds", 1)
        self.queue_timeout_seconds = (
            None if queue_timeout_seconds is None else check_integer(queue_timeout_seconds, f"app {name!r}: queue_timeout_seconds", 1)
        )
        self.service = Service()
        self._prepare_hooks: list[PrepareHook] = []

    def prepare(self, *unexpected: object) -> Callable[[PrepareHook], PrepareHook]:
        """`@app.prepare()` marks a hook run before a worker takes traffic (and by `everai app prepare`), in order marked."""
        if unexpected:
            raise invalid(f"app {self.name!r}: write @app.prepare() with its parentheses, above the hook")

        def mark(hook: PrepareHook) -> PrepareHook:
            if not callable(hook):
                raise invalid(f"app {self.name!r}: @app.prepare() marks a function, not {hook!r}")
            self._prepare_hooks.append(hook)
            return hook

        return mark

    @property
    def prepare_hooks(self) -> tuple[PrepareHook, ...]:
        return tuple(self._prepare_hooks)

    def run_prepare_hooks(self, prepare_mode: bool, on_hook: Callable[[PrepareHook, int], None] = lambda hook, index: None) -> None:
        """Runs the hooks one after another; the first that fails stops the rest. `on_hook` hears of each before it runs (index from 0)."""
        with context.prepare_mode(prepare_mode):
            for index, hook in enumerate(self._prepare_hooks):
                on_hook(hook, index)
                hook()

    def to_spec(self) -> AppSpecDocument:
        spec: AppSpecDocument = {
            "name": self.name,
            "image": None if self.image is None else self.image.ref,
            "imageAuth": None if self.image is None else self.image.auth_document(),
            "concurrency": self.concurrency,
            "routeAuth": self.route_auth,
            "readyTimeoutSeconds": self.ready_timeout_seconds,
            "maxDrainSeconds": self.max_drain_seconds,
            "volumeRequests": [v.name for v in self.volume_requests],
            "secretRequests": list(self.secret_requests),
            "configmapRequests": list(self.configmap_requests),
            "resourceRequests": None if self.resource_requests is None else self.resource_requests.to_document(),
            "autoscaler": None if self.autoscaling_policy is None else self.autoscaling_policy.to_document(),
        }
        if self.queue_timeout_seconds is not None:
            spec["queueTimeoutSeconds"] = self.queue_timeout_seconds
        return spec
