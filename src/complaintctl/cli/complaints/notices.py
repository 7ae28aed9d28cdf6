"""The decision notice (CBIRC Art 19) and its proof (Art 21): notice, notify-decision."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, Number
from complaintctl.cli.complaints.message import announce
from complaintctl.domain.enums import ContactVia
from complaintctl.i18n import _


class NoticeFormat(StrEnum):
    html = "html"
    pdf = "pdf"


def notice(
    ctx: typer.Context, number: Number,
    format: Annotated[NoticeFormat, typer.Option("--format", help=_("html (printable) or pdf (headless Chromium)."))] = NoticeFormat.html,
    output: Annotated[str | None, typer.Option("-o", "--output", help=_("Write to this file [default: standard output; pdf needs it]."), metavar="FILE")] = None,
) -> None:
    from complaintctl.present import notice as layout
    from complaintctl.present import render
    from complaintctl.services.complaints import notices

    if format is NoticeFormat.pdf and output is None:
        raise typer.BadParameter(_("a PDF needs --output FILE."), param_hint="--format")
    if format is NoticeFormat.pdf:
        from complaintctl.infra.pdf import html_to_pdf

        def draw(content):
            return html_to_pdf(layout.html(content))
    else:
        draw = layout.html_bytes
    doc = call(ctx, notices.issue, write=True, number=number, fmt=format.value, render=draw)
    layout.deliver(doc.data, output)
    render.message(_("Decision notice of {number} ({language}, {format}), SHA-256 {sha}.").format(
        number=doc.number, language=doc.language, format=doc.format, sha=doc.sha256))


def notify_decision(
    ctx: typer.Context, number: Number,
    method: Annotated[ContactVia, typer.Option(help=_("How the customer was told (or tried)."))],
    proof: Annotated[str | None, typer.Option(help=_("The proof: call record, SMS or email id, letter or postal receipt (required for phone, sms, email, letter)."))] = None,
    unreachable: Annotated[bool, typer.Option("--unreachable", help=_("This attempt did not reach the customer; after notice.unreachable_attempts attempts the notice counts as given."))] = False,
    at: At = None,
) -> None:
    from complaintctl.services.complaints import notices

    c = call(ctx, notices.notify_decision, number=number, method=method, proof=proof,
             unreachable=unreachable, at=at)
    if c.notified_at is None:
        announce(_("{number}: attempt {n} to tell the customer recorded; they were not "
                   "reached.").replace("{n}", str(c.notice_attempts)), c)
    elif c.notice_unreachable:
        announce(_("{number}: the customer could not be reached after {n} attempts; the "
                   "decision notice counts as given (CBIRC Art 21).").replace(
                       "{n}", str(c.notice_attempts)), c)
    else:
        announce(_("{number}: the decision notice is on record."), c)
