"""Checks of what an app definition gives, with the words the TypeScript SDK uses for the same mistakes."""

import math
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import invalid

T = TypeVar("T")

# An app name is a DNS label (RFC 1123): it ends up in routes and host names.
APP_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# Names of secrets, configmaps and volumes: what the CLI lets a user create.
OBJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?")
# NAME, or OWNER/NAME for a volume another user published (docs/tenancy.md).
VOLUME_REF = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*")


def check_integer(value: object, what: str, minimum: int) -> int:
    # bool is an int to Python, but `min_workers=True` is a mistake, not a 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise invalid(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def check_positive_number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise invalid(f"{what} must be a number > 0, got {value!r}")
    return value


def check_object_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not OBJECT_NAME.fullmatch(value):
        raise invalid(f"{what} {value!r} is not a valid name (letters, digits, '.', '_', '-')")
    return value


def option_list(value: Sequence[T] | None, what: str, check: Callable[[T], object]) -> list[T]:
    """A list option as given (None: empty), each item checked; a lone string is no list of names."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise invalid(f"{what} must be a list")
    for item in value:
        check(item)
    return list(value)
