"""
Image references, checked as src/contract/image-ref.ts checks them (the way docker parses them),
so a mistake shows in `everai app check`, not only when the server resolves the image.
"""

import re

from .errors import invalid

# OCI distribution spec, "Pulling manifests": repository names and tags.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
_SHA256_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_HOST = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
)
# Docker's limit on a repository name, host included.
_MAX_NAME_LENGTH = 255


def check_image_ref(ref: object) -> str:
    """`[host[:port]/]repository[:tag][@digest]`: the first segment is a host when it has a `.` or a `:`, or is `localhost`."""
    if not isinstance(ref, str):
        raise invalid(f"an image reference must be a string, got {ref!r}")
    rest = ref.strip()
    if rest == "":
        raise invalid(f"invalid image reference {ref!r}: it is empty")
    rest, at, digest = rest.partition("@")
    if at and not _SHA256_DIGEST.fullmatch(digest):
        raise invalid(f"invalid image reference {ref!r}: the digest must be sha256:<64 lowercase hex>, got {digest!r}")
    first, slash, after = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        if not _HOST.fullmatch(first):
            raise invalid(f"invalid image reference {ref!r}: {first!r} is not a valid registry host")
        rest = after
    repository, colon, tag = rest.rpartition(":")
    if colon and "/" not in tag:
        if not _TAG.fullmatch(tag):
            raise invalid(
                f"invalid image reference {ref!r}: {tag!r} is not a valid tag "
                "(letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')"
            )
        rest = repository
    if len(rest) > _MAX_NAME_LENGTH or not _REPOSITORY.fullmatch(rest):
        raise invalid(
            f"invalid image reference {ref!r}: {rest!r} is not a valid repository name "
            "(lowercase letters and digits, separated by '.', '_', '__' or '-', in '/'-separated parts)"
        )
    return ref
