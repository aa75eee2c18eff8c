"""
`everai app run` for a Python app: `python3 -m everai.run --host HOST --port PORT` in the app's
folder serves it as a worker would, with the local caches of its volumes (the CLI sets them up).
The first SIGINT or SIGTERM lets what is in flight finish; a second one does not wait.
"""

import argparse
import os
import signal
import sys

from .errors import EveraiError
from .hooks import run_prepare_hooks
from .loader import APP_FILE, load_app
from .serving import block_stop_signals, drain_until_done, exit_on_stop_signals, serve, wait_for_stop_signal


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m everai.run")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    exit_on_stop_signals()
    try:
        app = load_app(os.getcwd(), APP_FILE)
    except EveraiError as error:
        print(f"Error: {error.message}", file=sys.stderr, flush=True)
        return 2
    run_prepare_hooks(app, prepare_mode=False)
    block_stop_signals()
    server = serve(app, args.host, args.port)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"serving app {app.name} at http://{shown}:{server.port}", flush=True)
    signum = wait_for_stop_signal()
    print(f"{signal.Signals(signum).name}: stopping after {server.in_flight()} in-flight request(s); again to stop now", flush=True)
    drain_until_done(server)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
