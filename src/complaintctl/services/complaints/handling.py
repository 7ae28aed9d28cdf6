"""Working on a complaint: assignment, contacts with the customer, investigation notes,
consultations with other departments and their answers, and evidence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from complaintctl.domain import lifecycle
from complaintctl.domain.enums import (
    Action,
    ContactVia,
    Direction,
    Status,
)
from complaintctl.domain.permissions import Permission
from complaintctl.errors import (
    InvalidData,
    NotFound,
    UsageProblem,
)
from complaintctl.i18n import _
from complaintctl.store.models import Complaint, Consultation, Contact, Evidence, Staff
from complaintctl.services.core.kernel import (
    acting_on, assignee_problem, change_with_text, effective_time, get, resolve_number,
    record_change, required_text, set_fields,
)
from complaintctl.services.core import recusal
from complaintctl.services.core.context import Actor, check_reading, use_case


def assign(
    *, session: Session, actor: Actor, number: str, to: str, at: datetime | None = None
) -> Complaint:
    """Assign (or reassign) a complaint to a handler of its branch."""
    number = resolve_number(session, number)
    with use_case(session, actor, Action.assign.value, number):
        complaint = get(session, number, lock=True)
        actor.check(Permission.assign, complaint=complaint)
        recusal.check_actor(session, actor.username, Action.assign.value, complaint)
        action = (
            Action.assign if complaint.status == Status.registered.value else Action.reassign
        )
        lifecycle.apply(Status(complaint.status), action, number=number)
        staff = session.exec(select(Staff).where(Staff.username == to)).first()
        problem = assignee_problem(staff, complaint.branch)
        if problem == "inactive":
            raise InvalidData(
                _("{user} is not an active member of staff; see `complaintctl staff list`.").format(
                    user=to
                )
            )
        if problem == "role":
            raise InvalidData(
                _("{user} is a {role}; complaints are assigned to handlers or supervisors.").format(
                    user=to, role=staff.role
                )
            )
        if problem == "branch":
            raise InvalidData(
                _("{user} works for branch {theirs}; {number} belongs to branch {branch}.").format(
                    user=to, theirs=staff.branch, number=number, branch=complaint.branch or "-"
                )
            )
        if complaint.assignee == to:
            raise UsageProblem(
                _("{number} is already assigned to {user}.").format(number=number, user=to)
            )
        at = effective_time(session, at, complaint)
        changes: dict[str, list[Any]] = {}
        set_fields(complaint, changes, assignee=to)
        record_change(session, actor, complaint, action, at, details={"changes": changes})
    return complaint


def contact(
    *,
    session: Session,
    actor: Actor,
    number: str,
    via: ContactVia,
    summary: str,
    direction: Direction = Direction.out,
    at: datetime | None = None,
) -> Complaint:
    """Log a contact with the customer; the first outbound one is the acknowledgement."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.contact, number, Permission.contact) as complaint:
        summary = required_text(summary, _("The contact summary (--summary)"),
                                field="contact")
        at = effective_time(session, at, complaint)
        log_contact(session, actor, complaint, via=via, summary=summary, direction=direction,
                    at=at)
    return complaint


def log_contact(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    *,
    via: ContactVia,
    summary: str,
    direction: Direction,
    at: datetime,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> Contact:
    """The contact itself, for a use case that has checked permission and time (``contact``,
    mail intake): the row, the acknowledgement time, the timeline event."""
    row = Contact(
        complaint_id=complaint.id, at=at, via=via.value, direction=direction.value,
        summary=summary, by=actor.username,
    )
    session.add(row)
    changes: dict[str, list[Any]] = {}
    if direction is Direction.out and complaint.acknowledged_at is None:
        set_fields(complaint, changes, acknowledged_at=at)
    record_change(
        session, actor, complaint, Action.contact, at,
        details={"via": via.value, "direction": direction.value, "summary": summary,
                 "changes": changes, **(details or {})},
        personal=personal,
    )
    return row


def investigate(
    *, session: Session, actor: Actor, number: str, at: datetime | None = None
) -> Complaint:
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.investigate, number, Permission.investigate) as complaint:
        at = effective_time(session, at, complaint)
        record_change(session, actor, complaint, Action.investigate, at)
    return complaint


def note(
    *, session: Session, actor: Actor, number: str, text: str, at: datetime | None = None
) -> Complaint:
    """An internal note on the timeline (never shown to the customer)."""
    return change_with_text(
        session=session, actor=actor, number=number, action=Action.note,
        permission=Permission.note, key="text", text=text, what=_("The note"), field="note",
        at=at)


def log_note(session: Session, actor: Actor, complaint: Complaint, *, text: str,
             at: datetime, details: dict[str, Any] | None = None) -> None:
    """The note itself, for a use case that has checked permission and time."""
    record_change(session, actor, complaint, Action.note, at, details={"text": text, **(details or {})})


def consult(
    *,
    session: Session,
    actor: Actor,
    number: str,
    department: str,
    question: str,
    at: datetime | None = None,
) -> Consultation:
    """Ask another department; its answer is recorded with ``answer``."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.consult, number, Permission.consult) as complaint:
        department = required_text(department, _("The department (--department)"),
                                   field="department")
        question = required_text(question, _("The question (--question)"),
                                 field="question")
        at = effective_time(session, at, complaint)
        asked = session.exec(select(func.max(Consultation.seq)).where(
            Consultation.complaint_id == complaint.id)).one()  # the complaint is locked
        consultation = Consultation(
            complaint_id=complaint.id, seq=(asked or 0) + 1, department=department,
            question=question, asked_by=actor.username, asked_at=at,
        )
        session.add(consultation)
        session.flush()
        record_change(
            session, actor, complaint, Action.consult, at,
            details={"consultation": consultation.seq, "department": department,
                     "question": question},
        )
    return consultation


def answer(
    *,
    session: Session,
    actor: Actor,
    number: str,
    consultation_id: int,
    text: str,
    at: datetime | None = None,
) -> Consultation:
    """Record a department's answer to a consultation: ``consultation_id`` is its number
    within the complaint (1 for the complaint's first question)."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.answer, number, Permission.consult) as complaint:
        consultation = session.exec(select(Consultation).where(
            Consultation.complaint_id == complaint.id, Consultation.seq == consultation_id)).first()
        if consultation is None:
            raise NotFound(
                _("{number} has no consultation {id}; see `complaintctl show {number}`.").format(
                    number=number, id=consultation_id
                )
            )
        if consultation.answer is not None:
            raise UsageProblem(
                _("Consultation {id} of {number} is already answered.").format(
                    id=consultation_id, number=number
                )
            )
        text = required_text(text, _("The answer"), field="answer")
        at = effective_time(session, at, complaint)
        consultation.answer, consultation.answered_by, consultation.answered_at = (
            text, actor.username, at,
        )
        session.add(consultation)
        record_change(
            session, actor, complaint, Action.answer, at,
            details={"consultation": consultation.seq, "department": consultation.department,
                     "answer": text},
        )
    return consultation


def add_evidence(
    *,
    session: Session,
    actor: Actor,
    number: str,
    store,
    path,
    description: str | None = None,
    at: datetime | None = None,
) -> Evidence:
    """Copy a file into the content-addressed store and record it against the complaint."""
    number = resolve_number(session, number)
    with acting_on(session, actor, Action.evidence, number, Permission.evidence) as complaint:
        at = effective_time(session, at, complaint)
        stored = store.put(path)
        evidence = Evidence(
            complaint_id=complaint.id, sha256=stored.sha256, size=stored.size,
            filename=stored.filename, description=description or None,
            added_by=actor.username, added_at=at,
        )
        session.add(evidence)
        session.flush()
        record_change(
            session, actor, complaint, Action.evidence, at,
            details={"evidence": evidence.id, "sha256": stored.sha256, "size": stored.size},
            # a file's name and description may name the customer: erasable, like all
            # personal data (the chain covers their keyed digest)
            personal={"filename": stored.filename, "description": description},
        )
    return evidence


def evidence_list(*, session: Session, actor: Actor, number: str,
                  unmask: bool = False) -> list[dict[str, Any]]:
    """A complaint's evidence files, oldest first. A file's name and description may name the
    customer: their personal data is masked unless ``unmask`` (which needs the unmask
    permission for this complaint and goes on the audit trail first, as ``show --unmask``)."""
    from complaintctl.domain.clock import iso
    from complaintctl.services.core.context import record_unmasking, timezone_of
    from complaintctl.services.complaints.shapes import shown_text

    complaint = get(session, number)
    check_reading(session, actor, "evidence list", unmask=unmask, complaint=complaint)
    if unmask:
        record_unmasking(session, actor, "evidence list", complaint=complaint.number,
                         complaints=[complaint.number], count=1)
    text, tz = shown_text(unmask), timezone_of(session)
    return [
        {"id": e.id, "filename": text(e.filename), "size": e.size, "sha256": e.sha256,
         "description": text(e.description), "added_by": e.added_by,
         "added_at": iso(e.added_at, tz)}
        for e in session.exec(
            select(Evidence).where(Evidence.complaint_id == complaint.id).order_by(Evidence.id))
    ]
