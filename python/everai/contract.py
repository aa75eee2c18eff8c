"""
What the platform and both SDKs agree on, as src/contract/ (worker-env.ts, autoscaler-rules.ts)
writes it for TypeScript. test/python-contract.test.ts checks that the two say the same.
"""

from typing import Final, TypedDict

# The TCP port the worker serves on.
PORT_ENV: Final = "PORT"
# The address the worker binds; unset, every address (0.0.0.0), as a program in a container must.
LISTEN_HOST_ENV: Final = "EVERAI_LISTEN_HOST"
# JSON the platform gives a worker (`everai app run` and `app prepare` give the local caches'):
# EVERAI_VOLUMES {"NAME": {"path", "revision", "ready"}}, EVERAI_SECRETS / EVERAI_CONFIGMAPS {"NAME": {"KEY": "value"}}.
VOLUMES_ENV: Final = "EVERAI_VOLUMES"
SECRETS_ENV: Final = "EVERAI_SECRETS"
CONFIGMAPS_ENV: Final = "EVERAI_CONFIGMAPS"
# Set by the runtime for an app-object worker: its app's file, and its id (only a worker has one).
APP_FILE_ENV: Final = "EVERAI_APP_FILE"
WORKER_ID_ENV: Final = "EVERAI_WORKER_ID"

# The platform probes this path: 200 once the worker can take traffic (docs/worker-lifecycle.md).
READINESS_PATH: Final = "/.well-known/everai/ready"
# Paths under this prefix belong to the platform, not to apps.
RESERVED_PATH_PREFIX: Final = "/.well-known/everai/"


class ArgRule(TypedDict):
    default: int
    min: int


_BASE_RULES: Final[dict[str, ArgRule]] = {
    "minWorkers": {"default": 1, "min": 0},
    "maxWorkers": {"default": 1, "min": 1},
    "maxIdleTime": {"default": 60, "min": 0},
    "scaleUpStep": {"default": 1, "min": 1},
}

# Each builtin autoscaler's arguments (by their names in the app spec) with default and least value.
AUTOSCALER_ARG_RULES: Final[dict[str, dict[str, ArgRule]]] = {
    "SimpleAutoScaler": {**_BASE_RULES, "maxQueueSize": {"default": 2, "min": 0}},
    "FreeWorkerAutoScaler": {**_BASE_RULES, "minFreeWorkers": {"default": 1, "min": 0}},
}
