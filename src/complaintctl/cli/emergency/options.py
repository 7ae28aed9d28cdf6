"""What the ``plan``, ``incident`` and ``drill`` commands share: options, reading a plan file,
levels as typed and as shown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaintctl.domain.enums import ReadFormat
from complaintctl.i18n import _

Id = Annotated[str, typer.Argument(help=_("The incident id (see `incident list`)."))]
Level = Annotated[str, typer.Option("--level", help=_("1-4 or I-IV (1 = I, the most severe)."),
                                    metavar="LEVEL")]
Format = Annotated[ReadFormat, typer.Option("--format", help=_("table or json."))]
Output = Annotated[Path | None, typer.Option("-o", "--output", help=_("Write to this file."))]
AsOf = Annotated[str | None, typer.Option("--as-of", help=_("Evaluate at this time [default: now]."), metavar="TIMESTAMP")]


def roman(level: int) -> str:
    """A level's Roman numeral (1 -> I)."""
    from complaintctl.domain.plan import roman as to_roman

    return to_roman(level)


def parse_level(text: str) -> int:
    """A level as typed (1-4 or I-IV) as its number."""
    from complaintctl.domain.plan import parse_level

    return parse_level(text)


def read_file(path: Path, folder: str) -> str:
    """The text of the plan or delays file ``path``; ``folder``: what to say when it names a
    folder (``files.file_to_read``)."""
    from complaintctl.errors import InvalidData
    from complaintctl.infra.files import file_to_read

    file_to_read(path, error=InvalidData, folder=folder)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise InvalidData(_("Cannot read {path}: {problem}; check the file name.").format(
            path=path, problem=getattr(problem, "strerror", None) or problem)) from None
