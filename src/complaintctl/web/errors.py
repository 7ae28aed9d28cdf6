"""The one place errors become HTTP responses: each error noun of ``complaintctl.errors`` has
its status, an HTML page for a browser and a JSON error for the API (the shape of the CLI's
``register --json`` errors: ``{"number": null, "field": ..., "reason": ...}``). No response
carries a traceback: anything unexpected is a 500 page that says only what to do."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from complaintctl import errors
from complaintctl.i18n import _

log = logging.getLogger("complaintctl.web")

#: error noun -> HTTP status; the first class in the error's MRO found here decides
STATUS: dict[type[Exception], int] = {
    errors.RateLimited: 429,
    errors.InvalidRecord: 422,
    errors.InvalidData: 422,
    errors.NotFound: 404,
    errors.NotSignedIn: 401,
    errors.PermissionDenied: 403,
    errors.PasswordChangeRequired: 409,
    errors.TransitionNotAllowed: 409,
    errors.UsageProblem: 400,
    errors.DatabaseProblem: 503,
    errors.MailboxProblem: 503,
    errors.ComplaintError: 400,
}


class BodyTooLarge(Exception):
    """The request body is over the limit (``middleware.BodyLimit``): 413."""


def status_of(error: Exception) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def wants_json(request: Request) -> bool:
    """The API's paths, and a client that asks for JSON rather than HTML."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept)


def respond(request: Request, status: int, reason: str, *, field: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """The error response: JSON for the API, else the error page in the request's language."""
    if wants_json(request):
        return JSONResponse({"number": None, "field": field, "reason": reason},
                            status_code=status, headers=headers)
    from complaintctl.web import pages

    return pages.render(request, "error.html", {"status": status, "reason": reason,
                                                 "field": field},
                        status=status, headers=headers)


async def _complaint_error(request: Request, error: errors.ComplaintError) -> Response:
    headers = None
    if isinstance(error, errors.RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    field = error.field if isinstance(error, errors.InvalidRecord) else None
    reason = error.reason if isinstance(error, errors.InvalidRecord) else str(error)
    return respond(request, status_of(error), reason, field=field, headers=headers)


async def _validation(request: Request, error: RequestValidationError) -> Response:
    """FastAPI's validation (a missing or malformed field, malformed JSON): 422 naming the
    first field at fault, in the CLI's shape."""
    first = (error.errors() or [{}])[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query",
                                                                          "header", "path")]
    kind = first.get("type", "")
    if kind == "json_invalid":
        reason, where = _("the body is not valid JSON"), []
    elif kind == "missing":
        reason = _("is required")
    else:
        reason = _("has the wrong type or form ({kind})").format(kind=kind or "?")
    return respond(request, 422, reason, field=".".join(where) or None)


async def _http(request: Request, error: HTTPException) -> Response:
    if isinstance(error.__cause__, BodyTooLarge):  # FastAPI wraps what failed reading a form
        return respond(request, 413, too_large_reason())
    if error.status_code == 404:
        reason = _("There is no page at this address. Check it, or start from the complaint "
                   "form.")
    elif error.status_code == 405:
        reason = _("This address does not take that kind of request.")
    else:
        reason = str(error.detail)
    return respond(request, error.status_code, reason,
                   headers=getattr(error, "headers", None))


async def _too_large(request: Request, _error: BodyTooLarge) -> Response:
    return respond(request, 413, too_large_reason())


def too_large_reason() -> str:
    return _("The request is too large: at most three attachments of 5 MB each, and the form "
             "around them.")


async def unexpected(request: Request, error: Exception) -> Response:
    """The last line of defence: a busy database is 503 with Retry-After, a full disk or any
    other failure a 500 page naming nothing inside; the details go to the server's log."""
    from complaintctl.infra import retry

    text = str(error).lower()
    if retry.is_retryable(error) or "database is locked" in text or "busy" in text:
        return respond(request, 503, _("The service is busy. Please try again in a moment; "
                                       "nothing was saved."), headers={"Retry-After": "2"})
    log.exception("internal error on %s %s", request.method, request.url.path)
    if isinstance(error, OSError):
        return respond(request, 503, _("The service cannot store anything at the moment; "
                                       "nothing was saved. Please try again later."))
    return respond(request, 500, _("Something went wrong on our side; nothing was saved. "
                                   "Please try again later."))


async def too_large(scope, receive, send) -> None:
    """A 413 answered before the body is read (its Content-Length is over the limit)."""
    response = respond(Request(scope, receive), 413, too_large_reason())
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.ComplaintError, _complaint_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(BodyTooLarge, _too_large)


class Guard:
    """Innermost middleware: an exception no handler took becomes ``unexpected``'s response
    inside the other middleware (so it has the security headers and the request's
    language), never Starlette's traceback page."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # the last line of defence
            if started:
                raise
            response = await unexpected(Request(scope, receive), error)
            await response(scope, receive, send)
