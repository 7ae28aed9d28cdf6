"""Commands on imports: ``import FILE`` (shorthand for ``import file FILE``), ``import list``,
``import undo BATCH``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App, LocalisedGroup
from complaintctl.domain.enums import ReadFormat
from complaintctl.domain.enums import ImportFormat
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _, format_datetime, language


class ImportGroup(LocalisedGroup):
    """``complaintctl import FILE ...`` runs ``import file FILE ...``; ``list`` and ``undo`` are
    subcommands of their own."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["file", *args]
        return super().parse_args(ctx, args)


app = App(
    cls=ImportGroup,
    help=helptext(
        _("Import complaints from a file (CSV, JSON, JSON Lines; native, CFPB or a mapping), "
          "list import batches, undo one. `complaintctl import FILE` is short for "
          "`complaintctl import file FILE`."),
        "complaintctl import complaints.csv --format cfpb --rejects rejects.csv",
        "complaintctl import list",
    ),
    no_args_is_help=True,
)


class _Progress:
    """A Rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int | None):
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                       TimeRemainingColumn)

            from complaintctl.present import render

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                TextColumn(_("{task.fields[rows]} rows")), TimeRemainingColumn(),
                                console=render.err(), transient=True)
            self.task = self.bar.add_task(_("Importing"), total=total, rows=0)

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self

    def __call__(self, done: int, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, rows=rows)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command("file", help=helptext(
    _("Import complaints from FILE (- for standard input) as one batch: all or nothing unless "
      "--max-errors; rows already stored are skipped."),
    "complaintctl import complaints.csv --format cfpb --rejects rejects.csv",
    "complaintctl import branch.csv --mapping examples/bank_mapping.toml --dry-run --json"))
def import_file(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help=_("The file to import; - reads standard input."))],
    format: Annotated[ImportFormat, typer.Option("--format", help=_("The file's format; auto looks at its name, first character and header."))] = ImportFormat.auto,
    mapping: Annotated[str | None, typer.Option("--mapping", help=_("A TOML file mapping another layout's columns."), metavar="MAP.toml")] = None,
    dayfirst: Annotated[bool, typer.Option("--dayfirst", help=_("Read 03/04/2025 as 3 April."))] = False,
    date_format: Annotated[str | None, typer.Option("--date-format", help=_("The dates' strptime format, e.g. %d.%m.%Y."), metavar="FMT")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help=_("The file's text encoding [default: UTF-8, else GB18030]."), metavar="ENC")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_("Check everything and report; write nothing."))] = False,
    rejects: Annotated[str | None, typer.Option("--rejects", help=_("Write rejected rows here with their line and reason."), metavar="FILE")] = None,
    max_errors: Annotated[int, typer.Option("--max-errors", help=_("Commit the good rows if at most N are rejected (default 0: all or nothing)."), metavar="N")] = 0,
    tag: Annotated[str | None, typer.Option("--tag", help=_("Tag every imported complaint (e.g. drill)."))] = None,
    json: Annotated[bool, typer.Option("--json", help=_("Print the summary as one JSON object."))] = False,
) -> None:
    from complaintctl.present import views
    from complaintctl.services.intake.reading.source import Source
    from complaintctl.services.intake import imports

    options = imports.ImportOptions(format.value, mapping, dayfirst, date_format, encoding,
                                    dry_run, rejects, max_errors, tag)
    st = state(ctx)
    with Source(file, encoding=encoding) as source, st.session(write=True) as session, \
            _Progress(source.size) as progress:
        summary = imports.import_file(session=session, actor=st.actor(session), source=source,
                                      options=options, progress=progress)
    views.import_summary(summary, json)


@app.command("list", help=helptext(_("List import batches, newest first."),
                                   "complaintctl import list --format json"))
def list_batches(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option(help=_("At most this many."), min=1)] = None,
    format: Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))] = ReadFormat.table,
) -> None:
    from complaintctl.present import views
    from complaintctl.services.intake import imports

    st = state(ctx)
    with st.session() as session:
        rows = imports.list_batches(session=session, actor=st.actor(session), limit=limit)
    views.batch_list(rows, format)


@app.command("undo", help=helptext(
    _("Remove an import batch whose complaints nobody has touched since (supervisor or admin)."),
    "complaintctl import undo 3"))
def undo(ctx: typer.Context,
         batch: Annotated[int, typer.Argument(help=_("The batch id (see import list)."))]) -> None:
    from complaintctl.present import render
    from complaintctl.services.intake import imports

    st = state(ctx)
    try:
        with st.session(write=True) as session:
            result = imports.undo(session=session, actor=st.actor(session), batch=batch)
    except imports.BatchAlreadyUndone as undone:  # the time to the minute in Chinese
        at = format_datetime(undone.undone_at[:16]) if language() == "zh" else undone.undone_at
        raise UsageProblem(_("Batch {batch} was already undone on {at}.").format(
            batch=undone.batch, at=at)) from None
    render.message(_("Batch {batch} undone: {n} complaint(s) removed.").format(
        batch=result["batch"], n=result["removed"]))


def register_commands(root: typer.Typer) -> None:
    root.add_typer(app, name="import", short_help=_("Import complaints from a file; list or undo batches."))
