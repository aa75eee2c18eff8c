"""
Serves an app's Flask views on werkzeug's threaded WSGI server: a thread per connection, each
response chunk written and flushed as the view produces it (werkzeug answers every request with
`Connection: close`, so one connection holds one request), and a drain that lets every in-flight
request, a stream included, run to its end — the TypeScript worker's guarantees
(src/sdk/worker/serve-app.ts).
"""

import json
import os
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .app import App
from .contract import READINESS_PATH

StartResponse = Callable[..., Any]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Handler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No line per request: the gateway counts requests, and a worker's log is for what goes wrong."""


def _json(start_response: StartResponse, status: str, body: object) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


class AppServer(ThreadedWSGIServer):
    """Answers the platform's readiness probe itself, and hands everything else to the app's Flask views."""

    def __init__(self, app: App, host: str, port: int) -> None:
        self._flask = app.service.flask_app
        self._active = 0
        self._idle = threading.Condition()
        self.draining = False
        super().__init__(host, port, self._answer, handler=_Handler)

    def _answer(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == READINESS_PATH:
            if self.draining:
                return _json(start_response, "503 Service Unavailable", {"error": {"code": "EVERAI_UNAVAILABLE", "message": "the worker is shutting down"}})
            return _json(start_response, "200 OK", {"ready": True})
        answer: Iterable[bytes] = self._flask(environ, start_response)
        return answer

    # A connection counts from its accept until its handler returns, which for a stream is its end.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._idle:
            self._active += 1
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._finished()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._finished()

    def _finished(self) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def in_flight(self) -> int:
        """How many requests are being answered now (a stream counts until its end)."""
        with self._idle:
            return self._active

    def drain(self) -> None:
        """Takes no new connection, lets every in-flight request finish, then returns."""
        self.draining = True
        # Ends the accept loop (run in another thread) and closes the listening socket.
        self.shutdown()
        self.server_close()
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0)


def serve(app: App, host: str, port: int) -> AppServer:
    """Listens on `host:port` (0: a free port, see `server.port`) and serves in a thread of its own."""
    server = AppServer(app, host, port)
    threading.Thread(target=server.serve_forever, name="everai-accept", daemon=True).start()
    return server


def _stop_before_serving(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def exit_on_stop_signals() -> None:
    """Until the app serves, SIGTERM or SIGINT ends the process at once: nothing is in flight to wait for."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_before_serving)


def block_stop_signals() -> None:
    """
    SIGTERM and SIGINT wait for `wait_for_stop_signal` instead of interrupting whatever thread they
    hit; threads started after this inherit the mask, so only that call ever takes them.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def wait_for_stop_signal() -> int:
    return signal.sigwait(STOP_SIGNALS)


def drain_until_done(server: AppServer) -> None:
    """Drains; a second stop signal meanwhile exits at once (128 + its number), as a shell would report it."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, _frame: os._exit(128 + number))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    server.drain()
