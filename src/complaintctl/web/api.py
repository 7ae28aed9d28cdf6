"""The JSON API of the online platform: ``POST /api/v1/complaints`` registers a complaint
(201 with its number, access code and expected decision date), ``GET
/api/v1/complaints/{number}`` with the code in ``X-Access-Code`` gives the customer's view.
Errors are JSON in the CLI's shape (``web.errors``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from complaintctl.web import deps

router = APIRouter(prefix="/api/v1", tags=["complaints"])


class ComplaintIn(BaseModel):
    """A complaint as the form takes it (no attachments through the API)."""

    model_config = ConfigDict(extra="forbid")
    name: StrictStr
    phone: StrictStr = ""
    email: StrictStr = ""
    product: StrictStr = ""
    description: StrictStr
    amount: StrictStr = ""
    consent: StrictBool = Field(description="consent to the handling of personal data")


class Registered(BaseModel):
    number: str
    access_code: str
    expected_decision_by: str | None


@router.post("/complaints", status_code=201, response_model=Registered)
def create(request: Request, body: ComplaintIn) -> JSONResponse:
    from complaintctl.services.intake.online.form import OnlineForm

    request.app.state.limiter.hit("submit", deps.client_of(request))
    submitted = deps.submit(request, OnlineForm(**body.model_dump()))
    return JSONResponse({"number": submitted.number, "access_code": submitted.access_code,
                         "expected_decision_by": submitted.expected_decision_by},
                        status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/complaints/{number}")
def read(request: Request, number: str,
         x_access_code: Annotated[str, Header()] = "") -> JSONResponse:
    from complaintctl.services.intake.online import status as online

    request.app.state.limiter.hit("lookup", deps.client_of(request))
    with deps.acting(request, write=False) as (session, actor):
        view = online.customer_view(session=session, actor=actor, number=number,
                                    code=x_access_code)
    return JSONResponse(view, headers={"Cache-Control": "no-store"})
