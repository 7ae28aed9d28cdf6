"""Signing in and out of the staff console, and who is acting on each of its pages.

The password and the lockout are the identity services' (``sessions.sign_in``: the same
Argon2id hashes, the same 5-failures lockout and the same audit events as ``complaintctl
login``); the session's token goes into a cookie that is HttpOnly, SameSite=Strict, limited
to ``/staff`` and Secure when the request came over https (directly, or through a proxy
``serve --forwarded-allow-ips`` trusts). A session ends when idle (``auth.session.idle``),
at its absolute limit, or by signing out (``sessions.revoke``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from complaintctl.errors import InvalidData, NotSignedIn, PasswordChangeRequired
from complaintctl.i18n import _
from complaintctl.web import deps, pages
from complaintctl.web.console import csrf

router = APIRouter()
COOKIE = "complaintctl_staff"
PATH = "/staff"
HOME = "/staff/queue"


@dataclass
class Staff:
    """A signed-in page's request: the database session, the actor, the proof (``acting``)
    and the CSRF token its forms carry."""

    session: Any
    actor: Any
    acting: Any
    csrf: str
    token: str


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _cookie(response: Response, request: Request, name: str, value: str, *,
            max_age: int | None = None, path: str = PATH) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True,
                        samesite="strict", secure=_secure(request))


@contextmanager
def signed_in(request: Request, *, write: bool = False, command: str = "") -> Iterator[Staff]:
    """The signed-in member of staff of ``request`` (NotSignedIn without a live session)."""
    from complaintctl.services.identity import acting

    token = request.cookies.get(COOKIE)
    with deps.database_of(request).session(write=write) as session:
        try:
            proof = acting.resolve_session(session, token, command=command)
            yield Staff(session, proof.actor, proof, csrf.token_for(token), token)
        finally:
            acting.end()


def staff_page(endpoint):
    """A console page: without a live session, the sign-in page (its reason said there)."""

    @functools.wraps(endpoint)
    def page(request: Request, *args, **kwargs):
        try:
            return endpoint(request, *args, **kwargs)
        except Forged:
            return forged_response(request)
        except NotSignedIn:
            reason = "expired" if request.cookies.get(COOKIE) else "needed"
            response = RedirectResponse(f"/staff/sign-in?why={reason}", status_code=303)
            response.delete_cookie(COOKIE, path=PATH)
            return response

    return page


def refuse_forgery(staff: Staff, given: str | None) -> None:
    """Refuse (403) a form whose CSRF token is not this session's."""
    if not csrf.matches(staff.token, given):
        raise Forged()


class Forged(Exception):
    """A form posted without this session's CSRF token (``errors`` of the console: 403)."""


def forged_response(request: Request) -> Response:
    from complaintctl.web import errors

    return errors.respond(request, 403, _(
        "This form did not come from your signed-in console page (or the page is too old); "
        "nothing was changed. Reload the page and try again."))


WHY = {
    "expired": lambda: _("Your session has ended (signed out, idle too long or expired); "
                         "please sign in again."),
    "needed": lambda: _("Please sign in to use the staff console."),
    "out": lambda: _("You have signed out."),
}


def _form(request: Request, *, message: str | None = None, status: int = 200,
          username: str = "", change: bool = False) -> Response:
    secret = request.cookies.get(csrf.PRE_COOKIE) or csrf.new_secret()
    why = WHY.get(request.query_params.get("why", ""))
    response = pages.render(request, "console/signin.html", {
        "csrf": csrf.token_for(secret), "message": message,
        "notice": why() if why and message is None else None, "username": username,
        "change": change}, status=status)
    _cookie(response, request, csrf.PRE_COOKIE, secret, max_age=3600, path=PATH)
    return response


@router.get("/staff")
def staff_root() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/staff/sign-in")
def sign_in_form(request: Request) -> Response:
    return _form(request)


@router.post("/staff/sign-in")
def sign_in(request: Request, username: str = Form(""), password: str = Form(""),
            new_password: str = Form(""), csrf_token: str = Form("", alias="csrf")
            ) -> Response:
    from complaintctl.services.identity import sessions

    if not csrf.matches(request.cookies.get(csrf.PRE_COOKIE), csrf_token):
        return forged_response(request)
    username = username.strip()
    try:
        with deps.database_of(request).session(write=True) as session:
            opened = sessions.sign_in(session=session, username=username, password=password,
                                      new_password=new_password or None,
                                      client=f"web {deps.client_of(request)}"[:200])
    except NotSignedIn as refusal:
        return _form(request, message=str(refusal), status=401, username=username)
    except InvalidData as problem:  # the new password breaks the policy
        return _form(request, message=str(problem), status=422, username=username,
                     change=True)
    except PasswordChangeRequired:
        return _form(request, status=409, username=username, change=True, message=_(
            "Your password was set by an admin: choose a new one to sign in."))
    response = RedirectResponse(HOME, status_code=303)
    _cookie(response, request, COOKIE, opened.token)
    response.delete_cookie(csrf.PRE_COOKIE, path=PATH)
    return response


@router.post("/staff/sign-out")
@staff_page
def sign_out(request: Request, csrf_token: str = Form("", alias="csrf")) -> Response:
    from complaintctl.services.identity import sessions

    with signed_in(request) as staff:
        refuse_forgery(staff, csrf_token)
    with deps.database_of(request).session(write=True) as session:
        sessions.revoke(session=session, token=staff.token,
                        client=f"web {deps.client_of(request)}"[:200])
    response = RedirectResponse("/staff/sign-in?why=out", status_code=303)
    response.delete_cookie(COOKIE, path=PATH)
    return response
