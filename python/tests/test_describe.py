"""`python3 -m everai.describe`, the CLI's one way into a Python app (docs/python.md): one JSON object on stdout, whatever the app prints."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import AppFolder

SDK_DIR = Path(__file__).resolve().parent.parent

APP = """
from everai.app import App, VolumeRequest
from everai.image import Image
from image_builder import IMAGE

print('loading the app')
app = App('described', image=Image.from_registry(IMAGE), volume_requests=[VolumeRequest('models', create_if_not_exists=True), VolumeRequest('alice/shared')])


@app.prepare()
def fetch_model():
    pass


@app.service.route('/sse', methods=['GET', 'POST'])
def sse():
    return 'x'
"""


def describe(folder: Path, what: str) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "everai.describe", what, str(folder)],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SDK_DIR), os.environ.get("PYTHONPATH")]))},
        capture_output=True,
        text=True,
        check=True,
    )
    document: dict[str, Any] = json.loads(done.stdout)
    return document, done.stderr


def test_an_app_is_described_with_its_spec(app_folder: AppFolder) -> None:
    folder = app_folder({"app.py": APP, "image_builder.py": "from everai.image import Builder\n\nIMAGE = 'described:v1'\n"})
    document, stderr = describe(folder, "app")
    app = document["app"]
    assert (app["spec"]["name"], app["spec"]["image"], app["spec"]["volumeRequests"]) == ("described", "described:v1", ["models", "alice/shared"])
    assert (app["appFile"], app["routes"], app["prepareHooks"], app["createVolumes"]) == ("app.py", ["GET /sse", "POST /sse"], ["fetch_model"], ["models"])
    assert stderr == "loading the app\n", "what the app prints keeps off the JSON"
    assert describe(folder, "image")[0] == {"image": "described:v1"}


def test_a_mistake_is_described_as_an_error(app_folder: AppFolder) -> None:
    folder = app_folder({"app.py": APP.replace("@app.prepare()", "@app.prepare"), "image_builder.py": "IMAGE = 'described:v1'\n"})
    error = describe(folder, "app")[0]["error"]
    assert error == {"code": "EVERAI_APP_INVALID", "message": "app.py:10: app 'described': write @app.prepare() with its parentheses, above the hook"}
