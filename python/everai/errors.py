"""The SDK's one exception type, with the codes of the platform's error catalogue (docs/errors.md)."""


class EveraiError(Exception):
    """An error the CLI reports as one line with its code's exit status, as it does its own."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> EveraiError:
    """An app definition that cannot be right: the user's mistake, reported where the app loads."""
    return EveraiError("EVERAI_APP_INVALID", message)
