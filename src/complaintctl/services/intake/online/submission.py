"""A complaint from the online form: registered, its attachments kept, its access code issued
and its acknowledgement queued, in one transaction; and a lost code sent again to the
contact on record only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

from sqlmodel import Session, select

from complaintctl.domain.enums import Action, Channel, EventKind
from complaintctl.i18n import _
from complaintctl.services.complaints import registration as complaints
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, one_transaction, timezone_of
from complaintctl.services.intake.online import codes
from complaintctl.services.intake.online.form import OnlineForm, checked
from complaintctl.store.models import Complaint, Evidence

#: where the online platform's records come from (a complaint's ``external_source``)
SOURCE = "online"
#: the shortest time between two codes sent for one complaint
REISSUE_INTERVAL = timedelta(minutes=10)


@dataclass(frozen=True)
class Submitted:
    number: str
    access_code: str
    expected_decision_by: str | None  # the bank's calendar day, ISO
    evidence: int


def submit(*, session: Session, actor: Actor, form: OnlineForm, store,
           status_url: str) -> Submitted:
    """Register the form's complaint (channel ``online``) through ``register``, keep each
    attachment in the evidence store (SHA-256), issue the access code and queue the
    acknowledgement (number, status page address; never the code), all or nothing."""
    form = checked(form)
    new = complaints.NewComplaint(
        channel=Channel.online, customer=form.name, summary=_summary(form.description),
        phone=form.phone or None, email=form.email or None, product=form.product or None,
        description=form.description, amount=form.amount or None,
        external_source=SOURCE)
    with one_transaction(session):
        complaint = complaints.register(session=session, actor=actor, new=new)
        kept = _keep(session, actor, store, complaint, form)
        code = codes.issue(session, complaint.number)
        _acknowledge(session, complaint, status_url)
        audit.record(session, kind=EventKind.admin, action="online access code",
                     actor=actor.username, at=complaint.registered_at,
                     number=complaint.number, details={"issued": "registration"})
    tz = timezone_of(session)
    due = complaint.due_at.astimezone(tz).date().isoformat() if complaint.due_at else None
    return Submitted(complaint.number, code, due, kept)


def _summary(description: str) -> str:
    first = description.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 120 else first[:119] + "…"


def _keep(session: Session, actor: Actor, store, complaint: Complaint, form: OnlineForm) -> int:
    if not form.attachments:
        return 0
    rows = []
    for one in form.attachments:
        stored = store.put_bytes(one.data, one.filename)
        rows.append(Evidence(complaint_id=complaint.id, sha256=stored.sha256, size=stored.size,
                             filename=stored.filename,
                             description=_("Attached to the online complaint form"),
                             added_by=actor.username, added_at=complaint.registered_at))
    session.add_all(rows)
    session.flush()
    audit.record(
        session, kind=EventKind.change, action=Action.evidence.value, actor=actor.username,
        at=complaint.registered_at, complaint=complaint, from_status=complaint.status,
        to_status=complaint.status,
        details={"intake": SOURCE, "files": [{"evidence": r.id, "sha256": r.sha256,
                                               "size": r.size} for r in rows]},
        personal={"filenames": [r.filename for r in rows]})
    return len(rows)


def acknowledgement(complaint: Complaint, tz, status_url: str) -> tuple[str, str]:
    """The acknowledgement: the number, the expected decision date, the status page's address;
    never the access code (shown once, on the answer page)."""
    due = complaint.due_at.astimezone(tz).strftime("%Y-%m-%d") if complaint.due_at else "-"
    subject = _("[{number}] We have received your complaint").format(number=complaint.number)
    body = "\n\n".join([
        _("Dear customer,"),
        _("We have received your complaint and registered it under the number {number}.").format(
            number=complaint.number),
        _("We expect to decide by {due}. If it takes longer, we will tell you why and by when.")
        .format(due=due),
        _("Follow your complaint at {url} with its number and the access code shown when you "
          "submitted it.").format(url=status_url),
        _("This message was sent automatically."),
    ]) + "\n"
    return subject, body


def _acknowledge(session: Session, complaint: Complaint, status_url: str) -> None:
    from complaintctl.services.notify import outbox as notify

    subject, body = acknowledgement(complaint, timezone_of(session), status_url)
    notify.queue_to_customer(session, complaint=complaint, event=notify.ACKNOWLEDGEMENT,
                             subject=subject, body=body, at=complaint.registered_at)


def reissue_code(*, session: Session, actor: Actor, number: str, contact: str,
                 status_url: str) -> None:
    """A new access code for ``number``, queued to the customer's email on record, when
    ``contact`` is the phone or email on record and none was sent in the last ten minutes.
    Says nothing either way (whoever asks learns nothing); the code is never shown."""
    from complaintctl.services.core.context import use_case
    from complaintctl.services.notify import outbox as notify
    from complaintctl.store.models import AccessCode

    wanted = (number or "").strip().upper()[:20]
    with use_case(session, actor, "online access code", wanted):
        complaint = session.exec(select(Complaint).where(Complaint.number == wanted)).first()
        row = session.exec(select(AccessCode).where(AccessCode.number == wanted)).first()
        if complaint is None or row is None or not _on_record(complaint, contact):
            return
        if row.issued_at is not None and now() - _aware(row.issued_at) < REISSUE_INTERVAL:
            return
        if not complaint.customer_email:
            return  # no SMS sender: a phone-only customer asks at a branch
        code = codes.issue(session, wanted)
        subject = _("[{number}] Your new access code").format(number=wanted)
        body = "\n\n".join([
            _("Dear customer,"),
            _("Your new access code for complaint {number} is {code}. The earlier code no "
              "longer works.").format(number=wanted, code=code),
            _("Follow your complaint at {url}.").format(url=status_url),
            _("If you did not ask for it, you may ignore this message."),
        ]) + "\n"
        notify.queue_to_customer(session, complaint=complaint, event="access_code",
                                 subject=subject, body=body, at=now())
        audit.record(session, kind=EventKind.admin, action="online access code",
                     actor=actor.username, at=now(), number=wanted,
                     details={"issued": "re-issued to the email on record"})


def _on_record(complaint: Complaint, contact: str) -> bool:
    given = (contact or "").strip().lower()
    digits = "".join(c for c in given if c.isdigit())
    email = (complaint.customer_email or "").strip().lower()
    phone = "".join(c for c in (complaint.customer_phone or "") if c.isdigit())
    return bool(given) and ((email and given == email) or (len(digits) >= 6 and digits == phone))


def _aware(moment):

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
