"""``complaintctl serve``: the online complaint platform and the staff console (issue 19),
served by uvicorn on the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _


def register_commands(app: typer.Typer) -> None:
    app.command(help=helptext(
        _("Serve the online complaint form, the customers' status pages, the JSON API and "
          "the staff console over HTTP (bound to this machine unless --host says otherwise)."),
        "complaintctl --as online serve --port 8000",
        "complaintctl serve --host 0.0.0.0 --forwarded-allow-ips 10.0.0.5"),
        short_help=_("Serve the online platform and the staff console."))(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help=_("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help=_("Port to listen on (0: any free port)."))] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help=_(
        "Worker processes (PostgreSQL only; SQLite takes one)."))] = 1,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", help=_("Addresses of the TLS proxy in front whose "
                                        "X-Forwarded-For and -Proto headers are believed."),
        metavar="IPS")] = None,
) -> None:
    import uvicorn

    from complaintctl.settings import hand_down, settings

    st = state(ctx)
    database = st.database()
    if workers > 1 and database.is_sqlite:
        raise UsageProblem(_("--workers {n}: an SQLite database takes one worker process; "
                             "use PostgreSQL for more.").format(n=workers))
    intake = _intake_account(ctx)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    hand_down({"COMPLAINTCTL_DB": database.url, "COMPLAINTCTL_USER": intake,
               "COMPLAINTCTL_PUBLIC_URL": settings.public_url or f"http://{shown}:{port}"})
    from complaintctl.present import render

    render.message(_("Serving {db} on http://{host}:{port} (online complaints registered as "
                     "{user}); Ctrl-C stops.").format(db=database.display(), host=shown,
                                                      port=port, user=intake))
    st.close()
    uvicorn.run("complaintctl.web.app:from_environment", factory=True, host=host, port=port,
                workers=workers, proxy_headers=forwarded_allow_ips is not None,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False,
                log_level="warning", access_log=False)


def _intake_account(ctx: typer.Context) -> str:
    """The member of staff the public's complaints are registered as (``--as``, on a
    database that requires sign-in proven by COMPLAINTCTL_TOKEN), checked now: a server that
    could register nothing does not start (exit 4)."""
    from complaintctl.domain.permissions import Permission

    st = state(ctx)
    with st.session() as session:
        actor = st.actor(session)
        actor.check(Permission.register)
    return actor.username
