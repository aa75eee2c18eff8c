"""
The worker's main (docs/worker-lifecycle.md), run by an image's Entrypoint as
`python3 -m everai.worker` in the app's folder, with `PORT` (where to listen),
`EVERAI_LISTEN_HOST` (0.0.0.0 when unset), `EVERAI_APP_FILE` (`app.py` when unset) and
`EVERAI_WORKER_ID` (for the log). It loads the app, runs its prepare hooks and only then
listens, so the readiness probe answers once they are done. SIGTERM drains: no new connection,
every in-flight request (a stream too) runs to its end, then exit 0. A failure to load or prepare
prints why and exits 1.
"""

import os
import signal
import sys
import traceback

from .contract import APP_FILE_ENV, LISTEN_HOST_ENV, PORT_ENV, WORKER_ID_ENV
from .errors import EveraiError
from .hooks import run_prepare_hooks
from .loader import APP_FILE, load_app
from .serving import block_stop_signals, drain_until_done, exit_on_stop_signals, serve, wait_for_stop_signal


def _required_port() -> int:
    text = os.environ.get(PORT_ENV, "")
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise EveraiError("EVERAI_INTERNAL", f"PORT must be a TCP port, got {text!r}")
    return int(text)


def main() -> int:
    worker_id = os.environ.get(WORKER_ID_ENV, "local")
    exit_on_stop_signals()
    try:
        port = _required_port()
        app = load_app(os.getcwd(), os.environ.get(APP_FILE_ENV) or APP_FILE)
    except EveraiError as error:
        print(f"Error: {error.message}", file=sys.stderr, flush=True)
        return 1
    try:
        run_prepare_hooks(app, prepare_mode=False, prefix=f"worker {worker_id}: ")
    except Exception:
        print(f"worker {worker_id}: a prepare hook failed:", file=sys.stderr)
        traceback.print_exc()
        return 1
    host = os.environ.get(LISTEN_HOST_ENV) or "0.0.0.0"
    block_stop_signals()
    server = serve(app, host, port)
    print(f"worker {worker_id}: serving app {app.name} on {host}:{port}", flush=True)
    signum = wait_for_stop_signal()
    print(f"worker {worker_id}: {signal.Signals(signum).name}, draining {server.in_flight()} in-flight request(s)", flush=True)
    drain_until_done(server)
    print(f"worker {worker_id}: drained, exiting", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
