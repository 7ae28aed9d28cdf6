"""Commands on the audit trail: verify the hash chain, list events."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.domain.enums import ReadFormat
from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _

app = typer.Typer(help=helptext(
    _("The audit trail: a hash chain of every change, refusal and unmasking."),
    "complaintctl audit verify", "complaintctl audit log CMP-2026-000042"), no_args_is_help=True)


def _require_audit(session, actor, action: str) -> None:
    from complaintctl.domain.permissions import Permission
    from complaintctl.services.context import refusals_recorded

    with refusals_recorded(session, actor, action):
        actor.check(Permission.audit)


@app.command("verify", help=helptext(
    _("Check the hash chain; exit 1 naming the first bad event if it was tampered with."),
    "complaintctl audit verify"))
def verify(ctx: typer.Context) -> None:
    from complaintctl import render
    from complaintctl.services import audit

    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit verify")
        result = audit.verify(session)
    if not result.ok:
        raise DatabaseProblem(_("The audit trail is broken: {problem}.").format(
            problem=result.problem))
    render.message(_("The audit trail is intact: {n} events.").format(n=result.events))


@app.command("log", help=helptext(
    _("List audit events, all or one complaint's."),
    "complaintctl audit log CMP-2026-000042", "complaintctl audit log --limit 20 --format json"))
def log(
    ctx: typer.Context,
    number: Annotated[str | None, typer.Argument(help=_("Only this complaint's events."))] = None,
    limit: Annotated[int | None, typer.Option(help=_("Only the most recent N."), min=1)] = None,
    format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
) -> None:
    from complaintctl import render
    from complaintctl.services import audit
    from complaintctl.services.context import timezone_of

    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit log")
        tz = timezone_of(session)
        rows = [audit.event_dict(e, tz) for e in audit.log(
            session, number=number.upper() if number else None, limit=limit)]
    render.emit(rows, format, columns=[
        ("seq", "#"), ("at", _("When")), ("actor", _("Who")), ("kind", _("Kind")),
        ("action", _("Action")), ("number", _("Complaint")), ("to_status", _("Status")),
        ("details", _("Details"))], title=_("Audit trail"), empty=_("No events."))
