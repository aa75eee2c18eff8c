"""A volume an app's workers see, read-only, at the revision the app pins."""

from .checks import VOLUME_REF
from .errors import invalid


class VolumeRequest:
    """
    `name` is NAME, or OWNER/NAME for a volume another user published. With
    `create_if_not_exists`, `everai app prepare` and `everai app run` create the volume when it is
    not there yet (empty, at revision 000000-000), so a first prepare hook has somewhere to write.
    """

    def __init__(self, name: str, create_if_not_exists: bool = False) -> None:
        if not isinstance(name, str) or not VOLUME_REF.fullmatch(name):
            raise invalid(f"{name!r} is not a volume name (NAME or OWNER/NAME)")
        if create_if_not_exists and "/" in name:
            raise invalid(f"volume {name!r} belongs to another user: it cannot be created here (create_if_not_exists)")
        self.name = name
        self.create_if_not_exists = bool(create_if_not_exists)

    def __repr__(self) -> str:
        return f"VolumeRequest({self.name!r}, create_if_not_exists={self.create_if_not_exists})"
