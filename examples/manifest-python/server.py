"""A manifest-mode app: any program that reads PORT. Standard library only.

It serves two ports (app.yaml `services`): the main one, which the gateway uses by default, and
an admin one, reached with the header `x-everai-port: 8081`. Its readiness probe answers 503 for
its first second, and it counts requests that reach it before it said it was ready (there should
be none: the platform routes nothing to a worker before its probe answers 200).
"""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Every address of its container's own network; the platform's process runtime (development,
# no network namespace) asks for loopback through EVERAI_LISTEN_HOST.
HOST = os.environ.get("EVERAI_LISTEN_HOST", "0.0.0.0")
STARTED = time.monotonic()
READY_AFTER_S = 1.0
state = {"ready": False, "served_before_ready": 0}


def ready() -> bool:
    return time.monotonic() - STARTED >= READY_AFTER_S


class Main(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/healthy":
            state["ready"] = ready()
            return self.answer(200 if state["ready"] else 503, {"ready": state["ready"]})
        if not state["ready"]:
            state["served_before_ready"] += 1
        self.answer(200, {
            "path": url.path,
            "query": url.query,
            "greeting": os.environ.get("GREETING"),
            "servedBeforeReady": state["served_before_ready"],
            "cwd": os.getcwd(),
        })

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Admin(Main):
    def do_GET(self):
        self.answer(200, {"admin": True, "path": urlsplit(self.path).path})


def serve(handler, port):
    ThreadingHTTPServer((HOST, port), handler).serve_forever()


if __name__ == "__main__":
    admin_port = os.environ.get("PORT_8081")
    if admin_port:
        threading.Thread(target=serve, args=(Admin, int(admin_port)), daemon=True).start()
    print(f"serving on {os.environ['PORT']}", flush=True)
    serve(Main, int(os.environ["PORT"]))
