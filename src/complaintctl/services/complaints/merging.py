"""The possible repeats of a complaint about to be registered (``possible_repeats``: the
workspace's form lists them), and registering a complaint as a merged repeat
(``register --merge-into``; CBIRC Art 18): the new complaint is registered and merged into the earlier one in one transaction, by the rules
of ``decisions.merge`` (the earlier complaint must be open; its clock stands), and the
customer is told which complaint handles the matter and when its decision is due."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaintctl.domain.clock import iso
from complaintctl.domain.permissions import Permission
from complaintctl.i18n import _
from complaintctl.services.complaints import decisions, repeats
from complaintctl.services.complaints.registration import (
    NewComplaint,
    Registered,
    register_checked,
    validate_new,
)
from complaintctl.services.core.context import Actor, now, one_transaction, timezone_of
from complaintctl.services.core.kernel import get, resolve_number
from complaintctl.services.notify import outbox as notify

#: the outbox event of the message that tells the customer
MERGED = "merged"


def possible_repeats(*, session: Session, actor: Actor, new: NewComplaint,
                     at: datetime | None = None) -> list[repeats.Candidate]:
    """The possible repeats ``new`` would be registered with, before it is (the workspace's
    register form lists them beside the form); reads only."""
    actor.check(Permission.register)
    clean = validate_new(new)
    row = {"customer_id_number": clean["id_number"], "customer_account": clean["account"],
           "customer_phone": clean["phone"], "customer_email": new.email,
           "customer_ref": new.customer_id, "product": new.product, "issue": new.issue,
           "summary": clean["summary"], "description": new.description}
    return repeats.candidates(session, keys=repeats.keys_of_row(row),
                              matter=repeats.matter_of_row(row), at=at or now())


def register_merged(*, session: Session, actor: Actor, new: NewComplaint, into: str,
                    at: datetime | None = None) -> Registered:
    """Register ``new`` and merge it into ``into`` (all or nothing); returns the registration
    (the complaint now ``merged``) with its possible repeats."""
    into = resolve_number(session, into)
    with one_transaction(session):
        done = register_checked(session=session, actor=actor, new=new, at=at)
        complaint = decisions.merge(session=session, actor=actor, number=done.complaint.number,
                                    into=into, at=at)
        target = get(session, into)
        due = (iso(target.due_at, timezone_of(session)) or "-")[:16].replace("T", " ")
        notify.queue_to_customer(
            session, complaint=complaint, event=MERGED,
            subject=_("Your complaint {number} is handled with {into}").format(
                number=complaint.number, into=into),
            body=_("Your complaint {number} is about the same matter as your complaint {into}, "
                   "so the two are handled as one (CBIRC Art 18); the decision on {into} is due "
                   "{due}.\n").format(number=complaint.number, into=into, due=due),
            at=at or now())
    return Registered(complaint, done.possible_duplicates)
