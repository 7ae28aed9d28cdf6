"""The rejects file: every rejected row with its line and reason, secrets blanked."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from complaintctl.services.intake.imports.values import SENSITIVE_TEXT
from complaintctl.services.intake.reading import readers


class RejectsWriter:
    """Rejected rows with their line and reason: CSV (the file's own columns, then ``line``
    and ``reason``) for CSV input, JSON Lines for JSON input. Secrets are blanked. The CSV
    starts with a UTF-8 byte order mark, as exports do, so that Excel shows its Chinese right
    whatever the input's encoding (a GB18030 file's rejects included); the import reads it."""

    def __init__(self, path: str, container: str, header: list[str]):
        self.path = Path(path).expanduser()
        from complaintctl.infra.files import open_private

        encoding = "utf-8-sig" if container == "csv" else "utf-8"
        self.file = open_private(self.path, "w", encoding=encoding, newline="")
        self.container = container
        self.header = header
        self.writer = None
        if container == "csv":
            self.writer = csv.writer(self.file, lineterminator="\r\n")
            self.writer.writerow([*header, "line", "reason"])

    def write(self, line: int, row, reason: str, *, redact: list[str] | None) -> None:
        """One rejected row; ``redact``: the columns to blank (a secret was found), or None."""
        if isinstance(row, readers.Broken):
            fields = _split_raw(row.raw, len(self.header)) if self.writer else {"raw": row.raw}
        else:
            fields = dict(row)
        if redact is not None:
            for column in redact:
                if column in fields and fields[column]:
                    fields[column] = "[removed]"
            for column, value in fields.items():
                if isinstance(value, str) and SENSITIVE_TEXT.search(value):
                    fields[column] = SENSITIVE_TEXT.sub("[removed]", value)
        if self.writer is not None:
            if isinstance(fields, list):
                self.writer.writerow([*fields, line, reason])
            else:
                self.writer.writerow([*(fields.get(h, "") for h in self.header), line, reason])
        else:
            self.file.write(json.dumps({"line": line, "reason": reason, "record": fields},
                                       ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.file.close()


def _split_raw(raw: str, width: int) -> list[str]:
    """A broken CSV record's fields, read leniently, padded or cut to the header's width."""
    import io

    try:
        fields = [f for row in csv.reader(io.StringIO(raw)) for f in row]
    except csv.Error:
        fields = [raw]
    fields = fields[:width] if len(fields) > width else fields + [""] * (width - len(fields))
    if width and len(fields) == width and sum(map(len, fields)) < len(raw.strip()) // 2:
        fields = [raw] + [""] * (width - 1)
    return fields
