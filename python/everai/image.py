"""The image an app's workers run, and what `image_builder.py` imports."""

from dataclasses import dataclass
from typing import TypedDict

from .errors import invalid
from .image_ref import check_image_ref
from .placeholder import Placeholder, PlaceholderDocument


class ImageAuthDocument(TypedDict):
    username: PlaceholderDocument
    password: PlaceholderDocument


@dataclass(frozen=True)
class BasicAuth:
    """Credentials for a registry other than the platform's own, read from a secret when the platform pulls."""

    username: Placeholder
    password: Placeholder


class Image:
    """Made with `Image.from_registry(IMAGE)`; `IMAGE` is what `everai image build` pushes."""

    def __init__(self, ref: str, auth: BasicAuth | None) -> None:
        self.ref = ref
        self.auth = auth

    @staticmethod
    def from_registry(ref: str, auth: BasicAuth | None = None) -> "Image":
        check_image_ref(ref)
        if auth is not None:
            if not isinstance(auth, BasicAuth):
                raise invalid(f"image {ref!r}: auth must be BasicAuth(username=..., password=...)")
            for field, value in (("username", auth.username), ("password", auth.password)):
                # Plain text here would be stored in plain in the app's revision.
                if not isinstance(value, Placeholder):
                    raise invalid(
                        f"image {ref!r}: auth.{field} must be a Placeholder of a secret, not plain text: "
                        "`everai secret create NAME --from-literal username=... --from-literal password=...`, "
                        f"then Placeholder('NAME', '{field}', kind='Secret')"
                    )
        return Image(ref, auth)

    def auth_document(self) -> ImageAuthDocument | None:
        """The credentials by reference only: the platform reads their values from the secret when it pulls."""
        if self.auth is None:
            return None
        return {"username": self.auth.username.to_document(), "password": self.auth.password.to_document()}


class Builder:
    """
    Imported by `image_builder.py` files written for EverAI. Nothing reads it here: `everai image
    build` takes `IMAGE` from that file and builds the folder on the Python base image (or its
    Dockerfile, with `--builder`).
    """
