"""Retention: legal holds, and purging personal data past retention."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import Number, helptext, state
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

Reason = Annotated[str, typer.Option("--reason", help=_("Why (kept on the audit trail)."))]


def hold(ctx: typer.Context, number: Number, reason: Reason) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import retention

    st = state(ctx)
    with st.session(write=True) as session:
        complaint = retention.hold(session=session, actor=st.actor(session), number=number,
                                   reason=reason)
    render.message(_("{number} is under a legal hold: purge keeps its personal data until "
                     "`complaintctl release`.").format(number=complaint.number))


def release(ctx: typer.Context, number: Number, reason: Reason) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import retention

    st = state(ctx)
    with st.session(write=True) as session:
        complaint = retention.release(session=session, actor=st.actor(session), number=number,
                                      reason=reason)
    render.message(_("{number} is no longer under a legal hold.").format(
        number=complaint.number))


def purge(
    ctx: typer.Context,
    closed_before: Annotated[str | None, typer.Option(
        "--closed-before", metavar="DATE",
        help=_("Erase complaints that ended before this time [default: now minus the "
               "retention.years setting, 3]."))] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_(
        "Say what would be erased; change nothing."))] = False,
    format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
) -> None:
    from complaintctl.present import render
    from complaintctl.infra.evidence import EvidenceStore
    from complaintctl.services.admin import retention
    from complaintctl.services.core import config
    from complaintctl.services.notify import senders as notify

    st = state(ctx)
    db = st.database()
    with st.session(write=True) as session:
        result = retention.purge(session=session, actor=st.actor(session),
                                 closed_before=st.at(session, closed_before), dry_run=dry_run)
        cfg = config.load(session)
    if not dry_run:
        configured = cfg["notify.log_path"]
        log = Path(configured) if configured else notify.default_log_path(db.path)
        retention.remove_files(result, EvidenceStore(db.evidence_dir), log)
    if format is ReadFormat.json:
        render.emit_json(result.as_dict())
        return
    text = (_("Would erase the personal data of {n} complaint(s) that ended before {at}; {h} "
              "under a legal hold would be kept.") if dry_run else
            _("Erased the personal data of {n} complaint(s) that ended before {at} ({f} "
              "evidence file(s) removed); {h} under a legal hold kept."))
    render.message(text.format(n=len(result.purged), at=result.cutoff.isoformat(
        timespec="seconds"), h=len(result.held), f=result.files_removed))
    for kept in result.late:
        render.message(_("Kept {number}: it was registered late ({reason}); purge keeps the "
                         "record of a late registration.").format(**kept))


def register_commands(app: typer.Typer) -> None:
    app.command("hold", short_help=_("Put a complaint under a legal hold (audited)."), help=helptext(
        _("Put a complaint under a legal hold: purge keeps its personal data (audited)."),
        "complaintctl hold CMP-2023-000042 --reason 'Court case 2026-17'"))(hold)
    app.command("release", help=helptext(
        _("Lift a complaint's legal hold (audited)."),
        "complaintctl release CMP-2023-000042 --reason 'Case closed'"))(release)
    app.command("purge", short_help=_("Erase personal data past retention (admin; audited)."), help=helptext(
        _("Erase the personal data of complaints past retention (3 years after closure by "
          "default), keeping their numbers and figures; complaints under a legal hold are "
          "kept (admin; audited)."),
        "complaintctl purge --dry-run", "complaintctl purge --closed-before 2023-12-31"))(purge)
