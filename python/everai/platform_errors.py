"""
The answers a worker gives for what no route of the app handles, in the platform's error shape
(docs/errors.md), so a client sees the same from a Python worker as from a TypeScript one or the API.
"""

import flask
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound


def error_response(status: int, code: str, message: str) -> flask.Response:
    response = flask.jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _no_route(error: HTTPException) -> flask.Response | HTTPException:
    # Only routing's own 404 and 405 (no rule matched); an app's `abort(404)` keeps Flask's answer.
    if flask.request.url_rule is not None:
        return error
    method, path = flask.request.method, flask.request.path
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or []))
        # The catalogue has no code of its own for 405; the status says what went wrong.
        response = error_response(405, "EVERAI_BAD_REQUEST", f"{path} does not take {method} (it takes {allowed})")
        response.headers["Allow"] = allowed
        return response
    return error_response(404, "EVERAI_NOT_FOUND", f"no route for {method} {path}")


def _handler_failed(_error: InternalServerError) -> flask.Response:
    # Flask has logged the traceback already; the client gets no stack, only where to look.
    method, path = flask.request.method, flask.request.path
    return error_response(500, "EVERAI_INTERNAL", f"the handler for {method} {path} failed; see the worker's log")


def install_platform_errors(app: flask.Flask) -> None:
    """Registered before the user's code runs, so an app's own handlers for these codes win."""
    app.register_error_handler(NotFound, _no_route)
    app.register_error_handler(MethodNotAllowed, _no_route)
    app.register_error_handler(InternalServerError, _handler_failed)
