"""Opening an import file: which container it is (CSV, a JSON array, JSON Lines), which layout
its header or first record matches (native, cfpb, a ``--mapping``), and the records it holds,
as the readers in ``services.intake.reading`` yield them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.services.intake.imports.summary import ImportOptions
from complaintctl.services.intake.reading import layouts, readers
from complaintctl.services.intake.reading.source import Source


def open_records(source: Source, options: ImportOptions, layout_override):
    """(records iterator, bound layout, container name, junk lines, CSV header)."""
    container = container_of(source, options.format, layout_override)
    candidates = candidate_layouts(options.format, layout_override)

    def recognise(header):
        for layout in candidates:
            if layout.recognise(header):
                return layout
        return None

    expected = expected_layouts(candidates)
    if container == "csv":
        found = readers.CsvInput(source.text, recognise=recognise, encoding=source.encoding,
                                 expected=expected)
        return (found.records(), found.layout.bind(found.header), "csv", found.junk_lines,
                found.header)
    records = (readers.jsonl_records if container == "jsonl" else readers.json_array_records)(
        source.text, source.encoding
    )
    records, bound = _json_layout(records, recognise, expected)
    return records, bound, container, 0, []


def container_of(source: Source, fmt: str, layout_override) -> str:
    """csv, json or jsonl: as ``--format`` or the mapping says, else from the file's name and
    its first character."""
    if fmt in ("json", "jsonl"):
        return fmt
    if fmt != "auto":
        return "csv"
    if layout_override is not None and layout_override.container:
        return layout_override.container
    suffix = Path(source.name).suffix.lower()
    first = source.first_char()
    if suffix in (".jsonl", ".ndjson") or (first == "{" and suffix != ".json"):
        return "jsonl"
    if suffix == ".json" or first == "[":
        return "json"
    return "csv"


def candidate_layouts(fmt: str, layout_override) -> list[layouts.Layout]:
    """The layouts a file may be in, in the order they are tried."""
    if layout_override is not None:
        return [layout_override]
    if fmt == "native":
        return [layouts.native()]
    if fmt == "cfpb":
        return [layouts.cfpb()]
    return [layouts.cfpb(), layouts.native()]


def expected_layouts(candidates: list[layouts.Layout]) -> str:
    """The columns the candidates recognise a file by, for a message saying none matched."""
    named = [_("the {name} columns ({cols})").format(name=c.name, cols=c.expected())
             for c in candidates]
    if len(named) == 1:
        return named[0]
    return _("{one} or {other}").format(one=named[0], other=named[1])


def _json_layout(records: Iterator[readers.Record], recognise, expected: str):
    """JSON records: the layout is recognised by the first record's keys; (records, bound)."""
    first = next(records, None)
    if first is None:
        raise InvalidData(_("The file holds no records."))
    line, row = first
    if isinstance(row, readers.Broken):  # no keys to recognise the layout by: say why
        raise InvalidData(_("Line {line}: {reason}; fix the file.").format(
            line=line, reason=row.reason))
    header = list(row)
    layout = recognise(header)
    if layout is None:
        raise InvalidData(
            _("Line {line}: the record's keys match neither {expected}; pass --mapping.").format(
                line=line, expected=expected
            )
        )

    def chained():
        yield first
        yield from records

    return chained(), JsonBound(layout, header)


class JsonBound(layouts.Bound):
    """JSON records carry their own keys: bind each record's keys as it comes."""

    def __init__(self, layout, first_keys: list[str]):
        super().__init__(layout, [], [])
        self._cache: dict[tuple[str, ...], layouts.Bound] = {}
        self._keyed = layout.bind(first_keys).keyed

    @property
    def keyed(self) -> bool:
        return self._keyed

    def convert(self, row):
        names = tuple(row)
        bound = self._cache.get(names)
        if bound is None:
            bound = self.layout.bind(list(names))
            if len(self._cache) < 64:
                self._cache[names] = bound
            for name in bound.ignored:
                if name not in self.ignored:
                    self.ignored.append(name)
        return bound.convert(row)
