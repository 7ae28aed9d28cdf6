"""Layouts say what a file's columns mean: ``native`` (the columns of ``list --format csv``),
``cfpb`` (the US consumer complaint database, in every header style real exports use) and a
TOML ``--mapping`` for anything else. Each turns a row into the importer's fields, as text:
the service then parses dates, numbers and booleans and validates the complaint.

Everywhere: surrounding blanks are trimmed; blank, ``N/A`` and the literal ``None`` mean empty;
a leading ``'`` that an export put before ``= + - @`` (formula neutralisation) is taken off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaintctl.domain.records import CFPB_COLUMNS, CSV_COLUMNS
from complaintctl.errors import InvalidData, UsageProblem
from complaintctl.i18n import _
from complaintctl.services.intake.reading.dates import check_format

#: every field a layout may fill (the keys of the rows the service validates)
FIELDS = (
    "channel", "customer", "phone", "email", "id_number", "account", "customer_id",
    "group_size", "branch", "product", "sub_product", "issue", "sub_issue", "summary",
    "description", "amount", "currency", "tags", "priority", "received_at", "source_ref",
    "external_ref", "company", "state", "zip_code", "consumer_consent", "company_response",
    "company_public_response", "sent_to_company_at", "timely_response", "consumer_disputed",
    "status", "assignee", "acknowledged_at", "outcome", "findings", "remedies", "notified_at",
    "notified_via", "notice_proof", "satisfaction", "feedback", "disputed", "closed_at",
    "archived_at", "original_number", "representatives", "regulator_due",
)
IGNORE = "ignore"
EMPTY = frozenset({"", "N/A", "n/a", "None", "none", "NONE"})
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def norm(name: str) -> str:
    """A header name compared loosely: ``Date received``, ``Date_received`` and
    ``date_received`` are one column; CJK characters are kept."""
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", name.lower())


def clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value in EMPTY:
        return None
    if len(value) > 1 and value[0] == "'" and value[1] in _TRIGGERS:
        value = value[1:]
    return value


@dataclass
class Layout:
    """Column names (normalised) to fields, value maps per field, defaults."""

    name: str
    source: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    date_format: str | None = None
    dayfirst: bool = False
    encoding: str | None = None
    container: str | None = None

    def recognise(self, header: list[str]) -> bool:
        names = {norm(h) for h in header}
        return all(r in names for r in self.required)

    def bind(self, header: list[str]) -> Bound:
        pairs = []
        ignored = []
        for name in header:
            target = self.columns.get(norm(name))
            if target is None:
                ignored.append(name)
            elif target != IGNORE:
                pairs.append((name, target))
        return Bound(self, pairs, ignored)

    def expected(self) -> str:
        return ", ".join(self.required)

    def finish(self, row: dict[str, Any]) -> dict[str, Any]:
        """Layout-specific rules after the columns are read (the CFPB's response, ...)."""
        return row


@dataclass
class Bound:
    """A layout bound to one file's header: which column fills which field."""

    layout: Layout
    pairs: list[tuple[str, str]]
    ignored: list[str]

    @property
    def fields(self) -> set[str]:
        return {f for _c, f in self.pairs}

    @property
    def keyed(self) -> bool:
        """Whether the rows carry a key: a reference, or a native file's complaint numbers."""
        return not self.fields.isdisjoint(("external_ref", "original_number"))

    def convert(self, row: dict[str, str]) -> dict[str, Any]:
        layout = self.layout
        out: dict[str, Any] = dict(layout.defaults)
        values = layout.values
        empty, triggers = EMPTY, _TRIGGERS
        for column, target in self.pairs:
            value = row.get(column)
            if not value:
                continue
            value = value.strip()
            if value in empty:
                continue
            if value[0] == "'" and len(value) > 1 and value[1] in triggers:
                value = value[1:]
            mapped = values.get(target)
            if mapped:
                value = mapped.get(value.casefold(), value)
            out[target] = value
        return layout.finish(out)


# --- native ----------------------------------------------------------------------------------

_NATIVE_RENAMES = {
    "customer_name": "customer",
    "customer_phone": "phone",
    "customer_email": "email",
    "customer_id_number": "id_number",
    "customer_account": "account",
    "number": "original_number",
    "registered_at": IGNORE,
    "registered_by": IGNORE,
    "due_at": IGNORE,
    "reopen_count": IGNORE,
    "merged_into": IGNORE,
    "repeat_of": IGNORE,
    "overdue": IGNORE,
}


def native() -> Layout:
    columns = {norm(f): f for f in FIELDS}
    for name in CSV_COLUMNS:
        columns[norm(name)] = _NATIVE_RENAMES.get(name, name)
    columns[norm("customer_id")] = "customer_id"
    return Layout("native", "", columns, required=("summary", "channel"))


# --- cfpb --------------------------------------------------------------------------------------


#: Submitted via -> channel (DOMAIN.md's mapping table); native channel words also pass
CFPB_CHANNELS = {
    "web": "online",
    "referral": "regulator",
    "web referral": "regulator",
    "phone": "phone",
    "email": "email",
    "postal mail": "letter",
    "fax": "fax",
}

#: Company response to consumer -> (status, outcome, remedy kind), per DOMAIN.md
CFPB_RESPONSES: dict[str, tuple[str, str | None, str | None]] = {
    "Closed with monetary relief": ("closed", "upheld", "compensation"),
    "Closed with non-monetary relief": ("closed", "upheld", "correction"),
    "Closed with relief": ("closed", "partially_upheld", "other"),
    "Closed with explanation": ("closed", "not_upheld", "explanation"),
    "Closed without relief": ("closed", "not_upheld", None),
    "Closed": ("closed", None, None),
    "Untimely response": ("closed", None, None),
    "In progress": ("registered", None, None),
}
_RESPONSES_FOLDED = {k.casefold(): k for k in CFPB_RESPONSES}

CFPB_TAGS = {"older american": "elderly", "servicemember": "servicemember"}
CFPB_CUSTOMER = "CFPB consumer"


class CfpbLayout(Layout):
    def finish(self, row: dict[str, Any]) -> dict[str, Any]:
        channel = row.get("channel")
        if channel is not None:
            row["channel"] = CFPB_CHANNELS.get(channel.casefold(), channel.casefold())
        else:
            row["channel"] = "other"
        tags = row.get("tags")
        if tags:
            row["tags"] = ";".join(
                CFPB_TAGS.get(t.strip().casefold(), re.sub(r"\W+", "_", t.strip().lower()))
                for t in tags.split(",") if t.strip()
            )
        response = row.get("company_response")
        if response is not None:
            canonical = _RESPONSES_FOLDED.get(response.casefold())
            if canonical is None:
                raise InvalidData(
                    _("Company response to consumer '{value}' is not one of: {known}").format(
                        value=response, known=", ".join(CFPB_RESPONSES)
                    )
                )
            row["company_response"] = canonical
            status, outcome, remedy = CFPB_RESPONSES[canonical]
            row["status"] = status
            if outcome:
                row["outcome"] = outcome
            if remedy:
                row["remedies"] = remedy
        if row.get("consumer_disputed") is not None and row.get("status") == "closed":
            row["disputed"] = row["consumer_disputed"]
        row.setdefault("customer", CFPB_CUSTOMER)
        issue, sub = row.get("issue"), row.get("sub_issue")
        summary = issue or row.get("product")
        if summary and sub:
            summary = f"{summary}: {sub}"
        if summary:
            row["summary"] = summary
        return row


def cfpb() -> Layout:
    columns = {norm(name): f for name, f in CFPB_COLUMNS}
    columns["zipcode"] = "zip_code"
    return CfpbLayout("cfpb", "cfpb", columns, required=("datereceived", "product"))


# --- mapping ---------------------------------------------------------------------------------


def load_mapping(path: str | Path) -> Layout:
    """A TOML mapping: see examples/bank_mapping.toml for every key."""
    data = _read_toml(path)
    columns = _mapped_columns(data, path)
    values = _value_maps(data)
    defaults = _defaults(data)
    if data.get("date_format") is not None:
        check_format(str(data["date_format"]), _("The mapping's date_format"))
    required = tuple(n for n, t in columns.items() if t != IGNORE)
    source = str(data.get("source") or f"mapping:{Path(path).stem}")[:32]
    return Layout(
        "mapping", source, columns, values, defaults, required=required,
        date_format=data.get("date_format"), dayfirst=bool(data.get("dayfirst", False)),
        encoding=data.get("encoding"), container=data.get("format"),
    )


def _read_toml(path: str | Path) -> dict[str, Any]:
    import tomllib

    from complaintctl.infra.files import file_to_read

    file = file_to_read(path, error=UsageProblem,
                        folder=_("{path} is a folder; give the mapping file (TOML) to --mapping."),
                        missing=_("No mapping file {path}; check --mapping."))
    try:
        with open(file, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        raise UsageProblem(
            _("The mapping {path} is not valid TOML ({problem}); fix it.").format(
                path=path, problem=error
            )
        ) from None


def _mapped_columns(data: dict[str, Any], path: str | Path) -> dict[str, str]:
    """[columns] (and ``key``): each column's normalised name to the field it fills."""
    columns_table = data.get("columns")
    if not isinstance(columns_table, dict) or not columns_table:
        raise UsageProblem(
            _("The mapping {path} needs a [columns] table: \"Column in the file\" = \"field\".")
            .format(path=path)
        )
    columns: dict[str, str] = {}
    for column, target in columns_table.items():
        if target not in FIELDS and target != IGNORE:
            raise UsageProblem(
                _("The mapping maps column '{column}' to '{target}', which is not a field; use "
                  "one of: {fields}.").format(column=column, target=target,
                                             fields=", ".join(FIELDS))
            )
        columns[norm(column)] = target
    key = data.get("key")
    if key:
        columns[norm(key)] = "external_ref"
    return columns


def _value_maps(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """[values.FIELD]: a field's words in the file (folded) to the words it is stored as."""
    values: dict[str, dict[str, str]] = {}
    for target, table in (data.get("values") or {}).items():
        if target not in FIELDS or not isinstance(table, dict):
            raise UsageProblem(
                _("[values.{target}] in the mapping must be a table for a field.").format(
                    target=target)
            )
        values[target] = {str(k).strip().casefold(): str(v) for k, v in table.items()}
    return values


def _defaults(data: dict[str, Any]) -> dict[str, str]:
    """[defaults]: the value of a field that the file leaves out."""
    defaults = {}
    for target, value in (data.get("defaults") or {}).items():
        if target not in FIELDS:
            raise UsageProblem(
                _("[defaults] in the mapping sets '{target}', which is not a field.").format(
                    target=target)
            )
        defaults[target] = str(value)
    return defaults
