"""Validation: one record read from the file becomes a checked complaint row (``Row``), or
``InvalidData`` saying why it is rejected (``SecretFound`` when the record holds a secret, so
that the rejects file blanks it).

A record is checked as ``register`` checks a complaint (``validate_new``), and its row starts
from ``register``'s (``complaint_row``: the same columns, priority, opening clock and due time)
with the history the file gives added. Only the checks of the history (status, decision,
handling) are the importer's own. A row has no event of its own (issue 20): the stamp of its
stored columns is its leaf in the batch's Merkle tree (``writing.Leaves``).

This is the import's hot path: ``RowValidator.check`` runs once per record and calls its steps
directly; look-ups that repeat (due time, branch, assignee) are cached per import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from complaintctl.domain import limits
from complaintctl.domain.enums import Channel, Outcome, Priority, Status
from complaintctl.errors import InvalidData
from complaintctl.i18n import _
from complaintctl.services.clock.state import OpeningClock
from complaintctl.services.complaints.registration import (
    NewComplaint,
    column_defaults,
    complaint_row,
    validate_new,
)
from complaintctl.services.core.kernel import NUMBER, assignee_problem
from complaintctl.services.core import filter_values
from complaintctl.services.intake.imports.values import (
    SENSITIVE_TEXT,
    TEXT_FIELDS,
    may_hold_secret,
    parse_bool,
    parse_enum,
    parse_int,
    parse_remedies,
    representatives,
    split_list,
)
from complaintctl.services.intake.reading import layouts, readers
from complaintctl.services.intake.reading.dates import AmbiguousDates
from complaintctl.store.models import Staff

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
    """One checked complaint: its columns, tags and remedies."""

    line: int
    key: str | None
    values: dict[str, Any]
    tags: list[str]
    remedies: list[tuple[str, int | None, str | None]]
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
        self.opening, self.wait = clock, wait
        #: the opening clock with its due time cached per day of receipt: with no pause yet,
        #: the due time depends on that day alone
        self.clock = OpeningClock(clock.profile, self._due_on)
        self.sensitive_columns = sensitive_columns
        self._due: dict[Any, datetime] = {}
        self._staff: dict[str, Staff | None] = {}
        self._branches: dict[str, str] = {}  # a branch as given -> as stored
        self.template = column_defaults()  # all columns: the writer's INSERT is compiled once

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
        new.priority = parse_enum(Priority, f.get("priority"), "priority")  # None: derived
        handled = self._handling(f, status, dates, received_at, branch)
        values = self._values(f, new, clean, dates, bools, status, outcome, branch, handled)
        numbers = tuple(dict.fromkeys(n for n in (f.get("original_number"), new.external_ref)
                                      if n and NUMBER.match(n)))
        return Row(line, new.external_ref, values, clean["tags"], remedies, numbers)

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
            source_ref=f.get("source_ref"), regulator_due=f.get("regulator_due"),
            representatives=representatives(f.get("representatives")),
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
                branch, handled) -> dict[str, Any]:
        """The complaint's columns (all of them: the writer's INSERT is compiled once):
        ``register``'s row, numbered later, with the history the file gives."""
        values = dict(self.template)
        values.update(complaint_row(
            new, clean, number=None, branch=branch, received_at=new.received_at, at=self.now,
            registered_by=self.actor.username, clock=self.clock))
        values.update(
            status=status.value, acknowledged_at=dates.get("acknowledged_at"),
            outcome=outcome.value if outcome else None, findings=f.get("findings"),
            notified_at=dates.get("notified_at"), notified_via=f.get("notified_via"),
            notice_proof=f.get("notice_proof"), feedback=f.get("feedback"),
            disputed=bool(bools.get("disputed")), import_batch_id=self.batch_id,
            sub_product=f.get("sub_product"), sub_issue=f.get("sub_issue"),
            company=f.get("company"), state=f.get("state"), zip_code=f.get("zip_code"),
            consumer_consent=f.get("consumer_consent"),
            company_response=f.get("company_response"),
            company_public_response=f.get("company_public_response"),
            sent_to_company_at=dates.get("sent_to_company_at"),
            timely_response=bools.get("timely_response"),
            consumer_disputed=bools.get("consumer_disputed"),
            **handled,
        )
        return values

    def _due_on(self, received_at: datetime) -> datetime:
        """The opening clock's due time, cached per day of receipt in the bank's zone."""
        day = received_at.astimezone(self.tz).date()
        due = self._due.get(day)
        if due is None:
            due = self._due[day] = self.opening.due(received_at)
        return due

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
        problem = assignee_problem(staff, branch)
        if problem in ("inactive", "role"):
            raise InvalidData(_(
                "assignee {user} is not an active handler or supervisor; add them with "
                "`complaintctl staff add` or clear the column").format(user=username))
        if problem == "branch":
            raise InvalidData(_("assignee {user} works for branch {theirs}, not {branch}").format(
                user=username, theirs=staff.branch, branch=branch or "-"))
