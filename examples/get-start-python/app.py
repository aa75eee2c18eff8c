import time

import flask

from everai.app import App
from everai.image import Image
from everai.resource_requests import ResourceRequests
from image_builder import IMAGE

APP_NAME = 'get-start-python'

app = App(
    APP_NAME,
    image=Image.from_registry(IMAGE),
    resource_requests=ResourceRequests(
        cpu_num=1,
        memory_mb=1024,
    ),
)


@app.service.route('/sse', methods=['GET'])
def sse():
    # ?n=3&delay=0.05 makes the stream shorter (the tests use it); by default ten events, a second apart.
    n = flask.request.args.get('n', 10, type=int)
    delay = flask.request.args.get('delay', 1.0, type=float)

    def generator():
        for i in range(n):
            yield f"hello again {i}\n\n"
            time.sleep(delay)

    return flask.Response(generator(), mimetype='text/event-stream')


@app.service.route('/hello', methods=['GET'])
def hello():
    return 'hello world'
