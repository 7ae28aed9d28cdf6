"""Intake commands: the complaint mailbox (Maildir, mbox, IMAP) and the online platform's JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli import intake_review
from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _

app = App(help=helptext(
    _("Intake: complaints from the complaint mailbox and the online platform."),
    "complaintctl intake mail --maildir /var/mail/complaints"), no_args_is_help=True)

app.add_typer(intake_review.app, name="review")

DryRun = Annotated[bool, typer.Option("--dry-run", help=_("Say what would happen; change nothing."))]
Json = Annotated[bool, typer.Option("--json", help=_("Print the summary as JSON (for scripts)."))]


@app.command("mail", help=helptext(
    _("Take in new mail: register complaints, attach customers' replies, skip duplicates and "
      "ignore auto-replies; exit 0 only when nothing failed."),
    "complaintctl intake mail --maildir /var/mail/complaints",
    "complaintctl intake mail --imap imaps://tousu@mail.bank.example/INBOX --json",
))
def mail(
    ctx: typer.Context,
    maildir: Annotated[Path | None, typer.Option(help=_("A Maildir directory."), metavar="DIR")] = None,
    mbox: Annotated[Path | None, typer.Option(help=_("An mbox file."), metavar="FILE")] = None,
    imap: Annotated[str | None, typer.Option(help=_("imaps://user@host[:port]/FOLDER; the password from COMPLAINTCTL_IMAP_PASSWORD."), metavar="URL")] = None,
    all_: Annotated[bool, typer.Option("--all", help=_("Also read messages already marked as read (taken ones are skipped by Message-ID)."))] = False,
    dry_run: DryRun = False,
    json_: Json = False,
) -> None:
    from complaintctl.present import views
    from complaintctl.services.intake import mailbox as intake

    st = state(ctx)
    summary = intake.run_mail(database=st.database(), username=st.acting_username("register"), maildir=maildir,
                              mbox=mbox, imap=imap, include_seen=all_, dry_run=dry_run,
                              command=st.command)
    views.intake_mail(summary.as_dict(), as_json=json_)
    raise typer.Exit(summary.exit_code)


@app.command("json", help=helptext(
    _("Register the online platform's complaints: JSON Lines, one complaint object per line, all "
      "or none; prints the numbers."),
    "complaintctl intake json complaints.jsonl --json",
    "platform-export | complaintctl intake json -",
))
def json_lines(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help=_("A JSON Lines file, or - for standard input."), metavar="FILE")],
    dry_run: DryRun = False,
    json_: Json = False,
) -> None:
    from complaintctl.present import views

    lines = [(n, text) for n, text in enumerate(_read(file).splitlines(), 1) if text.strip()]
    summary = _register(ctx, lines, dry_run)
    views.intake_records(summary.as_dict(), as_json=json_)
    raise typer.Exit(summary.exit_code)


def register_json(ctx: typer.Context, file: str) -> None:
    """``register --json -``: one complaint object; prints {"number": ...} or the field at fault."""
    from complaintctl.present import views

    summary = _register(ctx, [(None, _read(file))], False)
    views.registered_json(summary.as_dict())
    raise typer.Exit(summary.exit_code)


def _register(ctx: typer.Context, texts, dry_run: bool):
    from complaintctl.services.intake import mailbox as intake

    st = state(ctx)
    with st.session(write=True) as session:
        return intake.register_records(session=session, actor=st.actor(session), texts=texts,
                                       dry_run=dry_run)


def _read(file: str) -> str:
    path = Path(file)
    if file != "-":
        from complaintctl.infra.files import file_to_read

        path = file_to_read(
            path, error=UsageProblem,
            folder=_("{path} is a folder; give a JSON Lines file or - for standard input."),
            missing=_("No file at {path}; give a JSON file or - for standard input."))
    try:
        return sys.stdin.read() if file == "-" else path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidData(_("{path} is not UTF-8 text; complaint records are JSON in UTF-8.")
                          .format(path="<stdin>" if file == "-" else path)) from None
