"""
One line saying what is wrong with an app that failed to load, and where:
`app.py:5: AttributeError: 'Service' object has no attribute 'rout' (did you mean 'route'?)`.
The place is the user's own line (the deepest frame in the app's folder), not the SDK's.
"""

import builtins
import difflib
import os
import re
import sys
import traceback
from collections.abc import Iterable

from .errors import EveraiError

# Where the SDK's own files are: never the user's line, even when the SDK sits in the app's folder.
_SDK_DIR = os.path.dirname(os.path.abspath(__file__))
_FROM_IMPORT = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")


def _inside(path: str, directory: str) -> bool:
    full = os.path.abspath(path)
    return full.startswith(directory + os.sep) and not full.startswith(_SDK_DIR + os.sep)


def _location(error: BaseException, directory: str) -> tuple[str, int] | None:
    if isinstance(error, SyntaxError) and error.filename and error.lineno and _inside(error.filename, directory):
        return error.filename, error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.lineno is not None and _inside(f.filename, directory)]
    return (frames[-1].filename, frames[-1].lineno or 0) if frames else None


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    public = [name for name in candidates if not name.startswith("_")]
    found = difflib.get_close_matches(word, public, n=1, cutoff=0.6)
    return found[0] if found else None


def _did_you_mean(error: BaseException) -> str | None:
    """Python prints its own suggestion only with a full traceback; one line needs it spelled out."""
    if isinstance(error, AttributeError) and error.name is not None and error.obj is not None:
        return _closest(error.name, dir(error.obj))
    if isinstance(error, NameError) and error.name is not None and error.__traceback__ is not None:
        last = error.__traceback__
        while last.tb_next is not None:
            last = last.tb_next
        return _closest(error.name, [*last.tb_frame.f_globals, *vars(builtins)])
    if isinstance(error, ImportError):
        found = _FROM_IMPORT.match(str(error))
        module = sys.modules.get(found.group(2)) if found else None
        return _closest(found.group(1), dir(module)) if found and module else None
    return None


def _message(error: BaseException) -> str:
    if isinstance(error, EveraiError):
        return error.message
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg}"
    text = str(error).split("\n", 1)[0]
    if isinstance(error, ImportError) and (found := _FROM_IMPORT.match(text)):
        # The module's file path that Python appends says nothing the user needs.
        text = found.group(0)
    suggestion = _did_you_mean(error)
    return f"{type(error).__name__}: {text}" + (f" (did you mean '{suggestion}'?)" if suggestion else "")


def describe_load_error(error: BaseException, directory: str, file: str) -> str:
    found = _location(error, directory)
    where = f"{os.path.relpath(found[0], directory)}:{found[1]}" if found else file
    return f"{where}: {_message(error)}"
