"""Loads a user's `app.py` (and `image_builder.py`) from an app folder, as a worker and the CLI do."""

import importlib.util
import os
import sys
from types import ModuleType

from .app import App
from .errors import invalid
from .load_error import describe_load_error

APP_FILE = "app.py"
IMAGE_BUILDER_FILE = "image_builder.py"


def _import_file(directory: str, file: str) -> ModuleType:
    """Imports `file` of `directory` under its own name, with the folder on sys.path for its imports (`from image_builder import IMAGE`)."""
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = os.path.splitext(file)[0]
    spec = importlib.util.spec_from_file_location(name, os.path.join(directory, file))
    if spec is None or spec.loader is None:
        raise invalid(f"{file} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _load(directory: str, file: str) -> ModuleType:
    """The file's module; whatever goes wrong becomes one EVERAI_APP_INVALID line naming the file, line and problem."""
    if not os.path.isfile(os.path.join(directory, file)):
        raise invalid(f"no {file} in {directory}")
    try:
        return _import_file(directory, file)
    except Exception as error:
        raise invalid(describe_load_error(error, directory, file)) from None


def load_app(directory: str, app_file: str = APP_FILE) -> App:
    """The `app` that `app_file` of `directory` defines."""
    root = os.path.abspath(directory)
    module = _load(root, app_file)
    app = getattr(module, "app", None)
    if app is None:
        names = [name for name in vars(module) if not name.startswith("_")]
        has = f"it defines {', '.join(names)}" if names else "it defines nothing"
        raise invalid(f"{app_file}: no variable named 'app' ({has}); write `app = App(...)`")
    if not isinstance(app, App):
        raise invalid(f"{app_file}: 'app' is not an App (it is a {type(app).__name__})")
    return app


def load_image_name(directory: str) -> str:
    """`IMAGE` of the folder's `image_builder.py`: the name `everai image build` pushes."""
    module = _load(os.path.abspath(directory), IMAGE_BUILDER_FILE)
    image = getattr(module, "IMAGE", None)
    if not isinstance(image, str) or image.strip() == "":
        raise invalid(f"{IMAGE_BUILDER_FILE} does not set IMAGE: add `IMAGE = 'my-app:v1'`")
    return image.strip()
