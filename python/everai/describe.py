"""
How the CLI learns about a Python app folder (docs/python.md, "The describe protocol"):
`python3 -m everai.describe app DIR` prints one JSON object,
`{"app": {"spec", "appFile", "routes", "prepareHooks", "createVolumes"}}` — `spec` being the
document the TypeScript SDK's `App.toSpec()` makes — and `python3 -m everai.describe image DIR`
prints `{"image": IMAGE}` from `image_builder.py`. A mistake in the user's files prints
`{"error": {"code", "message"}}` instead; both exit 0. Anything else on stdout would break the
JSON, so what the user's code prints goes to stderr.
"""

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import EveraiError


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """At the file descriptor, so that even a C extension's output keeps off the JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _describe_app(directory: str) -> dict[str, Any]:
    try:
        import flask  # noqa: F401  (the SDK's routes are Flask views)
    except ImportError:
        raise EveraiError(
            "EVERAI_USAGE",
            f"{sys.executable} has no Flask, which the everai SDK needs: install it "
            "(Debian: apt-get install python3-flask), or set EVERAI_PYTHON to a Python that has it",
        ) from None
    from .loader import APP_FILE, load_app

    app = load_app(directory)
    return {
        "app": {
            "spec": app.to_spec(),
            "appFile": APP_FILE,
            "routes": [f"{method} {route.path}" for route in app.service.routes for method in route.methods],
            "prepareHooks": [getattr(hook, "__name__", "(anonymous)") for hook in app.prepare_hooks],
            "createVolumes": [v.name for v in app.volume_requests if v.create_if_not_exists],
        }
    }


def _describe_image(directory: str) -> dict[str, Any]:
    from .loader import load_image_name

    return {"image": load_image_name(directory)}


_WHAT: dict[str, Callable[[str], dict[str, Any]]] = {"app": _describe_app, "image": _describe_image}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in _WHAT:
        print("usage: python3 -m everai.describe app|image DIR", file=sys.stderr)
        return 2
    what, directory = argv
    with _stdout_to_stderr():
        try:
            document = _WHAT[what](os.path.abspath(directory))
        except EveraiError as error:
            document = {"error": {"code": error.code, "message": error.message}}
    print(json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
