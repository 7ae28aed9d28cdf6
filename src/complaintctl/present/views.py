"""How complaints look on a terminal: the columns of ``list`` and the layout of ``show``."""

from __future__ import annotations

from typing import Any

from complaintctl.present import render
from complaintctl.i18n import (N_, _, code, duration, format_amount, format_date,
                               format_datetime, label, language, sentences, term)


def clock_flag(d: dict[str, Any]) -> str | None:
    """Time left with the clock's state: ``2d 4h``, ``-3h overdue``, ``5h 80%``, ``paused``."""
    if d.get("time_left") is None:
        return None
    parts = [duration(d["time_left"])]
    if d.get("overdue"):
        parts.append(_("overdue"))
    elif d.get("warning"):
        parts.append(d["warning"])
    if d.get("paused"):
        parts.append(_("paused"))
    return " ".join(parts)


def _when(value: str | None) -> str:
    """A stored time to the minute, in the interface language's form ('' when unset)."""
    return format_datetime(value[:16]) if value else ""


#: The names of a timeline event's details in Chinese (English shows the key itself).
_DETAIL_NAMES = {
    "reason": N_("Reason"), "text": N_("Text"), "summary": N_("Summary"),
    "question": N_("Question"), "answer": N_("Answer"), "into": N_("Merged into"),
    "merged_from": N_("Merged from"), "filename": N_("File"), "via": N_("Via"),
    "level": N_("Level"), "result": N_("Result"), "findings": N_("Findings"),
    "state": N_("State"), "approved_by": N_("Approved by"), "assignee": N_("Assignee"),
    "outcome": N_("Outcome"), "satisfaction": N_("Satisfaction"), "feedback": N_("Feedback"),
    "reopen_count": N_("Reopened"), "notice_proof": N_("Notice proof"),
    "notified_via": N_("Notified via"), "priority": N_("Priority"), "status": N_("Status"),
    "channel": N_("Channel"), "branch": N_("Branch"), "extension_level": N_("Extension level"),
    "escalation_level": N_("Escalation level"), "disputed": N_("Disputed"),
    "merged_into": N_("Merged into"), "tags": N_("Tags"), "remedies": N_("Remedies"),
}
#: Details whose values are codes (shown by their label).
_CODED = frozenset({"via", "notified_via", "outcome", "priority", "status", "channel", "result",
                    "state"})


def _timeline_text(event: dict[str, Any]) -> str:
    details = event.get("details") or {}
    chinese = language() == "zh"

    def name(key: str) -> str:
        return _(_DETAIL_NAMES[key]) if chinese and key in _DETAIL_NAMES else key

    def value(key: str, v: Any) -> Any:
        if v is None:
            return "-"
        return term(v) if chinese and key in _CODED and isinstance(v, str) else v

    parts = []
    if details.get("late"):
        parts.append(_("Late, recorded {days} days after: {reason}").format(
            days=details["late"].get("days_back"), reason=details["late"].get("reason")))
    for key in ("reason", "text", "summary", "question", "answer", "into", "merged_from",
                "filename", "via", "level", "result", "findings", "state", "approved_by"):
        if details.get(key):
            parts.append(_("{name}: {value}").format(name=name(key), value=value(key, details[key])))
    for key, (old, new) in (details.get("changes") or {}).items():
        if key.endswith("_at"):
            continue  # the event's own time says when
        parts.append(_("{name}: {value}").format(
            name=name(key), value=f"{value(key, old)} → {value(key, new)}"))
    return _("; ").join(str(p) for p in parts)


def complaint(data: dict[str, Any], fmt: str) -> None:
    """``show``: the complaint's fields, its timeline and its consultations (or JSON)."""
    render.emit(data, fmt, draw=_draw_complaint)


def _draw_complaint(d: dict[str, Any]) -> None:
    render.fields(_complaint_fields(d), title=f"{d['number']}")
    from complaintctl.present import fit
    from complaintctl.present.tables import timeline_layout

    rows = [dict(e, what=_timeline_text(e)) for e in d["events"]]
    fit.table(rows, timeline_layout(), title=_("Timeline"))
    if d["consultations"]:
        render.table(
            d["consultations"],
            [("id", _("Id")), ("department", _("Department")), ("question", _("Question")),
             ("answer", _("Answer"))],
            title=_("Consultations"),
        )


def _late_fields(d: dict[str, Any]) -> list[tuple[str, Any]]:
    """``Registered late: <reason> (recorded <date>)``, for a complaint registered late."""
    late = d.get("registered_late")
    if not late:
        return []
    return [(_("Registered late"), _("{reason} (recorded {date})").format(
        reason=late["reason"], date=format_date(late["recorded_at"][:10])))]


def _complaint_fields(d: dict[str, Any]) -> list[tuple[str, Any]]:
    """The labelled values of ``show``'s panel: who complained, about what, the clock, and
    what came of it."""
    return [
        (_("Status"), label(d["status"])),
        (_("Channel"), label(d["channel"])),
        (_("Received"), d["received_at"]),
        (_("Registered"), f"{_when(d['registered_at'])} " + _("by") + f" {d['registered_by']}"),
        *_late_fields(d),
        *_customer_fields(d["customer"]),
        (_("Group size"), d["group_size"]),
        (_("Representatives"), "; ".join(f"{r['name']} {r['phone']}"
                                         for r in d["representatives"]) or None),
        (_("Identity verified"), " ".join(filter(None, (
            _when(d["identity"]["verified_at"]), term(d["identity"]["method"])))) or None),
        (_("Branch"), d["branch"]),
        (_("Product"), d["product"]),
        (_("Issue"), d["issue"]),
        (_("Summary"), d["summary"]),
        (_("Description"), d["description"]),
        (_("Amount"), format_amount(d["amount"], d["currency"]) if d["amount"] else None),
        (_("Tags"), d["tags"]),
        (_("Priority"), label(d["priority"])),
        (_("Assignee"), d["assignee"]),
        *_clock_fields(d),
        (_("Acknowledged"), d["acknowledged_at"]),
        (_("Outcome"), label(d["outcome"]) or None),
        (_("Findings"), d["findings"]),
        (_("Remedies"), _remedies_text(d)),
        (_("Notified"), f"{_when(d['notified_at'])} "
                        f"{term(d['notified_via'])} {d['notice_proof'] or ''}".strip() or None),
        (_("Satisfaction"), d["satisfaction"]),
        (_("Disputed"), d["disputed"]),
        (_("Reopened"), d["reopen_count"]),
        (_("Closed"), d["closed_at"]),
        (_("Archived"), d["archived_at"]),
        (_("Merged into"), d["merged_into"]),
        (_("Regulator's deadline"), d["regulator_due"]),
        (_("Reported back"), d["referral_reported_at"]),
    ]


def _customer_fields(customer: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (_("Customer"), customer["name"]),
        (_("Phone"), customer["phone"]),
        (_("Email"), customer["email"]),
        (_("ID number"), customer["id_number"]),
        (_("Account"), customer["account"]),
    ]


def _clock_fields(d: dict[str, Any]) -> list[tuple[str, Any]]:
    """When the complaint is due, the time left and the regulatory clock's state."""
    return [
        (_("Due"), _when(d["due_at"]) + (" " + _("OVERDUE") if d.get("overdue") else "")),
        (_("Left"), clock_flag(d)),
        (_("Clock"), _("{clock} ({profile})").format(
            clock=term(d.get("clock")) or "-", profile=d.get("clock_profile") or "-")),
        (_("Paused"), d.get("paused")),
        (_("Extension level"), d.get("extension_level")),
        (_("Escalation level"), d.get("escalation_level")),
    ]


def _remedies_text(d: dict[str, Any]) -> str:
    """The remedies on one line: each kind, with its amount when it has one."""
    return _(", ").join(
        term(r["kind"])
        + (f" {format_amount(r['amount'], d['currency'])}" if r["amount"] else "")
        for r in d["remedies"]
    )


def import_summary(summary, as_json: bool) -> None:
    """An import's summary: JSON on stdout with --json, else sentences on stderr. A refused
    import then fails with its reason (exit 5)."""
    from complaintctl.errors import InvalidData

    data = summary.as_dict()
    if as_json:
        render.emit_json(data)
    else:
        _import_sentences(data)
    if summary.refusal:
        raise InvalidData(summary.refusal)


def _import_sentences(d: dict[str, Any]) -> None:
    from complaintctl.domain.plan import roman

    for found in d.get("incidents") or []:
        render.message(_("Emergency plan: incident {id} {action} at level {level}: {why}.")
                       .format(id=found["incident"], action=code(found["action"]),
                               level=roman(found["level"]), why=found["why"]))
    if d["junk_lines"]:
        render.message(_("Skipped {n} line(s) before the header.").format(n=d["junk_lines"]))
    if d["ignored_columns"]:
        render.message(_("Ignored columns: {columns}.").format(
            columns=", ".join(d["ignored_columns"])))
    if not d["keyed"]:
        render.message(_(
            "The file has no key column (external_ref, or the CFPB's Complaint ID): importing "
            "it again adds its rows again. Name one with key = \"COLUMN\" in a --mapping file."))
    if not d["rejects_file"]:
        for error in d["errors"][:10]:
            render.message(_("line {line}: {reason}").format(**error))
    counts = dict(read=d["read"], imported=d["imported"], skipped=d["skipped"],
                  rejected=d["rejected"])
    if d["dry_run"]:
        render.message(_("Dry run of {file}: {read} read; would import {imported}, skip "
                         "{skipped} already stored, reject {rejected}. Nothing was written.")
                       .format(file=d["file"], **counts))
    elif d["committed"]:
        render.message(_("Batch {batch} ({file}): {read} read, {imported} imported, {skipped} "
                         "skipped (already stored), {rejected} rejected.").format(
            batch=d["batch"], file=d["file"], **counts))
        if d["first_number"] and d["first_number"] == d["last_number"]:
            render.message(_("Number {number}.").format(number=d["first_number"]))
        elif d["first_number"]:
            render.message(_("Numbers {first} to {last}.").format(first=d["first_number"],
                                                                 last=d["last_number"]))
    if d["rejects_file"] and d["rejected"]:
        render.message(_("Rejected rows are in {file}.").format(file=d["rejects_file"]))
    for marked in d.get("possible_duplicates", [])[:10]:
        render.message(_("line {line}: {number} may repeat {others} (CBIRC Art 18); imported, "
                         "marked in the summary.").format(
            line=marked["line"], number=marked["number"],
            others=", ".join(c["number"] for c in marked["candidates"])))


def batch_list(rows: list[dict[str, Any]], fmt: str) -> None:
    render.emit(rows, fmt, columns=[
        ("batch", _("Batch")), ("at", _("When")), ("by", _("By")), ("file", _("File")),
        ("format", _("Format")), ("read", _("Read")), ("imported", _("Imported")),
        ("skipped", _("Skipped")), ("rejected", _("Rejected")), ("tag", _("Tag")),
        ("undone_at", _("Undone"))], title=_("Import batches"), empty=_("No imports yet."))


# --- intake --------------------------------------------------------------------------------------


def _intake_counts(data: dict[str, Any]) -> str:
    text = _("Read {read}: {registered} registered, {attached} attached to existing complaints, "
             "{duplicates} duplicates skipped, {automatic} automatic ignored, {already_read} "
             "already read (not taken), {needs_review} for review, {failed} failed."
             ).format(**{k: data.get(k, 0) for k in (
                 "read", "registered", "attached", "duplicates", "automatic", "already_read",
                 "needs_review", "failed")})
    if data.get("dry_run"):
        text = sentences(text, _("Dry run: nothing was changed."))
    return text


def intake_mail(data: dict[str, Any], *, as_json: bool) -> None:
    """The summary of ``intake mail``: every message and what came of it."""
    if as_json:
        render.emit_json(data)
        return
    render.table(
        data["messages"],
        [("result", _("Result")), ("number", _("Complaint")), ("sender", _("From")),
         ("subject", _("Subject")), ("evidence", _("Files")), ("reason", _("Why"))],
        title=data["source"], empty=_("No new mail in {source}.").format(source=data["source"]),
    )
    render.message(_intake_counts(data))
    for item in data["not_marked_reasons"]:
        render.error(_("{id} was taken in but not marked in the mailbox ({reason}); the next run "
                       "skips it by its Message-ID.").format(id=item["message_id"],
                                                             reason=item["reason"]))


def intake_records(data: dict[str, Any], *, as_json: bool) -> None:
    """The summary of ``intake json``."""
    if as_json:
        render.emit_json(data)
    else:
        for number in data["numbers"]:
            render.line(number)
        text = _("Read {read}: {registered} registered, {duplicates} duplicates skipped, "
                 "{failed} failed.").format(**data)
        if data["failed"] and data["valid"]:
            text = sentences(text, _("Nothing was registered: fix the lines named and send them "
                                     "all again."))
        elif data["dry_run"]:
            text = sentences(text, _("Dry run: {valid} valid, nothing was changed.").format(**data))
        render.message(text)
    for record in data["records"]:
        if record["result"] == "failed":
            render.error(_("line {line}: {field}: {reason}").format(**record))


def possible_repeats(found: list, *, merged: bool = False) -> None:
    """``register``'s warning on stderr: the customer's earlier complaints that may be the
    same matter (number, score, reasons), best first; nothing when there are none."""
    if not found:
        return
    if not merged:
        render.message(_("Warning: {n} earlier complaint(s) of this customer may be the same "
                         "matter (CBIRC Art 18); to merge, register with --merge-into NUMBER "
                         "instead:").format(n=len(found)))
    for one in found:
        render.message(_("  {number}  score {score}: {reasons}").format(
            number=one.number, score=one.score, reasons=_("; ").join(one.reasons)))


def registered_json(data: dict[str, Any]) -> None:
    """``register --json -``: the new number (or the existing one) or the field at fault."""
    record = data["records"][0] if data["records"] else {}
    result = {"number": record.get("number"), "due_at": record.get("due_at"),
              "duplicate": record.get("result") == "duplicate",
              "possible_duplicates": record.get("possible_duplicates", [])}
    if record.get("result") == "failed":
        result = {"number": None, "field": record["field"], "reason": record["reason"]}
        render.error(_("{field}: {reason}").format(**record))
    render.emit_json(result)


def migration(result, fmt: str) -> None:
    """``db migrate-to``: per-table counts, then what happened to the chain, in sentences."""
    render.emit(result.as_dict(), fmt, draw=lambda _r: render.table(
        [t.as_dict() for t in result.tables],
        [("table", _("Table")), ("source", _("In the branch")), ("copied", _("Copied")),
         ("matched", _("Already there")), ("kept_ids", _("Same ids")),
         ("target_before", _("Target before")), ("target_after", _("Target after"))],
        title=_("Copied into {target}").format(target=result.target)))
    for note in result.notes:
        render.message(note)
    done = (_("Dry run: everything was copied and verified, then rolled back; nothing was "
              "written.") if result.dry_run
            else _("Migrated into {target}.").format(target=result.target))
    how = _("copied as it was") if result.chain == "copied" else _("appended")
    render.message(_(
        "{done} Audit chain {how}: {events} events (seq {first}-{last}); audit verify on the "
        "target: intact, {verified} events. Evidence files copied: {files}.").format(
        done=done, how=how, events=result.events, first=result.first_seq or "-",
        last=result.last_seq or "-", verified=result.verified_events,
        files=result.evidence_files))
