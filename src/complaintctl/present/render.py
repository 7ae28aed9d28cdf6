"""The one place output is rendered. Results go to stdout, messages to stderr.

Machine formats (JSON, CSV) are written as plain text, never through Rich, so they carry no
markup, and exactly as they are. Everything else written to a terminal (table cells, titles and
headers, plain lines, messages, errors) passes through ``present.inert.inert``, so a control
sequence or a bidi override in customer text shows as a visible escape; customer text is
wrapped in ``rich.text.Text`` so ``[red]`` prints literally.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from complaintctl.i18n import _
from complaintctl.present.inert import inert

_out = None
_err = None


def out():
    global _out
    if _out is None:
        from rich.console import Console

        _out = Console(soft_wrap=False, highlight=False)
    return _out


def err():
    global _err
    if _err is None:
        from rich.console import Console

        _err = Console(stderr=True, highlight=False, soft_wrap=True)
    return _err


def reset() -> None:
    """Forget the consoles (tests swap stdout and stderr between runs)."""
    global _out, _err
    _out = _err = None


def message(text: str) -> None:
    """A confirmation or progress note, on stderr (made inert, as errors)."""
    print(inert(text), file=sys.stderr)


def error(text: str) -> None:
    """An error on stderr; control characters that came with a value are escaped, so a file
    or an option cannot drive the terminal (clear it, retitle it, hide text)."""
    print(_("Error: {message}").format(message=inert(text)), file=sys.stderr)


def line(text: str) -> None:
    """One plain result line on stdout (e.g. a new complaint number), made inert."""
    print(inert(text))


def document(text: str, *, exact: bool = False) -> None:
    """A finished document (Markdown, HTML, TOML) on stdout: made inert when stdout is a
    terminal, written exactly when it is piped or redirected; ``exact`` (JSON) always exact."""
    if not exact and sys.stdout.isatty():
        text = inert(text)
    sys.stdout.write(text)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def emit_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        from complaintctl.present.formulas import neutralise

        return neutralise(value)  # OWASP CSV injection: text is never run as a formula
    return value


def emit(
    rows: Sequence[dict[str, Any]] | dict[str, Any],
    fmt: str,
    *,
    columns: Sequence[tuple[str, str]] = (),
    csv_rows: Iterable[dict[str, Any]] | None = None,
    csv_columns: Sequence[str] = (),
    title: str | None = None,
    empty: str | None = None,
    draw=None,
) -> None:
    """The only place that branches on the output format.

    ``rows`` is what JSON prints; a table shows ``columns`` of ``rows`` (or calls ``draw`` for
    a layout of its own); CSV writes ``csv_rows`` (default ``rows``) under ``csv_columns``.
    """
    if fmt == "json":
        emit_json(rows)
    elif fmt == "csv":
        emit_csv(csv_rows if csv_rows is not None else rows, csv_columns)  # type: ignore[arg-type]
    elif draw is not None:
        draw(rows)
    else:
        table(rows, columns, title=title, empty=empty)  # type: ignore[arg-type]


#: Table columns whose values are enum values shown by their translated label.
LABELLED = frozenset({"status", "to_status", "from_status", "channel", "outcome", "priority",
                      "role"})
#: Table columns of codes shown in Chinese under zh and as they are in English (i18n.term):
#: timeline and audit actions, incident event kinds, checklist states and results, intake
#: results, incident triggers.
TERMED = frozenset({"action", "kind", "state", "result", "trigger"})


def text(value: Any, style: str | None = None, *, cell: bool = True):
    """``value`` as Rich ``Text``: made inert (``inert``) and never read as markup. Every
    string a table, a title or a header shows is built here."""
    from rich.text import Text

    return Text(inert(str(value), cell=cell), style=style or "")


def title_text(value: str | None):
    """A table's title as inert ``Text`` in the table-title style (None stays None)."""
    return None if value is None else text(value, "table.title", cell=False)


def cell(value: Any, key: str | None = None) -> Any:
    """A table cell: user text as literal, inert Text, times shortened to minutes (in the
    interface language's form), enum values of the ``LABELLED`` columns by their translated
    label."""
    from complaintctl.i18n import format_datetime, scenario, term

    if value is None or value == "" or value == [] or value == {}:
        return text("-", "dim")
    if isinstance(value, bool):
        return text(_("yes") if value else _("no"))
    if isinstance(value, (list, tuple)):
        return text(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    value = str(value)
    if key in LABELLED or key in TERMED:
        return text(term(value))
    if key == "scenario":
        return text(scenario(value))
    if len(value) >= 19 and value[4] == "-" and value[10] == "T":
        value = format_datetime(value[:16])
    return text(value)


#: Table columns never broken across lines: the identifiers a clerk reads and types back.
WHOLE = frozenset({"number", "id", "batch", "incident", "drill"})


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    title: str | None = None,
    empty: str | None = None,
) -> None:
    """A Rich table of ``rows``; ``columns`` are (key, translated header) pairs."""
    from rich.table import Table

    if not rows:
        message(empty or _("Nothing to show."))
        return
    t = Table(title=title_text(title), header_style="bold", show_lines=False)
    for key, header in columns:
        t.add_column(text(header), overflow="fold", no_wrap=key in WHOLE)
    for row in rows:
        t.add_row(*(cell(row.get(key), key) for key, _header in columns))
    out().print(t)


#: A value longer than this many characters is shown below the panel as a wrapped block, not
#: in a table cell (``present.wrap``: Rich's cell layout of such text is slow).
LONG_TEXT = 2_000


def fields(pairs: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
    """A two-column panel of labelled values; long texts follow it as labelled blocks."""
    from rich.table import Table

    t = Table(title=title_text(title), show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    blocks = []
    for label, value in pairs:
        shown = cell(value)
        if len(shown.plain) > LONG_TEXT:
            blocks.append((label, shown.plain))
            shown = text(_("(below)"), "dim")
        t.add_row(text(label), shown)
    out().print(t)
    for label, value in blocks:
        _block(label, value)


def _block(label: str, value: str) -> None:
    """A long value under its label, indented two cells and wrapped to the terminal's width."""
    from complaintctl.present.wrap import wrap

    console = out()
    console.print(text(label, "bold"))
    # already inert (``cell``) and wrapped: written as it is, not laid out by Rich again
    console.file.write("".join("  " + line + "\n" for line in wrap(value, console.width - 2)))


class export_target:  # noqa: N801 - used as a context manager
    """Where an export goes: a file (written beside it, renamed into place only when complete)
    or standard output. Text formats get a text stream; XLSX a path (binary: on a terminal
    it needs -o). CSV files get a UTF-8 byte order mark so Excel shows Chinese correctly."""

    def __init__(self, output: str | None, fmt: str):
        self.output = output
        self.fmt = str(fmt)
        self.tmp = None
        self.file = None

    def __enter__(self):
        import os
        import tempfile
        from pathlib import Path

        from complaintctl.errors import UsageProblem

        binary = self.fmt == "xlsx"
        if self.output is None:
            if not binary:
                return sys.stdout
            if sys.stdout.isatty():
                raise UsageProblem(_("XLSX is a binary file; pass -o FILE.xlsx."))
            directory = None
        else:
            directory = str(Path(self.output).expanduser().resolve().parent)
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=".complaintctl-export-", dir=directory)
        except OSError as error:  # name the file asked for, not the temporary one beside it
            raise OSError(error.errno, error.strerror, self.output or directory) from None
        os.close(fd)
        if binary:
            return self.tmp
        encoding = "utf-8-sig" if self.fmt in ("csv", "cfpb", "ledger") else "utf-8"
        self.file = open(self.tmp, "w", encoding=encoding, newline="")  # noqa: SIM115
        return self.file

    def __exit__(self, kind, error, tb) -> None:
        import os
        import shutil

        if self.file is not None:
            self.file.close()
        if self.tmp is None:
            return
        if kind is not None:
            os.unlink(self.tmp)
            return
        if self.output is None:
            sys.stdout.flush()
            with open(self.tmp, "rb") as f:
                shutil.copyfileobj(f, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            os.unlink(self.tmp)
        else:
            os.replace(self.tmp, os.path.expanduser(self.output))
            os.chmod(os.path.expanduser(self.output), 0o600)
