"""Helpers of the staff console's tests: a seeded database with a spread of complaints (two
branches, several channels, products and priorities, some overdue, some due soon, some
assigned), and the CLI's own answers to compare the console with."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from complaintctl.domain.enums import Channel, Priority
from complaintctl.services.complaints import handling
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint
from conftest import actor

PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def do(db, use_case, who, **kwargs):
    """Run one use case as ``who`` in its own session (as the CLI does)."""
    with db.session(write=True) as session:
        return use_case(session=session, actor=actor(who), **kwargs)


def register(db, who="clerk", **fields) -> str:
    fields.setdefault("channel", Channel.phone)
    fields.setdefault("customer", "张伟")
    fields.setdefault("summary", "信用卡年费重复扣收")
    return do(db, svc.register, who, new=NewComplaint(**fields)).number


def spread(db) -> dict[str, str]:
    """Register the spread of complaints; returns a few of their numbers by what they are."""
    now = datetime.now(UTC)
    made = {}
    made["late"] = register(db, branch="BJ01", product="credit_card", phone=PHONE,
                            received_at=now - timedelta(days=40), priority=Priority.high)
    made["soon"] = register(db, branch="BJ01", product="deposit", channel=Channel.email,
                            email="zhang.wei@example.com", received_at=now - timedelta(days=13))
    made["fresh"] = register(db, branch="BJ01", product="credit_card", phone=PHONE,
                             amount="300", channel=Channel.online)
    made["assigned"] = register(db, branch="BJ01", product="loan", phone="13900001111")
    do(db, handling.assign, "sup", number=made["assigned"], to="h1")
    made["h2s"] = register(db, branch="BJ01", product="loan", channel=Channel.letter,
                           received_at=now - timedelta(days=3))
    do(db, handling.assign, "sup", number=made["h2s"], to="h2")
    made["urgent"] = register(db, branch="BJ01", product="deposit", priority=Priority.urgent,
                              tags=["vulnerable"])
    made["shanghai"] = register(db, who="sup2", branch="SH01", product="credit_card",
                                phone="13700002222", received_at=now - timedelta(days=20))
    made["shanghai2"] = register(db, who="sup2", branch="SH01", product="deposit")
    for i in range(6):  # enough for a few pages of 3
        register(db, branch="BJ01", product="wealth", channel=Channel.counter,
                 received_at=now - timedelta(days=i))
    return made


def cli_json(cli, *args, as_="admin"):
    """The CLI's JSON answer (exit 0 checked)."""
    run = cli(*args, "--format", "json", as_=as_)
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)
