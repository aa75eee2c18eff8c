"""The worker's server: readiness, the platform's error shape, streams flushed chunk by chunk, concurrent requests, and a drain that lets a stream finish."""

import http.client
import json
import threading
from collections.abc import Iterator

import flask
import pytest

from everai.app import App
from everai.contract import READINESS_PATH
from everai.serving import AppServer, serve
from tests_support import wait_until

# Long enough never to be reached by a passing test; it only keeps a failing one from hanging.
GATE_TIMEOUT_S = 30


class Served:
    def __init__(self, server: AppServer, gate: threading.Event) -> None:
        self.server = server
        self.gate = gate

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=GATE_TIMEOUT_S)

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        connection = self.connect()
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), body

    def open_stream(self) -> http.client.HTTPResponse:
        connection = self.connect()
        connection.request("GET", "/stream")
        return connection.getresponse()


@pytest.fixture
def served() -> Iterator[Served]:
    app = App("served")
    gate = threading.Event()

    @app.service.route("/stream", methods=["GET"])
    def stream() -> flask.Response:
        def chunks() -> Iterator[str]:
            yield "first\n\n"
            gate.wait(GATE_TIMEOUT_S)
            yield "second\n\n"

        return flask.Response(chunks(), mimetype="text/event-stream")

    @app.service.route("/hello", methods=["GET"])
    def hello() -> str:
        return f"hello {flask.request.args.get('name', 'world')}"

    @app.service.route("/fail", methods=["GET"])
    def fail() -> str:
        raise RuntimeError("the model is not there")

    server = serve(app, "127.0.0.1", 0)
    yield Served(server, gate)
    gate.set()
    if not server.draining:
        server.drain()


def test_readiness_and_a_plain_answer(served: Served) -> None:
    assert served.get(READINESS_PATH)[::2] == (200, b'{"ready": true}')
    assert served.get("/hello?name=flask")[::2] == (200, b"hello flask")
    served.server.draining = True
    status, _, body = served.get(READINESS_PATH)
    assert (status, json.loads(body)["error"]["code"]) == (503, "EVERAI_UNAVAILABLE")


def test_what_no_route_answers_has_the_platforms_error_shape(served: Served) -> None:
    status, _, body = served.get("/nothing")
    assert (status, json.loads(body)) == (404, {"error": {"code": "EVERAI_NOT_FOUND", "message": "no route for GET /nothing"}})
    status, headers, body = served.get("/hello", method="POST")
    assert status == 405 and "GET" in headers["Allow"]
    assert json.loads(body)["error"]["message"].startswith("/hello does not take POST (it takes GET")
    status, _, body = served.get("/fail")
    assert (status, json.loads(body)["error"]) == (500, {"code": "EVERAI_INTERNAL", "message": "the handler for GET /fail failed; see the worker's log"})


def test_a_stream_is_sent_chunk_by_chunk_and_streams_run_side_by_side(served: Served) -> None:
    first, other = served.open_stream(), served.open_stream()
    # Both have their first event while the view still holds the rest: flushed as produced, one thread each.
    assert first.readline() == b"first\n"
    assert other.readline() == b"first\n"
    assert first.getheader("Content-Type", "").startswith("text/event-stream")
    served.gate.set()
    assert first.read() == b"\nsecond\n\n"
    assert other.read() == b"\nsecond\n\n"


def test_a_drain_takes_nothing_new_and_lets_the_open_stream_finish(served: Served) -> None:
    stream = served.open_stream()
    assert stream.readline() == b"first\n"
    drained = threading.Event()

    def drain() -> None:
        served.server.drain()
        drained.set()

    threading.Thread(target=drain, daemon=True).start()

    def refused() -> bool:
        try:
            served.get(READINESS_PATH)
        except (ConnectionRefusedError, ConnectionResetError):
            # Refused once the socket is closed; reset if the kernel had queued the connection just before.
            return True
        return False

    wait_until("the listening socket to close", refused)
    assert served.server.in_flight() == 1 and not drained.is_set(), "the drain waits for the stream"
    served.gate.set()
    assert stream.read() == b"\nsecond\n\n"
    assert drained.wait(GATE_TIMEOUT_S)
    assert served.server.in_flight() == 0
