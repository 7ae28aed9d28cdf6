"""The complaint page (details, deadline, timeline, evidence) and its actions: assign,
contact, investigate, consult, resolve and close, each posted to the same use case the CLI's
command calls, refused the same way; a refusal is shown on the page, nothing changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaintctl.domain.enums import ContactVia, Direction, Outcome, RemedyKind
from complaintctl.errors import ComplaintError, InvalidData
from complaintctl.i18n import _
from complaintctl.web import pages
from complaintctl.web.console.signin import (
    Forged,
    forged_response,
    refuse_forgery,
    signed_in,
    staff_page,
)

router = APIRouter()
REMEDY_ROWS = 3

DONE = {
    "assign": lambda: _("Assigned."),
    "contact": lambda: _("The contact is on record."),
    "investigate": lambda: _("The investigation has started."),
    "consult": lambda: _("The consultation has been sent."),
    "resolve": lambda: _("Resolved; the customer's notice is on record."),
    "close": lambda: _("Closed."),
}


def _choice(kind, value: str, what: str):
    """``value`` as a member of the enum ``kind``, else a clear refusal (exit 5 / 422)."""
    try:
        return kind(value.strip())
    except ValueError:
        raise InvalidData(_("{what}: choose one of {choices}.").format(
            what=what, choices=", ".join(k.value for k in kind))) from None


def _remedies(form: dict[str, str]) -> list:
    from complaintctl.services.complaints.registration import RemedyInput

    chosen = []
    for i in range(1, REMEDY_ROWS + 1):
        kind = form.get(f"remedy_{i}", "").strip()
        amount = form.get(f"amount_{i}", "").strip()
        if kind:
            _choice(RemedyKind, kind, _("Remedy"))
            chosen.append(RemedyInput.parse(f"{kind}:{amount}" if amount else kind))
    return chosen


def _arguments(action: str, form: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    """The use case of ``action`` and its arguments from the form, as the CLI's options."""
    from complaintctl.services.complaints import decisions, handling

    text = {k: (v or "").strip() for k, v in form.items()}
    if action == "assign":
        return handling.assign, {"to": text.get("to", "")}
    if action == "contact":
        return handling.contact, {
            "via": _choice(ContactVia, text.get("via", ""), _("How")),
            "direction": _choice(Direction, text.get("direction", "out"), _("Direction")),
            "summary": text.get("summary", "")}
    if action == "investigate":
        return handling.investigate, {}
    if action == "consult":
        return handling.consult, {"department": text.get("department", ""),
                                  "question": text.get("question", "")}
    if action == "resolve":
        return decisions.resolve, {
            "outcome": _choice(Outcome, text.get("outcome", ""), _("Outcome")),
            "findings": text.get("findings", ""), "remedies": _remedies(text),
            "reasons": text.get("reasons", ""), "basis": text.get("basis", ""),
            "notified_via": _choice(ContactVia, text.get("notified_via", ""),
                                    _("Customer told by")),
            "proof": text.get("proof") or None}
    score = text.get("satisfaction", "")
    if not score.isdigit():
        raise InvalidData(_("--satisfaction must be a whole number from 1 to 5."))
    return decisions.close, {"satisfaction": int(score), "feedback": text.get("feedback") or None,
                             "disputed": text.get("disputed") == "1"}


def _page(request: Request, number: str, *, error: ComplaintError | None = None,
          status: int = 200) -> Response:
    from complaintctl.services.complaints import queue as svc

    unmask = request.query_params.get("unmask") == "1" and error is None
    with signed_in(request, command="show") as staff:
        data = svc.complaint_page(session=staff.session, actor=staff.actor, number=number,
                                  unmask=unmask)
    done = DONE.get(request.query_params.get("done", ""))
    return pages.render(request, "console/complaint.html", {
        "staff": staff, "c": data, "error": str(error) if error else None,
        "done": done() if done and error is None else None, "unmask": unmask,
        "vias": [v.value for v in ContactVia], "outcomes": [o.value for o in Outcome],
        "remedy_kinds": [k.value for k in RemedyKind], "remedy_rows": range(1, REMEDY_ROWS + 1),
    }, status=status)


@router.get("/staff/complaints/{number}")
@staff_page
def complaint_page(request: Request, number: str) -> Response:
    return _page(request, number)


@router.post("/staff/complaints/{number}/{action}")
async def act(request: Request, number: str, action: str) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_act, request, number, action, form)


@staff_page
def _act(request: Request, number: str, action: str, form: dict[str, str]) -> Response:
    from complaintctl.web.errors import status_of

    if action not in DONE:
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    refused = None
    with signed_in(request, write=True, command=action) as staff:
        try:
            refuse_forgery(staff, form.get("csrf"))
        except Forged:
            return forged_response(request)
        try:
            use_case, arguments = _arguments(action, form)
            done = use_case(session=staff.session, actor=staff.actor, number=number,
                            **arguments)
        except ComplaintError as refusal:
            staff.session.rollback()
            refused = refusal
    if refused is not None:
        return _page(request, number, error=refused, status=status_of(refused))
    shown = getattr(done, "number", None) or number.strip().upper()
    return RedirectResponse(f"/staff/complaints/{shown}?done={action}", status_code=303)
