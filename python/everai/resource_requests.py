"""What each worker of an app gets."""

from collections.abc import Sequence
from typing import TypedDict

from .checks import check_integer, check_positive_number, option_list
from .errors import invalid


class GpuConstraintsDocument(TypedDict):
    models: list[str]


class ResourceRequestsDocument(TypedDict):
    cpuNum: float
    memoryMb: int
    gpuNum: int
    gpuConstraints: GpuConstraintsDocument | None


def _check_model(model: object) -> None:
    if not isinstance(model, str) or model == "":
        raise invalid("resource_requests.gpu_constraints must be a list of GPU model names, e.g. ['A100 40G']")


class ResourceRequests:
    """CPUs (fractions allowed), memory in MiB and GPUs per worker; `gpu_constraints` the GPU models it can run on (any when left out)."""

    def __init__(
        self,
        cpu_num: float = 1,
        memory_mb: int = 1024,
        gpu_num: int = 0,
        gpu_constraints: Sequence[str] | None = None,
    ) -> None:
        self.cpu_num = check_positive_number(cpu_num, "resource_requests.cpu_num")
        self.memory_mb = check_integer(memory_mb, "resource_requests.memory_mb", 1)
        self.gpu_num = check_integer(gpu_num, "resource_requests.gpu_num", 0)
        self.gpu_constraints = (
            None if gpu_constraints is None else option_list(gpu_constraints, "resource_requests.gpu_constraints", _check_model)
        )

    def to_document(self) -> ResourceRequestsDocument:
        return {
            "cpuNum": self.cpu_num,
            "memoryMb": self.memory_mb,
            "gpuNum": self.gpu_num,
            "gpuConstraints": None if self.gpu_constraints is None else {"models": list(self.gpu_constraints)},
        }
