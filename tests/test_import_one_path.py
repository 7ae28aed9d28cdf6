"""One way to register a complaint: ``register --json``, the importer and the mailbox share one
validation, one row builder, one numbering path and one due-date path, so the same complaint
registered by each is stored the same, but for what names its way in (number, channel, source,
batch) and the times of the registration itself."""

from __future__ import annotations

import json
import os
from datetime import datetime, time, timedelta

import mailkit
from importing import csv_text, run_import, stored
from sqlmodel import col, select

from complaintctl.domain.deadlines import Unit
from complaintctl.services.core import config as config_service
from complaintctl.services.intake import mailbox as intake
from complaintctl.store.models import Event

RECEIVED = mailkit.when(2)  # whole seconds, in the past
NAME, EMAIL = "张伟", "zhang.wei@example.com"
SUMMARY, BODY = "信用卡年费重复扣收", "我的信用卡年费被扣了两次，请退还。"
#: what names the way a complaint came in, and when it was registered: not compared
WAY_IN = {"id", "number", "channel", "source_ref", "external_source", "external_ref",
          "import_batch_id", "registered_at", "last_event_at"}


def _by_register_json(cli) -> str:
    record = {"channel": "online", "customer": {"name": NAME, "email": EMAIL},
              "summary": SUMMARY, "description": BODY, "received_at": RECEIVED.isoformat(),
              "external_ref": "WEB-1"}
    result = cli("register", "--json", "-", as_="clerk", input=json.dumps(record))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["number"]


def _by_import(cli, tmp_path) -> str:
    path = tmp_path / "one.csv"
    path.write_text(csv_text(
        ["channel", "customer", "email", "summary", "description", "received_at",
         "external_ref"],
        [["counter", NAME, EMAIL, SUMMARY, BODY, RECEIVED.isoformat(), "OLD-1"]]),
        encoding="utf-8")
    run, summary = run_import(cli, path, as_="clerk")
    assert run.exit_code == 0, run.stderr
    assert summary["imported"] == 1
    return summary["first_number"]


def _by_mail(db, tmp_path) -> str:
    box = mailkit.maildir(tmp_path / "Maildir", [mailkit.plain(
        "<one-path@example.com>", subject=SUMMARY, body=BODY, sender=f"{NAME} <{EMAIL}>",
        date=RECEIVED)])
    for message in box.rglob("*"):  # the bank's delivery time decides receipt (issue 25)
        if message.is_file():
            os.utime(message, (RECEIVED.timestamp(), RECEIVED.timestamp()))
    summary = intake.run_mail(database=db, username="clerk", maildir=box)
    assert summary.counts["registered"] == 1, summary
    return next(m.number for m in summary.messages if m.number)


def _expected_due(db, received: datetime) -> datetime:
    """The due time worked out from the stored receipt by hand: the end of the bank's day
    ``days`` calendar days after the day of receipt (the default profile's decision rule)."""
    with db.session() as session:
        cfg = config_service.load(session)
        profile = cfg.profile()
        tz = cfg.tz
    rule = profile.decision
    assert rule.unit is Unit.calendar and not profile.roll_to_working_day  # what the sum assumes
    day = received.astimezone(tz).date() + timedelta(days=rule.days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def _first_event(db, number: str) -> tuple[str, dict, dict]:
    """The action, details and personal data of the complaint's first timeline event."""
    with db.session() as session:
        event = session.exec(select(Event).where(Event.number == number, Event.kind == "change")
                             .order_by(col(Event.seq))).first()
        return event.action, json.loads(event.details), json.loads(event.personal)


def test_register_json_import_and_mail_store_the_same_complaint(cli, tmp_path):
    numbers = [_by_register_json(cli), _by_import(cli, tmp_path), _by_mail(cli.database,
                                                                           tmp_path)]
    rows = {row["number"]: row for row in stored(cli.database)}
    assert sorted(rows) == sorted(numbers) and len(set(numbers)) == 3
    first, *others = [rows[n] for n in numbers]
    assert first["received_at"] == RECEIVED
    assert first["due_at"] == _expected_due(cli.database, first["received_at"])
    assert first["clock_kind"] == "decision" and first["status"] == "registered"
    for other in others:
        differ = {k: (first[k], other[k]) for k in first
                  if k not in WAY_IN and first[k] != other[k]}
        assert differ == {}, other["number"]
    events = [_first_event(cli.database, numbers[0]), _first_event(cli.database, numbers[2])]
    assert [action for action, _d, _p in events] == ["register", "register"]
    personal = [p for _a, _d, p in events]
    assert personal[0]["name"] == NAME and personal[1] == personal[0]
    # the import has no event of its own (issue 20): its leaf holds the stamp of the row it
    # stored, the same state ``register`` stamps in its event
    from complaintctl.services.core.state import stamps
    from complaintctl.store.models import ImportLeaf

    with cli.database.session() as session:
        leaf = session.exec(select(ImportLeaf).where(ImportLeaf.number == numbers[1])).one()
        assert leaf.stamp == stamps(session, [numbers[1]])[numbers[1]]
        assert session.exec(select(Event).where(Event.number == numbers[1])).all() == []
