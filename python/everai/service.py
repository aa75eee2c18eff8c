"""An app's HTTP routes: Flask views, registered with `@app.service.route(path, methods=[...])`."""

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import flask

from .contract import RESERVED_PATH_PREFIX
from .errors import invalid
from .platform_errors import install_platform_errors

View = TypeVar("View", bound=Callable[..., Any])

_METHOD = re.compile(r"[A-Z]+")


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    view: Callable[..., Any]


class Service:
    """
    The routes, on a Flask app of their own (`flask_app`): a view reads `flask.request` and returns
    whatever Flask takes — a string, a `flask.Response`, a generator or a streamed Response (sent
    chunk by chunk as produced, so SSE works), a dict (JSON).
    """

    def __init__(self) -> None:
        # The app's folder is the working directory wherever an app runs (a worker, `everai app
        # run`, `app check`), so templates and static files are found there.
        self.flask_app = flask.Flask("app", root_path=os.getcwd())
        install_platform_errors(self.flask_app)
        self._routes: list[Route] = []

    def route(self, path: str, methods: Sequence[str] | None = None) -> Callable[[View], View]:
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid(f"route path {path!r} must start with '/'")
        if path.startswith(RESERVED_PATH_PREFIX):
            raise invalid(f"route path {path!r} is reserved for the platform")
        wanted = ["GET"] if methods is None else methods
        if isinstance(wanted, str) or not wanted or not all(isinstance(m, str) and _METHOD.fullmatch(m.upper()) for m in wanted):
            raise invalid(f"route {path!r}: methods must be a list of HTTP methods like ['GET'], got {methods!r}")
        upper = tuple(m.upper() for m in wanted)
        for existing in self._routes:
            clash = next((m for m in existing.methods if existing.path == path and m in upper), None)
            if clash:
                raise invalid(f"route {clash} {path} is defined twice")

        def register(view: View) -> View:
            if not callable(view):
                raise invalid(f"route {path!r} decorates {view!r}, which is not a function")
            try:
                self.flask_app.add_url_rule(path, view_func=view, methods=list(upper))
            except (AssertionError, ValueError) as error:
                # Flask's words for two views of one name, or a rule it cannot parse.
                raise invalid(f"route {path!r}: {error}") from None
            self._routes.append(Route(path, upper, view))
            return view

        return register

    @property
    def routes(self) -> tuple[Route, ...]:
        """In the order they were defined."""
        return tuple(self._routes)
