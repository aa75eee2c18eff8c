"""`python3 -m everai.worker` as a runtime starts it: ready once its prepare hooks ran, drained by SIGTERM, stopped at once by a SIGTERM before it serves."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AppFolder
from tests_support import wait_until

from everai.contract import APP_FILE_ENV, LISTEN_HOST_ENV, PORT_ENV, READINESS_PATH, WORKER_ID_ENV

SDK_DIR = Path(__file__).resolve().parent.parent

APP = """
import os
import time

import flask

from everai.app import App

app = App('worker-test')


@app.prepare()
def wait_for_go():
    # The test lets prepare end by creating this file, so it can signal a worker that is not serving yet.
    while not os.path.exists('prepare-go'):
        time.sleep(0.01)


@app.service.route('/stream', methods=['GET'])
def stream():
    def chunks():
        yield 'first\\n\\n'
        while not os.path.exists('stream-go'):
            time.sleep(0.01)
        yield 'second\\n\\n'
    return flask.Response(chunks(), mimetype='text/event-stream')
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Worker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.log = folder / "worker.log"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SDK_DIR), os.environ.get("PYTHONPATH")])),
            PORT_ENV: str(self.port),
            LISTEN_HOST_ENV: "127.0.0.1",
            APP_FILE_ENV: "app.py",
            WORKER_ID_ENV: "w1",
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "everai.worker"], cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text()

    def ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", READINESS_PATH)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def go(self, what: str) -> None:
        (self.folder / f"{what}-go").touch()


@pytest.fixture
def worker(app_folder: AppFolder) -> Iterator[Worker]:
    started = Worker(app_folder({"app.py": APP}))
    yield started
    if started.process.poll() is None:
        started.process.kill()
        started.process.wait()


def test_sigterm_drains_an_open_stream_then_exits_0(worker: Worker) -> None:
    wait_until("the prepare hook to start", lambda: "prepare hook 1/1: wait_for_go" in worker.output())
    assert not worker.ready(), "not ready while a prepare hook runs"
    worker.go("prepare")
    wait_until("readiness", worker.ready)
    connection = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=30)
    connection.request("GET", "/stream")
    stream = connection.getresponse()
    assert stream.readline() == b"first\n"

    worker.process.send_signal(signal.SIGTERM)
    # The stream is in flight; so may be the last readiness probe's connection, if its handler
    # thread has not returned yet (a connection counts until then): at least one, not exactly one.
    drain = r"worker w1: SIGTERM, draining (\d+) in-flight request\(s\)"
    wait_until("the drain to start", lambda: re.search(drain, worker.output()) is not None)
    assert int(re.search(drain, worker.output()).group(1)) >= 1  # type: ignore[union-attr]
    assert worker.process.poll() is None, "it waits for the stream"
    worker.go("stream")
    assert stream.read() == b"\nsecond\n\n"
    assert worker.process.wait(30) == 0
    assert worker.output().splitlines()[-1] == "worker w1: drained, exiting"


def test_sigterm_before_serving_exits_0_at_once(worker: Worker) -> None:
    wait_until("the prepare hook to start", lambda: "prepare hook 1/1: wait_for_go" in worker.output())
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(30) == 0
    assert "serving" not in worker.output()


def test_an_app_that_does_not_load_exits_1_saying_why(app_folder: AppFolder) -> None:
    worker = Worker(app_folder({"app.py": "from everai.app import App\napp = App('x')\napp.service.rout('/x')\n"}))
    assert worker.process.wait(30) == 1
    assert worker.output().strip() == "Error: app.py:3: AttributeError: 'Service' object has no attribute 'rout' (did you mean 'route'?)"
