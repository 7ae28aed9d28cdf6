"""The ``evidence`` commands: files kept with a complaint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import At, LateReason, Number, Unmask, helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

evidence_app = App(
    help=helptext(_("Evidence files kept with a complaint (content-addressed, SHA-256)."),
                  "complaintctl evidence list CMP-2026-000042"),
    no_args_is_help=True,
)



def evidence_add(
    ctx: typer.Context, number: Number,
    file: Annotated[Path, typer.Argument(help=_("The file to keep."))],
    description: Annotated[str | None, typer.Option(help=_("What the file shows."))] = None,
    at: At = None,
    late_reason: LateReason = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.infra.evidence import EvidenceStore
    from complaintctl.services.complaints import handling

    st = state(ctx)
    db = st.database()
    with st.session(write=True) as session:
        e = handling.add_evidence(
            session=session, actor=st.actor(session), number=number,
            store=EvidenceStore(db.evidence_dir), path=file, description=description,
            at=st.at(session, at),
        )
    render.message(_("Evidence {id} kept: {name}, {size} bytes, sha256 {sha}.").format(
        id=e.id, name=e.filename, size=e.size, sha=e.sha256))


def evidence_list(ctx: typer.Context, number: Number,
                  format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
                  unmask: Unmask = False) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import handling

    st = state(ctx)
    from complaintctl.services.core.kernel import resolve_number

    with st.session() as session:
        rows = handling.evidence_list(session=session, actor=st.actor(session), number=number,
                                      unmask=unmask)
        number = resolve_number(session, number)
    if format is ReadFormat.json:
        render.emit_json(rows)
    else:
        from complaintctl.present import tables

        tables.evidence_table(rows, number)
