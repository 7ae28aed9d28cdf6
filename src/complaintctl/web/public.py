"""The customer's pages: the complaint form ``/``, the answer page (number, access code,
expected decision date), the status page, adding information, the answer after the decision,
and asking for a new code. Each handler parses the form and calls one use case of
``services.intake.online``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from complaintctl.errors import InvalidRecord
from complaintctl.i18n import _
from complaintctl.web import deps, pages

router = APIRouter()


def products() -> list[tuple[str, str]]:
    return [("credit_card", _("Credit card")), ("debit_card", _("Debit card")),
            ("deposit", _("Deposit account")), ("loan", _("Loan")),
            ("mortgage", _("Mortgage")), ("wealth_management", _("Wealth management")),
            ("insurance_agency", _("Insurance sold by the bank")),
            ("payment", _("Payments and transfers")), ("online_banking", _("Online banking")),
            ("other", _("Something else"))]


def _form_page(request: Request, values: dict, error: InvalidRecord | None = None,
               status: int = 200) -> Response:
    return pages.render(request, "form.html", {
        "values": values, "products": products(),
        "error_field": error.field if error else None,
        "error_reason": error.reason if error else None}, status=status)


@router.get("/")
def form(request: Request) -> Response:
    return _form_page(request, {})


@router.post("/")
async def submit(
    request: Request,
    name: Annotated[str, Form()] = "", phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "", product: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "", amount: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "", website: Annotated[str, Form()] = "",
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    from complaintctl.services.intake.online.form import MAX_FILE_BYTES, Attachment, OnlineForm

    values = {"name": name, "phone": phone, "email": email, "product": product,
              "description": description, "amount": amount, "consent": bool(consent)}
    request.app.state.limiter.hit("submit", deps.client_of(request))
    if website:  # the honeypot: people never see it, robots fill it in
        return _form_page(request, values, InvalidRecord(
            "website", _("this field must stay empty")), status=422)
    files = [Attachment(f.filename or "", await f.read(MAX_FILE_BYTES + 1))
             for f in attachments or [] if f.filename]
    form = OnlineForm(name, phone, email, product, description, amount, bool(consent), files)
    try:
        submitted = await run_in_threadpool(deps.submit, request, form)
    except InvalidRecord as error:
        return _form_page(request, values, error, status=422)
    return pages.render(request, "submitted.html", {"submitted": submitted,
                                                     "status_url": deps.status_url(request)},
                        status=201, headers={"Cache-Control": "no-store"})


@router.get("/status")
def status_form(request: Request) -> Response:
    return pages.render(request, "lookup.html", {"number": "", "error": None})


@router.post("/status")
def status(request: Request, number: Annotated[str, Form()] = "",
           code: Annotated[str, Form()] = "") -> Response:
    from complaintctl.services.intake.online import status as online

    request.app.state.limiter.hit("lookup", deps.client_of(request))
    with deps.acting(request, write=False) as (session, actor):
        view = online.customer_view(session=session, actor=actor, number=number, code=code)
    return _status_page(request, view, code)


def _status_page(request: Request, view: dict, code: str, notice: str | None = None
                 ) -> Response:
    return pages.render(request, "status.html", {"view": view, "code": code, "notice": notice},
                        headers={"Cache-Control": "no-store"})


@router.post("/status/information")
def information(request: Request, number: Annotated[str, Form()] = "",
                code: Annotated[str, Form()] = "", text: Annotated[str, Form()] = ""
                ) -> Response:
    from complaintctl.services.intake.online import status as online

    request.app.state.limiter.hit("lookup", deps.client_of(request))
    with deps.acting(request) as (session, actor):
        view = online.add_information(session=session, actor=actor, number=number, code=code,
                                      text=text)
    return _status_page(request, view, code, _("Thank you: what you added is now part of "
                                               "your complaint."))


@router.post("/status/answer")
def answer(request: Request, number: Annotated[str, Form()] = "",
           code: Annotated[str, Form()] = "", satisfaction: Annotated[str, Form()] = "",
           dispute: Annotated[str, Form()] = "", disputing: Annotated[str, Form()] = ""
           ) -> Response:
    from complaintctl.services.intake.online import status as online

    request.app.state.limiter.hit("lookup", deps.client_of(request))
    score = int(satisfaction) if satisfaction.strip().isdigit() else None
    with deps.acting(request) as (session, actor):
        view = online.answer(session=session, actor=actor, number=number, code=code,
                             satisfaction=score, dispute=dispute if disputing else None)
    return _status_page(request, view, code, _("Thank you for your answer."))


@router.get("/status/lost-code")
def lost_code_form(request: Request) -> Response:
    return pages.render(request, "lost_code.html", {"done": False})


@router.post("/status/lost-code")
def lost_code(request: Request, number: Annotated[str, Form()] = "",
              contact: Annotated[str, Form()] = "") -> Response:
    from complaintctl.services.intake.online import submission

    request.app.state.limiter.hit("reissue", deps.client_of(request))
    with deps.acting(request) as (session, actor):
        submission.reissue_code(session=session, actor=actor, number=number, contact=contact,
                                status_url=deps.status_url(request))
    return pages.render(request, "lost_code.html", {"done": True})
