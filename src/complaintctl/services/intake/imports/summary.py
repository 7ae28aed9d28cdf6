"""What an import is asked to do (``ImportOptions``) and what it did (``ImportSummary``), and
the sentence that says why a refused file was not imported."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from complaintctl.i18n import _


@dataclass
class ImportOptions:
    format: str = "auto"
    mapping: str | None = None
    dayfirst: bool = False
    date_format: str | None = None
    encoding: str | None = None
    dry_run: bool = False
    rejects: str | None = None
    max_errors: int = 0
    tag: str | None = None


@dataclass
class ImportSummary:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    batch: int | None = None
    file: str = ""
    sha256: str = ""
    format: str = ""
    encoding: str = ""
    source: str = ""
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    junk_lines: int = 0
    dry_run: bool = False
    committed: bool = False
    keyed: bool = True
    first_number: str | None = None
    last_number: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    refusal: str | None = None
    incidents: list[dict[str, Any]] = field(default_factory=list)  # what detection did after
    #: rows registered with possible repeats among the stored complaints (issue 21): each
    #: {line, number, repeat_of, candidates: [{number, score, reasons}]}; marked, not stopped
    possible_duplicates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def possible_duplicate_count(self) -> int:
        return len(self.possible_duplicates)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "possible_duplicate_count": self.possible_duplicate_count}


def refusal(summary: ImportSummary, options: ImportOptions) -> str:
    """Why nothing was imported: more rows rejected than ``--max-errors`` allows."""
    first = summary.errors[0]
    where = (
        _("the rejected rows are in {file}").format(file=summary.rejects_file)
        if summary.rejects_file else _("pass --rejects FILE to get them all")
    )
    return _(
        "{n} row(s) rejected (more than --max-errors {max}), so nothing was imported; line "
        "{line}: {reason}. Fix the rows ({where}) or pass --max-errors N to import the good "
        "ones."
    ).format(n=summary.rejected, max=options.max_errors, line=first["line"],
             reason=first["reason"], where=where)
