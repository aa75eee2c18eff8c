"""Values kept in a secret or configmap rather than in code."""

from typing import Literal, TypedDict

from .checks import check_object_name
from .errors import invalid

PlaceholderKind = Literal["Secret", "ConfigMap"]


class PlaceholderRef(TypedDict):
    kind: PlaceholderKind
    name: str
    key: str


class PlaceholderDocument(TypedDict):
    placeholder: PlaceholderRef


class Placeholder:
    """
    A value the platform reads from a secret or configmap when it needs it (an autoscaler's limits,
    a registry password), so changing the configmap changes the app without a redeploy.
    """

    def __init__(self, name: str, key: str, kind: PlaceholderKind) -> None:
        check_object_name(name, "Placeholder name")
        if not isinstance(key, str) or key == "":
            raise invalid(f"Placeholder {name!r}: key must be a non-empty string")
        if kind not in ("Secret", "ConfigMap"):
            raise invalid(f"Placeholder {name!r}: kind must be 'Secret' or 'ConfigMap', got {kind!r}")
        self.name = name
        self.key = key
        self.kind: PlaceholderKind = kind

    def to_document(self) -> PlaceholderDocument:
        return {"placeholder": {"kind": self.kind, "name": self.name, "key": self.key}}

    def __repr__(self) -> str:
        return f"Placeholder({self.name!r}, {self.key!r}, kind={self.kind!r})"
