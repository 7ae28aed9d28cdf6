"""What a route gets from the app: the database, a write or read session with the acting
user resolved (the intake account for the public pages), the client's address for limits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request


def database_of(request: Request):
    """The ``Database`` the app was made with (``create_app(database)``)."""
    return request.app.state.database


def settings_of(request: Request):
    """The app's ``WebSettings`` (``create_app``'s keywords)."""
    return request.app.state.web


@contextmanager
def acting(request: Request, *, write: bool = True, username: str | None = None) -> Iterator:
    """(session, actor): a session (a write transaction unless ``write`` is False) and who
    acts in it, proven as a command's actor is (``services.identity.acting.resolve``):
    ``username`` or else the app's intake account, on an open database by name, on one that
    requires sign-in by the API token in COMPLAINTCTL_TOKEN given to ``serve``."""
    from complaintctl.services.identity import acting as identity
    from complaintctl.settings import settings

    name = username or settings_of(request).intake_user
    with database_of(request).session(write=write) as session:
        try:
            result = identity.resolve(session, credential=lambda: settings.token,
                                      as_user=name, default_user=name, command="serve")
            yield session, result.actor
        finally:
            identity.end()


def client_of(request: Request) -> str:
    """The client's address (behind a proxy, the one uvicorn's --forwarded-allow-ips took
    from X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def status_url(request: Request) -> str:
    """The status page's address as customers reach it (``public_url``)."""
    return settings_of(request).public_url.rstrip("/") + "/status"


def submit(request: Request, form):
    """``submission.submit`` as the intake account, attachments into the database's
    evidence store."""
    from complaintctl.infra.evidence import EvidenceStore
    from complaintctl.services.intake.online import submission

    with acting(request) as (session, actor):
        return submission.submit(session=session, actor=actor, form=form,
                                 store=EvidenceStore(database_of(request).evidence_dir),
                                 status_url=status_url(request))
