"""Validation: one record read from the file becomes a checked complaint row (``Row``), or
``InvalidData`` saying why it is rejected (``SecretFound`` when the record holds a secret, so
that the rejects file blanks it).

This is the import's hot path: ``RowValidator.check`` runs once per record and calls its steps
directly; look-ups that repeat (priority, due time, branch, assignee) are cached per import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from complaintctl.domain import limits, money
from complaintctl.domain.enums import Channel, Outcome, Priority, Status
from complaintctl.domain.priority import derive_priority
from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.services.complaints.registration import NewComplaint, validate_new
from complaintctl.services.core.kernel import NUMBER
from complaintctl.services.core import filter_values
from complaintctl.services.intake.imports.values import (
    SENSITIVE_TEXT,
    TEXT_FIELDS,
    may_hold_secret,
    parse_bool,
    parse_enum,
    parse_int,
    parse_remedies,
    split_list,
)
from complaintctl.services.intake.reading import layouts, readers
from complaintctl.services.intake.reading.dates import AmbiguousDates
from complaintctl.store.models import Complaint, Staff

COMPLAINT = Complaint.__table__
DATE_FIELDS = ("received_at", "sent_to_company_at", "acknowledged_at", "notified_at",
               "closed_at", "archived_at")
BOOL_FIELDS = ("timely_response", "consumer_disputed", "disputed")
#: the statuses a complaint may be imported in (its history happened elsewhere)
HISTORY_STATUSES = {
    Status.registered, Status.assigned, Status.investigating, Status.resolved, Status.closed,
    Status.archived, Status.withdrawn,
}
_ENDED = (Status.closed, Status.archived)


class SecretFound(InvalidData):
    """The record holds a password, PIN or card security code: rejected, and blanked in the
    rejects file."""


@dataclass
class Row:
    """One checked complaint: its columns, tags and remedies, and its ``imported`` event's
    details and personal data."""

    line: int
    key: str | None
    values: dict[str, Any]
    tags: list[str]
    remedies: list[tuple[str, int | None, str | None]]
    details: dict[str, Any]
    personal: dict[str, Any]
    #: complaint numbers the row carries (a file exported from a complaintctl database)
    numbers: tuple[str, ...] = ()


class RowValidator:
    """Checks the records of one import against the layout bound to its file.

    ``wait`` is called before a look-up touches the session (the background writer may be
    using the connection); ``clock`` is the clock profile in force (``opening_clock``)."""

    def __init__(self, *, session, actor, bound, dates, tz, now: datetime, tag: str | None,
                 batch_id: int, clock, wait, sensitive_columns: list[str]):
        self.session, self.actor, self.bound, self.dates = session, actor, bound, dates
        self.layout = bound.layout
        self.tz, self.now, self.tag, self.batch_id = tz, now, tag, batch_id
        self.clock, self.wait = clock, wait
        self.sensitive_columns = sensitive_columns
        self._due: dict[Any, datetime] = {}
        self._priority: dict[Any, str] = {}
        self._staff: dict[str, Staff | None] = {}
        self._branches: dict[str, str] = {}  # a branch as given -> as stored
        self.template = {c.name: None for c in COMPLAINT.c if c.name != "id"}

    def check(self, line: int, row) -> Row:
        """The record at ``line`` as a complaint row; InvalidData (SecretFound) if rejected."""
        if isinstance(row, readers.Broken):
            raise InvalidData(row.reason)
        for column in self.sensitive_columns:
            if layouts.clean(row.get(column)) is not None:
                raise SecretFound(_(
                    "column '{column}' holds a password, PIN or card security code; such data "
                    "is never stored: remove the column and import again").format(column=column))
        f = self.bound.convert(row)
        limits.check_row(f)  # domain/limits.py: each field's length, and the row's, first
        for name in TEXT_FIELDS:
            text = f.get(name)
            if text and may_hold_secret(text) and SENSITIVE_TEXT.search(text):
                raise SecretFound(_(
                    "the {field} holds what looks like a password, PIN or card security "
                    "code; such data is never stored: remove it and import again").format(
                    field=name))
        dates = {name: self._date(f, name, line) for name in DATE_FIELDS if name in f}
        received_at = dates.get("received_at") or self.now
        if received_at > self.now:
            raise InvalidData(_("received_at {value} is in the future").format(
                value=f.get("received_at")))
        bools = {name: parse_bool(f[name], name) for name in BOOL_FIELDS if name in f}
        new = self._new_complaint(f, received_at)
        clean = validate_new(new)
        branch = self._branch((new.branch or "").strip() or None)
        if not self.actor.works_for(branch):
            raise InvalidData(_(
                "branch {branch}: {user} imports complaints for branch {own} only").format(
                branch=branch or "-", user=self.actor.username, own=self.actor.branch))
        status, outcome, remedies = self._decision(f)
        priority = self._priority_of(f, clean, new)
        local_day = received_at.astimezone(self.tz).date()
        due = self._due.get(local_day)
        if due is None:
            due = self._due[local_day] = self.clock.due(received_at)
        handled = self._handling(f, status, dates, received_at, branch)
        values = self._values(f, new, clean, dates, bools, status, outcome, priority, handled)
        values["branch"], values["due_at"] = branch, due
        details, personal = self._event(line, f, new, clean, values)
        numbers = tuple(dict.fromkeys(n for n in (f.get("original_number"), new.external_ref)
                                      if n and NUMBER.match(n)))
        return Row(line, new.external_ref, values, clean["tags"], remedies, details, personal,
                   numbers)

    # -- the steps of check, in the order a record's problems are reported

    def _date(self, fields, name, line):
        text = fields.get(name)
        if text is None:
            return None
        try:
            return self.dates.parse(text, line)
        except AmbiguousDates:
            raise
        except InvalidData as error:
            raise InvalidData(f"{name}: {error}") from None

    def _new_complaint(self, f: dict[str, Any], received_at: datetime) -> NewComplaint:
        """The record as registration's ``NewComplaint`` (checked by ``validate_new``)."""
        channel_text = f.get("channel")
        if channel_text is None:
            raise InvalidData(_("the channel is missing; give one of {known}").format(
                known=", ".join(c.value for c in Channel)))
        try:
            channel = Channel(channel_text.lower())
        except ValueError:
            raise InvalidData(_("channel '{value}' is not one of {known}").format(
                value=channel_text, known=", ".join(c.value for c in Channel))) from None
        tags = split_list(f.get("tags"))
        if self.tag and self.tag not in tags:
            tags.append(self.tag)
        return NewComplaint(
            channel=channel, customer=f.get("customer") or "", summary=f.get("summary") or "",
            phone=f.get("phone"), email=f.get("email"), id_number=f.get("id_number"),
            account=f.get("account"), customer_id=f.get("customer_id"),
            group_size=parse_int(f.get("group_size"), "group_size") or 1,
            branch=f.get("branch") or self.actor.branch, product=f.get("product"),
            issue=f.get("issue"), description=f.get("description"), amount=f.get("amount"),
            currency=f.get("currency") or "CNY", tags=tags, received_at=received_at,
            source_ref=f.get("source_ref"),
            # a row without a reference of its own is known by its number in the database it
            # was exported from (a native file's number column): importing it again adds nothing
            external_ref=f.get("external_ref") or f.get("original_number"),
            external_source=self.layout.source,
        )

    def _decision(self, f: dict[str, Any]):
        """(status, outcome, remedies) of the row's history."""
        status = self._status(f.get("status"))
        outcome = parse_enum(Outcome, f.get("outcome"), "outcome")
        remedies = parse_remedies(f.get("remedies"))
        if outcome is None and status in (Status.resolved, Status.closed, Status.archived) and (
            remedies and self.layout.name != "cfpb"
        ):
            raise InvalidData(_("remedies are given but no outcome"))
        return status, outcome, remedies

    def _priority_of(self, f: dict[str, Any], clean: dict[str, Any], new: NewComplaint):
        """(priority, whether the file set it): the file's, else derived as registration does."""
        priority = parse_enum(Priority, f.get("priority"), "priority")
        if priority is not None:
            return priority.value, True
        key = (clean["amount_cents"], tuple(clean["tags"]), new.channel, new.group_size)
        derived = self._priority.get(key)
        if derived is None:
            derived = derive_priority(
                amount=money.to_decimal(clean["amount_cents"]),
                tags=frozenset(clean["tags"]), channel=new.channel, group_size=new.group_size,
            ).value
            if len(self._priority) < 10_000:
                self._priority[key] = derived
        return derived, False

    def _handling(self, f, status: Status, dates, received_at: datetime, branch) -> dict:
        """The columns of how the complaint was handled: assignee, closure, satisfaction."""
        assignee = f.get("assignee")
        if assignee is not None:
            self._check_assignee(assignee, branch)
        elif status in (Status.assigned, Status.investigating):
            raise InvalidData(_("status {status} needs an assignee").format(status=status.value))
        closed_at = dates.get("closed_at")
        if status in _ENDED and closed_at is None:
            sent = dates.get("sent_to_company_at")  # the CFPB's: closed by then at the latest
            closed_at = max(received_at, sent) if sent and sent <= self.now else received_at
        if status not in _ENDED:
            closed_at = None
        archived_at = dates.get("archived_at") if status is Status.archived else None
        if status is Status.archived and archived_at is None:
            archived_at = closed_at
        for name, value in (("closed_at", closed_at), ("archived_at", archived_at)):
            if value is not None and (value < received_at or value > self.now):
                raise InvalidData(_("{field} {value} is before received_at or in the future")
                                  .format(field=name, value=f.get(name) or value.isoformat()))
        satisfaction = parse_int(f.get("satisfaction"), "satisfaction")
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise InvalidData(_("satisfaction must be a whole number from 1 to 5"))
        return {"assignee": assignee, "closed_at": closed_at, "archived_at": archived_at,
                "satisfaction": satisfaction}

    def _values(self, f, new: NewComplaint, clean, dates, bools, status: Status, outcome,
                priority, handled) -> dict[str, Any]:
        """The complaint's columns (all of them: the writer's INSERT is compiled once)."""
        values = dict(self.template)
        values.update(
            status=status.value, channel=new.channel.value, source_ref=new.source_ref,
            external_source=self.layout.source, external_ref=new.external_ref,
            received_at=new.received_at, registered_at=self.now,
            registered_by=self.actor.username, customer_name=clean["customer"],
            customer_phone=new.phone, customer_email=new.email,
            customer_id_number=new.id_number, customer_account=new.account,
            customer_ref=new.customer_id, group_size=new.group_size,
            product=new.product, issue=new.issue, summary=clean["summary"],
            description=new.description, amount_cents=clean["amount_cents"],
            currency=clean["currency"], priority=priority[0], priority_set=priority[1],
            acknowledged_at=dates.get("acknowledged_at"),
            clock_profile=self.clock.profile, paused=False, extension_level=0,
            escalation_level=0, warned_percent=0,
            outcome=outcome.value if outcome else None, findings=f.get("findings"),
            notified_at=dates.get("notified_at"), notified_via=f.get("notified_via"),
            notice_proof=f.get("notice_proof"), feedback=f.get("feedback"),
            disputed=bool(bools.get("disputed")), reopen_count=0, last_event_at=self.now,
            import_batch_id=self.batch_id, sub_product=f.get("sub_product"),
            sub_issue=f.get("sub_issue"), company=f.get("company"), state=f.get("state"),
            zip_code=f.get("zip_code"), consumer_consent=f.get("consumer_consent"),
            company_response=f.get("company_response"),
            company_public_response=f.get("company_public_response"),
            sent_to_company_at=dates.get("sent_to_company_at"),
            timely_response=bools.get("timely_response"),
            consumer_disputed=bools.get("consumer_disputed"),
            **handled,
        )
        return values

    def _event(self, line: int, f, new: NewComplaint, clean, values) -> tuple[dict, dict]:
        """The ``imported`` event's details and personal data."""
        details = {
            "batch": self.batch_id, "line": line, "source": self.layout.source,
            "external_ref": new.external_ref, "channel": values["channel"],
            "received_at": new.received_at.isoformat(), "branch": values["branch"],
            "product": new.product, "issue": new.issue, "summary": clean["summary"],
            "amount": money.format_amount(clean["amount_cents"]),
            "currency": clean["currency"], "tags": clean["tags"], "priority": values["priority"],
            "status": values["status"], "outcome": values["outcome"],
        }
        if f.get("original_number"):
            details["original_number"] = f["original_number"]
        personal = {
            "name": clean["customer"], "phone": new.phone, "email": new.email,
            "id_number": new.id_number, "account": new.account, "customer_id": new.customer_id,
            "description": new.description,
        }
        return details, personal

    # -- look-ups

    def _status(self, text: str | None) -> Status:
        if text is None:
            return Status.registered
        try:
            status = Status(text.lower())
        except ValueError:
            status = None
        if status not in HISTORY_STATUSES:
            raise InvalidData(_("status '{value}' cannot be imported; use one of {known}").format(
                value=text, known=", ".join(s.value for s in Status if s in HISTORY_STATUSES)))
        return status

    def _branch(self, code: str | None) -> str | None:
        """A row's branch as the database spells it (``filter_values.spelled_branch``)."""
        if code is None or code == self.actor.branch:
            return code
        spelled = self._branches.get(code)
        if spelled is None:
            self.wait()  # the connection is ours for this look-up
            spelled = filter_values.spelled_branch(self.session, self.actor, code)
            if len(self._branches) < 10_000:
                self._branches[code] = spelled
        return spelled

    def _check_assignee(self, username: str, branch: str | None) -> None:
        if username not in self._staff:
            self.wait()  # the connection is ours for this look-up
            self._staff[username] = self.session.execute(
                select(Staff).where(Staff.username == username)
            ).scalar_one_or_none()
        staff = self._staff[username]
        if staff is None or not staff.active or staff.role not in ("handler", "supervisor",
                                                                    "admin"):
            raise InvalidData(_(
                "assignee {user} is not an active handler or supervisor; add them with "
                "`complaintctl staff add` or clear the column").format(user=username))
        if staff.branch is not None and staff.branch != branch:
            raise InvalidData(_("assignee {user} works for branch {theirs}, not {branch}").format(
                user=username, theirs=staff.branch, branch=branch or "-"))
