"""The complaint screen's actions: each a key, a form's fields, the service it calls (the one
the CLI command calls) and what is said when it is done (the CLI's sentence)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from complaintctl.domain.enums import ContactVia, Direction, Outcome, PauseReason
from complaintctl.i18n import N_, _, code, label
from complaintctl.tui.forms import Field

VIAS = tuple(v.value for v in ContactVia)
YES_NO = (N_("no"), N_("yes"))  # the choice's codes, shown translated


@dataclass(frozen=True)
class Action:
    key: str
    name: str  # the CLI command's name: what a refusal names
    title: str  # N_()
    fields: tuple[Field, ...]
    run: Callable[[Any, str, dict[str, Any]], str]  # (workspace, number, values) -> message


def _assign(ws, number, v):
    from complaintctl.services.complaints import handling

    c = ws.act("assign", handling.assign, number=number, to=v["to"])
    return _("{number} assigned to {assignee}.").format(number=c.number, assignee=c.assignee)


def _contact(ws, number, v):
    from complaintctl.services.complaints import handling

    c = ws.act("contact", handling.contact, number=number, via=ContactVia(v["via"]),
               summary=v["summary"], direction=Direction(v["direction"]))
    return _("Contact logged on {number}.").format(number=c.number)


def _investigate(ws, number, v):
    from complaintctl.services.complaints import handling

    c = ws.act("investigate", handling.investigate, number=number)
    return _("{number} is now {status}.").format(number=c.number, status=label(c.status))


def _consult(ws, number, v):
    from complaintctl.services.complaints import handling

    q = ws.act("consult", handling.consult, number=number, department=v["department"],
               question=v["question"])
    return _("Consultation {id} sent to {department}.").format(id=q.seq, department=q.department)


def _resolve(ws, number, v):
    from complaintctl.services.complaints import decisions
    from complaintctl.services.complaints.registration import RemedyInput

    remedies = [RemedyInput.parse(r) for r in (v["remedies"] or "").split()]
    c = ws.act("resolve", decisions.resolve, number=number, outcome=Outcome(v["outcome"]),
               findings=v["findings"], reasons=v["reasons"], basis=v["basis"],
               remedies=remedies,
               notified_via=ContactVia(v["notified_via"]), proof=v["proof"])
    return _("{number} resolved; the customer's notice is on record.").format(number=c.number)


def _close(ws, number, v):
    from complaintctl.errors import InvalidData
    from complaintctl.services.complaints import decisions

    if not str(v["satisfaction"]).strip().isdigit():
        raise InvalidData(_("The satisfaction is a whole number from 1 to 5."))
    c = ws.act("close", decisions.close, number=number, satisfaction=int(v["satisfaction"]),
               feedback=v["feedback"], disputed=v["disputed"] == "yes")
    return _("{number} closed.").format(number=c.number)


def _extend(ws, number, v):
    from complaintctl.services.complaints import approvals

    r = ws.act("extend", approvals.extend, number=number, level=int(v["level"]),
               reason=v["reason"], approved_by=v["approved_by"],
               customer_notified_via=ContactVia(v["via"]) if v["via"] else None)
    if r.applied:
        return _("{number} extended to level {level}; see `complaintctl due {number}`.").format(
            number=r.complaint.number, level=v["level"])
    return _("Extension of {number} to level {level} requested; waiting for {who}.").format(
        number=r.complaint.number, level=v["level"], who=", ".join(r.approvers))


def _pause(ws, number, v):
    from complaintctl.services.clock import pauses

    c = ws.act("pause", pauses.pause, number=number, reason=PauseReason(v["reason"]),
               customer_notified_via=ContactVia(v["via"]), note=v["note"])
    return _("{number} paused for {reason}: its clock is stopped.").format(
        number=c.number, reason=code(v["reason"]))


ACTIONS = (
    Action("a", "assign", N_("Assign"), (Field("to", N_("Handler's user name")),), _assign),
    Action("c", "contact", N_("Log a contact"), (
        Field("via", N_("Via"), VIAS), Field("summary", N_("What was said")),
        Field("direction", N_("Direction"), ("out", "in"))), _contact),
    Action("i", "investigate", N_("Start the investigation"), (), _investigate),
    Action("k", "consult", N_("Consult a department"), (
        Field("department", N_("Department")), Field("question", N_("Question"))), _consult),
    Action("r", "resolve", N_("Resolve"), (
        Field("outcome", N_("Outcome"), tuple(o.value for o in Outcome)),
        Field("findings", N_("Findings")),
        Field("reasons", N_("Reasons for the decision")),
        Field("basis", N_("Basis (the rules, the contract terms)")),
        Field("remedies", N_("Remedies (KIND[:AMOUNT], space-separated)"), required=False,
              placeholder=N_("apology fee_refund:300")),
        Field("notified_via", N_("Customer told via"), VIAS),
        Field("proof", N_("Proof of notice"), required=False)), _resolve),
    Action("x", "close", N_("Close"), (
        Field("satisfaction", N_("Satisfaction (1-5)")),
        Field("feedback", N_("Feedback"), required=False),
        Field("disputed", N_("Still disputed"), YES_NO)), _close),
    Action("e", "extend", N_("Extend the decision period"), (
        Field("level", N_("Level"), ("1", "2")), Field("reason", N_("Why the case is complex")),
        Field("approved_by", N_("Approved by (default: you)"), required=False),
        Field("via", N_("Customer told via"), ("", *VIAS), required=False)), _extend),
    Action("p", "pause", N_("Pause the clock"), (
        Field("reason", N_("Reason"), tuple(p.value for p in PauseReason)),
        Field("via", N_("Customer told via"), VIAS),
        Field("note", N_("Note"), required=False)), _pause),
)
BY_KEY = {a.key: a for a in ACTIONS}
