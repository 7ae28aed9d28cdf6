"""Helpers shared by the clock tests: register and move complaints at given past times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> datetime:
    """A bank-time moment, e.g. t("2026-09-30T10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def register(session, actor, *, received: str, at: str | None = None, branch="BJ01", **fields):
    new = NewComplaint(channel=fields.pop("channel", Channel.phone),
                       customer=fields.pop("customer", "张伟"),
                       summary=fields.pop("summary", "年费重复扣收"), branch=branch,
                       received_at=t(received), **fields)
    return svc.register(session=session, actor=actor, new=new, at=t(at or received))


def to_investigating(session, sup, handler, number, *, at: str, handler_name="h1"):
    handling.assign(session=session, actor=sup, number=number, to=handler_name, at=t(at))
    handling.investigate(session=session, actor=handler, number=number, at=t(at))


def resolve(session, actor, number, *, at: str, remedies=("apology",)):
    return decisions.resolve(
        reasons="核实结果", basis="合同条款", proof="CALL-1",
        session=session, actor=actor, number=number, outcome=Outcome.upheld,
                       findings="Fee charged twice",
                       remedies=[RemedyInput.parse(r) for r in remedies],
                       notified_via=ContactVia.phone, at=t(at))
