"""`context`: what a worker knows about where it runs — its volumes, secrets and configmaps."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .contract import CONFIGMAPS_ENV, SECRETS_ENV, VOLUMES_ENV
from .errors import EveraiError
from .volume_manager import VolumeManager


@dataclass(frozen=True)
class Volume:
    name: str
    # The folder holding the revision's files; read-only in a worker.
    path: str
    revision: str
    ready: bool


class KeyValues:
    """A secret's or configmap's items."""

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._items.get(key, default)

    def keys(self) -> list[str]:
        return list(self._items)


def _read_env_json(variable: str) -> dict[str, Any]:
    text = os.environ.get(variable, "")
    if text == "":
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise EveraiError("EVERAI_INTERNAL", f"{variable} is not a JSON object; the platform set it wrongly")
    return value


def _key_values(variable: str, what: str, option: str, name: str) -> KeyValues:
    items = _read_env_json(variable).get(name)
    if not isinstance(items, dict):
        raise EveraiError("EVERAI_NOT_FOUND", f"{what} {name!r} is not available here (is it in the app's {option}?)")
    return KeyValues({key: value for key, value in items.items() if isinstance(value, str)})


class Context:
    def __init__(self) -> None:
        self._prepare_mode = False
        self._volume_manager = VolumeManager()

    @property
    def is_prepare_mode(self) -> bool:
        """True in `everai app prepare`, where prepare hooks build what workers will later read."""
        return self._prepare_mode

    @contextmanager
    def prepare_mode(self, on: bool) -> Iterator[None]:
        """`is_prepare_mode` is `on` inside the block."""
        before, self._prepare_mode = self._prepare_mode, on
        try:
            yield
        finally:
            self._prepare_mode = before

    def get_volume(self, name: str) -> Volume:
        volume = _read_env_json(VOLUMES_ENV).get(name)
        if not isinstance(volume, dict) or not isinstance(volume.get("path"), str):
            raise EveraiError("EVERAI_NOT_FOUND", f"volume {name!r} is not available here (is it in the app's volume_requests?)")
        return Volume(name=name, path=volume["path"], revision=str(volume.get("revision", "")), ready=volume.get("ready", True) is True)

    @property
    def volume_manager(self) -> VolumeManager:
        """Pushes and pulls volumes' local caches (in `everai app prepare` and `app run`, not in a worker)."""
        return self._volume_manager

    def get_secret(self, name: str) -> KeyValues:
        return _key_values(SECRETS_ENV, "secret", "secret_requests", name)

    def get_configmap(self, name: str) -> KeyValues:
        return _key_values(CONFIGMAPS_ENV, "configmap", "configmap_requests", name)


context = Context()
