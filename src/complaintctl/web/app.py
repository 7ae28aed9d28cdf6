"""``create_app(database)``: the ASGI application ``complaintctl serve`` runs.

Routers live in modules of this package (``health``; the customer pages; the staff console
under ``console/``) and are included here. A route gets the database with
``deps.database_of(request)`` (or a session and the acting user with ``deps.acting``),
translates with ``complaintctl.i18n._`` (the request's language is set for it), raises the
error nouns of ``complaintctl.errors`` (``web.errors`` maps them to statuses) and renders
with ``pages.render``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from complaintctl import __version__
from complaintctl.web import errors, middleware, pages


@dataclass(frozen=True)
class WebSettings:
    """How the app runs: who registers the public's complaints (``intake_user``: a clerk's
    account; on a database that requires sign-in, the API token given to ``serve`` proves
    it), where the status page is (``public_url``: the acknowledgement carries it)."""

    intake_user: str = "online"
    public_url: str = "http://127.0.0.1:8000"
    rate_limits: bool = True  # create_app(limits={kind: (requests, seconds)}) sets them


def create_app(database, **options) -> FastAPI:
    """The app over ``database`` (a ``Database`` from ``services.admin.database``)."""
    from complaintctl.services import bootstrap

    bootstrap.start()
    app = FastAPI(title="complaintctl", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    app.state.database = database
    limits = options.pop("limits", None)
    app.state.web = WebSettings(**options)
    from complaintctl.web.limits import Limiter

    app.state.limiter = Limiter(limits if app.state.web.rate_limits else {})
    errors.install(app)
    # added innermost first: Guard sits inside the language and the headers
    app.add_middleware(errors.Guard)
    app.add_middleware(middleware.Language)
    app.add_middleware(middleware.BodyLimit)
    app.add_middleware(middleware.SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(pages.STATIC)), name="static")
    for router in _routers():
        app.include_router(router)
    return app


def from_environment() -> FastAPI:
    """The app ``serve`` runs in each worker: the database COMPLAINTCTL_DB names, the public's
    complaints registered as COMPLAINTCTL_USER, links to COMPLAINTCTL_PUBLIC_URL."""
    from complaintctl.services.admin.database import open_database
    from complaintctl.settings import settings

    database = open_database(settings.db)
    database.ensure_ready()
    options = {"intake_user": settings.user or "online"}
    if settings.public_url:
        options["public_url"] = settings.public_url.rstrip("/")
    return create_app(database, **options)


def _routers() -> list:
    """Every router of the app; a new one is added here."""
    from complaintctl.web import api, console, health, public

    return [health.router, public.router, api.router, console.router]
