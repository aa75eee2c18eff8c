import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from everai.contract import CONFIGMAPS_ENV, SECRETS_ENV, VOLUMES_ENV, WORKER_ID_ENV

AppFolder = Callable[[dict[str, str]], Path]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts outside any worker, with no volumes, secrets or configmaps, whatever the shell that ran pytest has."""
    for name in (VOLUMES_ENV, SECRETS_ENV, CONFIGMAPS_ENV, WORKER_ID_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app_folder(tmp_path: Path) -> Iterator[AppFolder]:
    """A folder holding the files given; the modules its loading leaves behind (`app`, `image_builder`) are forgotten after."""
    before_path = list(sys.path)

    def make(files: dict[str, str]) -> Path:
        for name, text in files.items():
            (tmp_path / name).write_text(text)
        return tmp_path

    yield make
    sys.path[:] = before_path
    for name in ("app", "image_builder"):
        module = sys.modules.get(name)
        if module is not None and str(getattr(module, "__file__", "")).startswith(str(tmp_path) + os.sep):
            del sys.modules[name]
