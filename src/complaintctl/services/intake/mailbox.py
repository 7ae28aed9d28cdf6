"""Intake use cases: the complaint mailbox into complaints, and the online platform's records.

Mail. Each message is handled in one transaction of its own (``one_transaction``): the complaint
through the real ``register`` use case, the message and its attachments kept as evidence, the
acknowledgement queued. The message is marked as taken in the mailbox only after that commit.
A message already taken in is recognised by its Message-ID, stored as the complaint's
``external_ref`` (``external_source`` "mail") or, for a reply, on the contact event of the
complaint it was attached to; so a crash between the commit and the marking never registers a
message twice: the next run skips it as a duplicate and marks it then.

Who acts: the member of staff running intake, who needs the ``register`` permission. Receiving
mail is part of receipt, not of handling: the evidence that arrives with a message and a
customer's reply are recorded under that permission, whatever the complaint's branch or
assignee, and the evidence does not go through the lifecycle's ``evidence add`` rule.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from complaintctl.domain import lifecycle
from complaintctl.domain.clock import iso
from complaintctl.domain.enums import (
    Action,
    Channel,
    ContactVia,
    Direction,
    EventKind,
    Status,
)
from complaintctl.domain.masking import mask_email
from complaintctl.domain.permissions import Permission
from complaintctl.errors import ComplaintError, InvalidData, InvalidRecord
from complaintctl.i18n import _
from complaintctl.services.intake.mail import parse as mail, records
from complaintctl.store.models import Complaint, ComplaintTag, Event, Evidence
from complaintctl.services.core import trail as audit
from complaintctl.services.complaints import registration as complaints, handling
from complaintctl.services.core.context import (
    Actor,
    now,
    one_transaction,
    record_separately,
    refusals_recorded,
    timezone_of,
)

#: ``external_source`` of complaints registered from mail (``external_ref`` = Message-ID)
MAIL_SOURCE = "mail"
#: the tag a reply within the review window puts on a closed complaint
REVIEW_TAG = "review_requested"


class Result(StrEnum):
    registered = "registered"
    attached = "attached"
    duplicate = "duplicate"
    automatic = "automatic"
    failed = "failed"


@dataclass
class MessageResult:
    """What happened to one message (JSON: one element of ``messages``)."""

    result: Result
    message_id: str
    sender: str | None  # masked
    subject: str
    number: str | None = None
    reason: str | None = None
    received_at: str | None = None
    evidence: int = 0
    acknowledgement: int | None = None  # the outbox notification queued to the customer
    review: str | None = None  # "requested" (review request) or "flagged" (tag and note)
    marked: bool = False
    exit_code: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["result"] = self.result.value
        data.pop("exit_code")
        return data


@dataclass
class MailSummary:
    source: str
    dry_run: bool
    messages: list[MessageResult] = field(default_factory=list)
    not_marked: list[dict[str, str]] = field(default_factory=list)

    def count(self, result: Result) -> int:
        return sum(1 for m in self.messages if m.result is result)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "read": len(self.messages),
            "registered": self.count(Result.registered),
            "attached": self.count(Result.attached),
            "duplicates": self.count(Result.duplicate),
            "automatic": self.count(Result.automatic),
            "failed": self.count(Result.failed),
            "not_marked": len(self.not_marked),
        }

    @property
    def exit_code(self) -> int:
        """0 when nothing failed; else the failures' exit code (5 for a bad message)."""
        codes = [m.exit_code for m in self.messages if m.result is Result.failed]
        if self.not_marked:
            codes.append(1)
        return max(codes, default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "dry_run": self.dry_run, **self.counts,
                "messages": [m.as_dict() for m in self.messages],
                "not_marked_reasons": self.not_marked}


# --- mail ----------------------------------------------------------------------------------------


def run_mail(
    *, database, username: str, maildir=None, mbox=None, imap=None, include_seen: bool = False,
    dry_run: bool = False, environ=None, command: str = "",
) -> MailSummary:
    """Open the mailbox named and take its new mail in, as ``username`` running ``command``
    (as typed, for a refusal to name)."""
    from complaintctl.infra.evidence import EvidenceStore
    from complaintctl.services.intake.mail.sources import open_source
    from complaintctl.services.core.context import resolve_actor

    with database.session(write=True) as session:
        actor = resolve_actor(session, username, command)
        with refusals_recorded(session, actor, "intake mail"):
            actor.check(Permission.register)
        session.rollback()
        source = open_source(maildir=maildir, mbox=mbox, imap=imap, include_seen=include_seen,
                             readonly=dry_run, environ=environ)
        try:
            return take_in_mail(session=session, actor=actor,
                                store=EvidenceStore(database.evidence_dir), source=source,
                                dry_run=dry_run)
        finally:
            source.close()


def take_in_mail(
    *, session: Session, actor: Actor, store, source, dry_run: bool = False,
) -> MailSummary:
    """Read every new message of ``source``; register, attach, skip or ignore each one."""
    with refusals_recorded(session, actor, "intake mail"):
        actor.check(Permission.register)
    session.rollback()  # a fresh transaction per message from here
    summary = MailSummary(source.describe(), dry_run)
    for incoming in source.messages():
        record = mail.parse(incoming.raw)
        outcome = _one_message(session, actor, store, record, incoming.arrival, dry_run)
        summary.messages.append(outcome)
        if dry_run or outcome.result is Result.failed:
            continue
        try:
            source.mark_taken(incoming.key)
            outcome.marked = True
        except (ComplaintError, OSError, KeyError) as error:
            summary.not_marked.append({"message_id": record.message_id, "reason": str(error)})
    if not dry_run:
        _record_run(session, actor, summary)
    return summary


def _one_message(session, actor, store, record, arrival, dry_run) -> MessageResult:
    outcome = MessageResult(Result.failed, record.message_id, mask_email(record.sender_email),
                            record.subject[:200])
    try:
        with one_transaction(session, commit=not dry_run):
            _take(session, actor, store, record, arrival, dry_run, outcome)
    except IntegrityError:
        # another intake run took the same message at the same moment (PostgreSQL)
        session.rollback()
        number = _taken_as(session, record.key)
        session.rollback()
        if number is None:
            outcome.result, outcome.exit_code = Result.failed, 1
            outcome.reason = _("the database refused it as a duplicate; run intake again")
        else:
            outcome.result, outcome.number = Result.duplicate, number
            outcome.reason = _("already registered as {number}").format(number=number)
    except ComplaintError as error:
        outcome.result, outcome.reason, outcome.exit_code = (
            Result.failed, str(error), error.exit_code)
    except SQLAlchemyError as error:
        orig = getattr(error, "orig", None)
        outcome.result, outcome.exit_code = Result.failed, 1
        outcome.reason = _("the database failed: {problem}").format(
            problem=str(orig if orig is not None else type(error).__name__).splitlines()[0])
    return outcome


def _take(session, actor, store, record: mail.MailRecord, arrival, dry_run,
          outcome: MessageResult) -> None:
    if record.automatic:
        outcome.result, outcome.reason = Result.automatic, record.automatic
        return
    if record.sender_email is None:
        raise InvalidData(
            _("the message has no sender address in From ({problems}); read it and register it "
              "by hand with `complaintctl register --channel email ...`.").format(
                problems=", ".join(record.problems) or "From")
        )
    current = now()
    received = record.received_at(arrival=arrival, now=current)
    outcome.received_at = iso(received, timezone_of(session))
    number = _taken_as(session, record.key)
    if number is not None:
        outcome.result, outcome.number = Result.duplicate, number
        outcome.reason = _("already registered as {number}").format(number=number)
        return
    target, chain = _reply_target(session, record)
    if target is not None:
        if _attached_to(session, chain, record.key):
            outcome.result, outcome.number = Result.duplicate, target.number
            outcome.reason = _("already attached to {number}").format(number=target.number)
            return
        if Status(target.status) in lifecycle.TRANSITIONS[Action.contact][0]:
            outcome.result, outcome.number = Result.attached, target.number
            if not dry_run:
                _attach(session, actor, store, record, target, received, current, outcome)
            return
    outcome.result = Result.registered
    if not dry_run:
        _register(session, actor, store, record, received, outcome, repeat_of=target)


def _taken_as(session: Session, key: str) -> str | None:
    return session.exec(
        select(Complaint.number).where(
            Complaint.external_source == MAIL_SOURCE, Complaint.external_ref == key
        )
    ).first()


def _reply_target(session: Session, record: mail.MailRecord
                  ) -> tuple[Complaint | None, list[Complaint]]:
    """The complaint a reply belongs to: by a referenced message we took in or sent (our
    Message-IDs carry the number), else by a number in the subject; merges are followed."""
    found: Complaint | None = None
    for ref in record.references:
        found = session.exec(
            select(Complaint).where(Complaint.external_source == MAIL_SOURCE,
                                    Complaint.external_ref == mail.message_key(ref))
        ).first()
        if found is None:
            match = mail.NUMBER.search(ref)
            if match:
                found = _by_number(session, f"CMP-{match.group(1)}-{match.group(2)}")
        if found is not None:
            break
    if found is None:
        for number in record.numbers:
            found = _by_number(session, number)
            if found is not None:
                break
    chain: list[Complaint] = []
    while found is not None and found not in chain:
        chain.append(found)
        found = _by_number(session, found.merged_into) if found.merged_into else None
    return (chain[-1] if chain else None), chain


def _by_number(session: Session, number: str) -> Complaint | None:
    return session.exec(
        select(Complaint).where(Complaint.number == number.upper()).with_for_update()
    ).first()


def _attached_to(session: Session, chain: list[Complaint], key: str) -> bool:
    """Whether a contact event of these complaints came from the message ``key``."""
    ids = [c.id for c in chain]
    rows = session.exec(
        select(Event.details).where(
            col(Event.complaint_id).in_(ids), Event.action == Action.contact.value,
            col(Event.details).contains(json.dumps(key, ensure_ascii=False)[1:-1], autoescape=True),
        )
    ).all()
    return any(json.loads(details).get("message_id") == key for details in rows)


def _summary_of(record: mail.MailRecord) -> str:
    if record.subject.strip():
        return record.subject.strip()
    first = (record.description or "").strip().split("\n", 1)[0].strip()
    return first[:120] or _("(no subject)")


def _register(session, actor, store, record: mail.MailRecord, received: datetime,
              outcome: MessageResult, *, repeat_of: Complaint | None) -> None:
    description = record.description
    tags = []
    if repeat_of is not None:
        tags = ["repeat"]
        intro = _("This email replies to {number}, which is {status}; registered as a new "
                  "complaint.").format(number=repeat_of.number, status=repeat_of.status)
        description = intro + ("\n\n" + description if description else "")
    new = complaints.NewComplaint(
        channel=Channel.email,
        customer=(record.sender_name or record.sender_email or "")[:200],
        summary=_summary_of(record),
        email=record.sender_email,
        description=description,
        received_at=received,
        source_ref=record.message_id[:200],
        external_source=MAIL_SOURCE,
        external_ref=record.key,
        tags=tags,
    )
    complaint = complaints.register(session=session, actor=actor, new=new)
    outcome.number = complaint.number
    outcome.evidence = len(_keep_evidence(session, actor, store, complaint, record,
                                          complaint.registered_at))
    outcome.acknowledgement = _acknowledge(session, complaint, complaint.registered_at)


def acknowledgement(complaint: Complaint, tz) -> tuple[str, str]:
    """The acknowledgement's subject and body: the number, what happens next, the expected
    decision date, and to keep the number in the subject. No other personal data."""
    due = complaint.due_at.astimezone(tz).strftime("%Y-%m-%d") if complaint.due_at else "-"
    subject = _("[{number}] We have received your complaint").format(number=complaint.number)
    body = "\n\n".join([
        _("Dear customer,"),
        _("We have received your complaint and registered it under the number {number}.").format(
            number=complaint.number),
        _("What happens next: a complaint handler will look into it, may contact you for more "
          "details, and will tell you the decision and the reasons for it."),
        _("We expect to decide by {due}. If it takes longer, we will tell you why and by when.")
        .format(due=due),
        _("When you write to us about this complaint, please keep {number} in the subject of "
          "your email, so that it reaches the right complaint.").format(number=complaint.number),
        _("This message was sent automatically."),
    ]) + "\n"
    return subject, body


def _acknowledge(session, complaint: Complaint, at: datetime) -> int | None:
    """Queue the acknowledgement in the outbox, in the registration's transaction."""
    from complaintctl.services.notify import outbox as notify

    subject, body = acknowledgement(complaint, timezone_of(session))
    note = notify.queue_to_customer(session, complaint=complaint, event=notify.ACKNOWLEDGEMENT,
                                    subject=subject, body=body, at=at)
    if note is None:
        return None
    session.flush()
    return note.id


def _attach(session, actor, store, record: mail.MailRecord, target: Complaint,
            received: datetime, current: datetime, outcome: MessageResult) -> None:
    """A customer's reply: an inbound contact with the message as evidence."""
    at = min(max(received, target.last_event_at), current)
    known = (target.customer_email or "").strip().lower()
    same_sender = bool(known) and known == (record.sender_email or "").lower()
    if not same_sender:
        outcome.reason = _("sent from an address that is not the customer's on record")
    review = target.status == Status.closed.value and _review_window_open(session, target,
                                                                            received)
    handling.log_contact(
        session, actor, target, via=ContactVia.email, direction=Direction.in_,
        summary=_("Email from the customer: {subject}").format(
            subject=record.subject.strip() or _("(no subject)")),
        at=at,
        details={"message_id": record.key, "received_at": received.isoformat(),
                 "intake": MAIL_SOURCE, "same_sender": same_sender},
        personal={"description": record.description},
    )
    outcome.evidence = len(_keep_evidence(session, actor, store, target, record, at))
    if review:
        outcome.review = _review(session, actor, target, record, at)


def _review_window_open(session: Session, complaint: Complaint, received: datetime) -> bool:
    """Whether ``received`` falls within the review window after the decision notice (CBIRC
    Art 20), by the complaint's clock profile; a profile without a review has no window."""
    from complaintctl.domain import deadlines
    from complaintctl.services.core import config

    cfg = config.load(session)
    profile = cfg.profile(complaint.clock_profile)
    notice = complaint.notified_at or complaint.last_event_at
    closes = deadlines.review_window_closes(profile, notice, tz=cfg.tz,
                                            calendar=cfg.calendar(profile))
    return closes is not None and received <= closes


def _review(session, actor: Actor, complaint: Complaint, record: mail.MailRecord,
            at: datetime) -> str:
    """A closed complaint's customer wrote within the review window: a review request (核查).

    Recorded through the clock's ``review request`` (under_review, the review clock, head
    office told). Where the member of staff running intake may not record it for this
    complaint's branch, the complaint is flagged instead (the tag ``review_requested`` and a
    timeline note) for someone who may.
    """
    from complaintctl.services.complaints import reviews

    try:
        actor.check(Permission.contact, complaint=complaint)
    except ComplaintError:
        _flag_review(session, actor, complaint, at)
        return "flagged"
    reviews.review_request(
        session=session, actor=actor, number=complaint.number, at=at,
        note=_("The customer replied by email within the review window (Message-ID {id}).")
        .format(id=record.message_id),
    )
    return "requested"


def _flag_review(session, actor, complaint: Complaint, at: datetime) -> None:
    exists = session.get(ComplaintTag, (complaint.id, REVIEW_TAG))
    if exists is None:
        session.add(ComplaintTag(complaint_id=complaint.id, tag=REVIEW_TAG))
    handling.log_note(
        session, actor, complaint, at=at,
        text=_("The customer wrote by email within the review window after the decision; "
               "someone of branch {branch} should record it with `complaintctl review request "
               "{number}`.").format(branch=complaint.branch or "-", number=complaint.number),
        details={"tag": REVIEW_TAG},
    )


def _keep_evidence(session, actor, store, complaint: Complaint, record: mail.MailRecord,
                   at: datetime) -> list[Evidence]:
    """The message as received (.eml) and each attachment, into the evidence store."""
    tz = timezone_of(session)
    stamp = (record.sent_at or at).astimezone(tz).strftime("%Y%m%d-%H%M%S")
    files = [(record.raw, f"email-{stamp}.eml",
              _("The email as received (Message-ID {id})").format(id=record.message_id))]
    files += [(a.data, a.filename, _("Attachment ({type}) of the email {id}").format(
        type=a.content_type, id=record.message_id)) for a in record.attachments]
    rows = []
    for data, name, description in files:
        stored = store.put_bytes(data, name)
        row = Evidence(complaint_id=complaint.id, sha256=stored.sha256, size=stored.size,
                       filename=stored.filename, description=description,
                       added_by=actor.username, added_at=at)
        session.add(row)
        rows.append(row)
    session.flush()
    complaint.last_event_at = max(complaint.last_event_at, at)
    session.add(complaint)
    audit.record(
        session, kind=EventKind.change, action=Action.evidence.value, actor=actor.username,
        at=complaint.last_event_at, complaint=complaint, from_status=complaint.status,
        to_status=complaint.status,
        details={"intake": MAIL_SOURCE, "message_id": record.key,
                 "files": [{"evidence": r.id, "sha256": r.sha256, "size": r.size}
                           for r in rows]},
        personal={"filenames": [r.filename for r in rows]},
    )
    return rows


def _record_run(session: Session, actor: Actor, summary: MailSummary) -> None:
    """The run on the audit trail: where from (never a password) and what came of it."""
    record_separately(
        session, kind=EventKind.admin, action="intake mail", actor=actor.username, at=now(),
        details={
            "source": summary.source, **summary.counts,
            "numbers": [m.number for m in summary.messages
                        if m.result in (Result.registered, Result.attached)][:1000],
            "ignored": [{"message_id": m.message_id, "reason": m.reason}
                        for m in summary.messages if m.result is Result.automatic][:1000],
            "failed": [{"message_id": m.message_id, "reason": m.reason}
                       for m in summary.messages if m.result is Result.failed][:1000],
        },
    )


# --- the online platform -------------------------------------------------------------------------


@dataclass
class RecordResult:
    line: int | None
    result: str  # registered, duplicate, failed; valid: checked, not stored (dry run, or
    # another record of the batch failed)
    number: str | None = None
    due_at: str | None = None
    field: str | None = None
    reason: str | None = None


@dataclass
class RecordsSummary:
    dry_run: bool
    records: list[RecordResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"read": len(self.records),
                "registered": sum(r.result == "registered" for r in self.records),
                "duplicates": sum(r.result == "duplicate" for r in self.records),
                "failed": sum(r.result == "failed" for r in self.records)}

    @property
    def exit_code(self) -> int:
        return 5 if any(r.result == "failed" for r in self.records) else 0

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, **self.counts,
                "numbers": [r.number for r in self.records if r.result == "registered"],
                "valid": sum(r.result == "valid" for r in self.records),
                "records": [asdict(r) for r in self.records]}


def register_records(
    *, session: Session, actor: Actor, texts: list[tuple[int | None, str]],
    dry_run: bool = False,
) -> RecordsSummary:
    """Register the platform's records, all or none.

    Every record is checked first (the interactive path's rules); when any is invalid nothing
    is registered and each bad record is reported with its field and the reason. Then all are
    registered in one transaction; a record whose ``external_ref`` is already registered is
    skipped as a duplicate (so a platform may safely send a record again).
    """
    with refusals_recorded(session, actor, "intake json"):
        actor.check(Permission.register)
    tz = timezone_of(session)
    session.rollback()
    summary = RecordsSummary(dry_run)
    checked = []
    for line, text in texts:
        try:
            checked.append((line, records.to_new_complaint(records.loads(text, line=line),
                                                          tz=tz, line=line)))
            summary.records.append(RecordResult(line, "valid"))
        except InvalidRecord as error:
            summary.records.append(RecordResult(line, "failed", field=error.field,
                                                reason=error.reason))
    if summary.exit_code:
        return summary
    results = iter(summary.records)
    with one_transaction(session, commit=not dry_run):
        for line, new in checked:
            result = next(results)
            if new.external_ref:
                existing = session.exec(
                    select(Complaint.number).where(
                        Complaint.external_source == new.external_source,
                        Complaint.external_ref == new.external_ref)
                ).first()
                if existing:
                    result.result, result.number = "duplicate", existing
                    result.reason = _("external_ref {ref} is already registered as {number}"
                                      ).format(ref=new.external_ref, number=existing)
                    continue
            try:
                complaint = complaints.register(session=session, actor=actor, new=new)
            except ComplaintError as error:
                if line is not None:
                    error.args = (_("line {line}: {text}").format(line=line, text=error),)
                raise
            if not dry_run:  # a dry run's numbers are rolled back: not shown
                result.result = "registered"
                result.number, result.due_at = complaint.number, iso(complaint.due_at, tz)
        audit.record(session, kind=EventKind.admin, action="intake json", actor=actor.username,
                     at=now(), details={
                         "read": len(summary.records),
                         "registered": sum(r.result == "registered" for r in summary.records),
                         "duplicates": sum(r.result == "duplicate" for r in summary.records)})
    return summary
