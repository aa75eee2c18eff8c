"""
`everai app prepare` for a Python app: `python3 -m everai.prepare` in the app's folder runs its
prepare hooks in prepare mode (`context.is_prepare_mode` is True), with the local caches of its
volumes (the CLI sets them up). A hook that fails prints its traceback and exits 1.
"""

import os
import sys
import traceback

from .errors import EveraiError
from .hooks import run_prepare_hooks
from .loader import APP_FILE, load_app


def main() -> int:
    try:
        app = load_app(os.getcwd(), APP_FILE)
    except EveraiError as error:
        print(f"Error: {error.message}", file=sys.stderr, flush=True)
        return 2
    try:
        run_prepare_hooks(app, prepare_mode=True)
    except Exception:
        traceback.print_exc()
        return 1
    count = len(app.prepare_hooks)
    print(f"App '{app.name}': ran {count} prepare hook{'' if count == 1 else 's'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
