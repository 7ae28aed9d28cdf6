"""Commands on the audit trail: verify the hash chain, list events."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import Unmask, helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _

app = App(help=helptext(
    _("The audit trail: a hash chain of every change, refusal and unmasking."),
    "complaintctl audit verify", "complaintctl audit log CMP-2026-000042"), no_args_is_help=True)


def _require_audit(session, actor, action: str) -> None:
    from complaintctl.domain.permissions import Permission
    from complaintctl.services.core.context import refusals_recorded

    with refusals_recorded(session, actor, action):
        actor.check(Permission.audit)


@app.command("verify", help=helptext(
    _("Check the hash chain; exit 1 naming the first bad event if it was tampered with. With "
      "--anchor, also check that nothing was cut off the end or re-hashed since that anchor."),
    "complaintctl audit verify", "complaintctl audit verify --anchor /media/usb/anchor.json"))
def verify(
    ctx: typer.Context,
    anchor: Annotated[Path | None, typer.Option(
        "--anchor", help=_("An anchor file written by `complaintctl audit anchor`."),
        metavar="FILE")] = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.audit import trail as audit

    kept = _read_anchor(anchor) if anchor is not None else None
    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit verify")
        result = audit.verify(session, anchor=kept)
    if not result.ok:
        raise DatabaseProblem(_("The audit trail is broken: {problem}.").format(
            problem=result.problem))
    if kept is not None:
        render.message(_("The audit trail is intact: {n} events; it holds the anchor of {at} "
                         "({m} events).").format(n=result.events, at=kept.taken_at,
                                                 m=kept.events))
        return
    render.message(_("The audit trail is intact: {n} events.").format(n=result.events))


@app.command("anchor", help=helptext(
    _("Verify the chain and write its head (event count, last hash, when) for a supervisor to "
      "keep outside the database; `audit verify --anchor FILE` checks against it later."),
    "complaintctl audit anchor -o /media/usb/anchor-2026-11-28.json"))
def anchor(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help=_("The anchor file (readable by you only) [default: stdout]."),
        metavar="FILE")] = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.infra.files import write_private
    from complaintctl.services.audit import trail as audit

    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit anchor")
        result, taken = audit.take_anchor(session, database=st.database().display())
    if not result.ok:
        raise DatabaseProblem(_("The audit trail is broken: {problem}; no anchor was written.")
                              .format(problem=result.problem))
    if output is None:
        sys.stdout.write(taken.to_json())
        return
    write_private(output, taken.to_json())
    render.message(_("Anchored {n} events (head {head}) in {path}; keep it outside the "
                     "database.").format(n=taken.events, head=taken.head[:16], path=output))


def _read_anchor(path: Path):
    from complaintctl.domain.chain import Anchor, AnchorUnreadable
    from complaintctl.errors import InvalidData, NotFound
    from complaintctl.infra.files import file_to_read

    file_to_read(path, error=NotFound, folder=_(
        "{path} is a folder; give the anchor file that `complaintctl audit anchor` wrote."))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(_("No anchor file at {path}; check the path.").format(path=path)) from None
    except (OSError, UnicodeDecodeError):
        raise InvalidData(_("{path} is not an anchor written by `complaintctl audit anchor`.")
                          .format(path=path)) from None
    try:
        return Anchor.parse(text)
    except AnchorUnreadable:
        raise InvalidData(_("{path} is not an anchor written by `complaintctl audit anchor`.")
                          .format(path=path)) from None


@app.command("log", help=helptext(
    _("List audit events, all or one complaint's."),
    "complaintctl audit log CMP-2026-000042", "complaintctl audit log --limit 20 --format json"))
def log(
    ctx: typer.Context,
    number: Annotated[str | None, typer.Argument(help=_("Only this complaint's events."))] = None,
    limit: Annotated[int | None, typer.Option(help=_("Only the most recent N."), min=1)] = None,
    format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
    unmask: Unmask = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.audit import trail as audit
    from complaintctl.services.core import filter_values
    from complaintctl.services.core.context import timezone_of

    st = state(ctx)
    with st.session() as session:
        actor = st.actor(session)
        _require_audit(session, actor, "audit log")
        number = filter_values.check(session, actor, action="audit log", number=number).number
        if unmask:
            audit.unmask_log(session, actor, number=number)
        tz = timezone_of(session)
        rows = [audit.event_dict(e, tz, unmask=unmask)
                for e in audit.log(session, number=number, limit=limit)]
    render.emit(rows, format, columns=[
        ("seq", "#"), ("at", _("When")), ("actor", _("Who")), ("kind", _("Kind")),
        ("action", _("Action")), ("number", _("Complaint")), ("to_status", _("Status")),
        ("details", _("Details"))], title=_("Audit trail"), empty=_("No events."))
