"""A quarter of complaint history for the report tests, built through the real services with
``at`` times in 2025, and an independent oracle: plain Python over the stored rows (read with
the sqlite3 module, no SQLAlchemy) that computes every report figure a second way."""

from __future__ import annotations

import math
import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from complaintctl.domain.enums import Channel, ContactVia, Outcome
from complaintctl.services import complaints as svc
from complaintctl.services import decisions, handling, rootcause
from complaintctl.services.complaints import NewComplaint, RemedyInput

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2025, 12, 31, 4, 0, tzinfo=timezone.utc)
PRODUCTS = ["借记卡", "credit_card", "loan", "payment", "savings", "wealth", None]
ISSUES = ["fee", "delay", "attitude", "disclosure"]
CHANNELS = [Channel.counter, Channel.phone, Channel.online, Channel.email, Channel.regulator,
            Channel.letter, Channel.self_service, Channel.social_media]
TAGS = [[], [], [], ["elderly"], ["vulnerable", "elderly"], ["media"], ["drill"], ["repeat"]]
HANDLERS = {"BJ01": ["h1", "h2"], "SH01": ["h3"]}


def build(db, admin, n: int = 90, seed: int = 7) -> None:
    """Register ``n`` complaints received in Jul-Sep 2025 and move each along its life."""
    rng = random.Random(seed)
    start = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
    with db.session(write=True) as s:
        first = None
        for i in range(n):
            received = start + timedelta(days=rng.randint(0, 91), hours=rng.randint(0, 23),
                                         minutes=rng.randint(0, 59))
            if i < 3:  # a busy day in mid-August for the trend's spike
                received = datetime(2025, 8, 20, 2, i, tzinfo=timezone.utc)
            t = received + timedelta(hours=rng.randint(0, 5))
            branch = "BJ01" if rng.random() < 0.7 else "SH01"
            c = svc.register(session=s, actor=admin, at=t, new=NewComplaint(
                channel=rng.choice(CHANNELS), customer=f"客户{i}", summary=f"投诉 {i}",
                branch=branch, product=rng.choice(PRODUCTS), issue=rng.choice(ISSUES),
                tags=list(rng.choice(TAGS)), received_at=received,
                amount=str(rng.choice([0, 50, 800, 5000]))))
            if first is None:
                first = c  # stays registered: the merge target
                continue
            _advance(s, admin, rng, c, t, branch, first)


def _advance(s, admin, rng, c, t, branch, first) -> None:
    step = rng.random()

    def later(lo_hours: float, hi_hours: float) -> datetime:
        nonlocal t
        t = t + timedelta(hours=rng.uniform(lo_hours, hi_hours))
        return t

    if step < 0.06:
        decisions.merge(session=s, actor=admin, number=c.number, into=first.number,
                  at=max(later(1, 5), first.last_event_at))
        return
    if step < 0.12:
        return  # still registered
    handling.assign(session=s, actor=admin, number=c.number, to=rng.choice(HANDLERS[branch]),
               at=later(1, 30))
    if step < 0.18:
        decisions.withdraw(session=s, actor=admin, number=c.number, reason="客户撤回", at=later(2, 90))
        return
    handling.contact(session=s, actor=admin, number=c.number, via=ContactVia.phone, summary="ack",
                at=later(1, 10))
    if step < 0.26:
        return
    handling.investigate(session=s, actor=admin, number=c.number, at=later(1, 20))
    if step < 0.34:
        return
    _resolve(s, admin, rng, c, later(24, 24 * 24))
    if step < 0.45:
        return
    if rng.random() < 0.2:
        decisions.close(session=s, actor=admin, number=c.number, satisfaction=rng.choice([1, 2]),
                  disputed=True, at=later(2, 60))
    else:
        decisions.close(session=s, actor=admin, number=c.number, satisfaction=rng.choice([3, 4, 5, 5]),
                  at=later(2, 60))
    roll = rng.random()
    if roll < 0.2:
        decisions.reopen(session=s, actor=admin, number=c.number, reason="客户补充", at=later(24, 200))
        if rng.random() < 0.6:
            _resolve(s, admin, rng, c, later(24, 200))
            decisions.close(session=s, actor=admin, number=c.number, satisfaction=4, at=later(2, 30))
    elif roll < 0.35:
        decisions.archive(session=s, actor=admin, number=c.number, at=later(24, 100))
    if c.status in ("closed", "archived") and rng.random() < 0.7:
        rootcause.set_root_cause(session=s, actor=admin, number=c.number,
                                 code=rng.choice(["C01", "C03", "C03", "C05", "C09"]),
                                 at=later(1, 10))


def _resolve(s, admin, rng, c, at) -> None:
    outcome = rng.choice(list(Outcome))
    remedies = {
        Outcome.upheld: [RemedyInput.parse("apology"),
                         RemedyInput.parse(f"compensation:{rng.choice([100, 250.5, 1000])}")],
        Outcome.partially_upheld: [RemedyInput.parse("explanation"),
                                   RemedyInput.parse("fee_refund:35")],
        Outcome.not_upheld: [RemedyInput.parse("explanation")],
    }[outcome]
    decisions.resolve(session=s, actor=admin, number=c.number, outcome=outcome, findings="核实",
                remedies=remedies, notified_via=ContactVia.phone, at=at)


# --- the oracle ----------------------------------------------------------------------------------

OPEN = {"registered", "assigned", "investigating", "resolved", "suspended", "under_review"}
UNDECIDED = {"registered", "assigned", "investigating", "suspended"}
DECIDED = {"resolved", "closed", "archived"}


def _t(value):
    """A stored time: SQLite's UTC text, or PostgreSQL's aware datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


@dataclass
class Row:
    id: int
    number: str
    status: str
    channel: str
    branch: str | None
    product: str | None
    issue: str | None
    assignee: str | None
    priority: str
    outcome: str | None
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    satisfaction: int | None
    disputed: bool
    reopen_count: int
    tags: list[str] = field(default_factory=list)
    remedies: list[tuple[str, int | None]] = field(default_factory=list)
    events: list[tuple[str, str, datetime, str | None]] = field(default_factory=list)
    root_cause: str | None = None

    @property
    def decided_at(self):
        times = [at for action, _k, at, to in self.events
                 if action in ("resolve", "imported") and to in DECIDED]
        return min(times) if times else None

    def status_at(self, t: datetime) -> str:
        found = "registered"
        for _action, kind, at, to in self.events:
            if kind == "change" and at < t and to is not None:
                found = to
        return found

    def open_at(self, t: datetime) -> bool:
        return self.received_at < t and self.status_at(t) in OPEN

    def value(self, by: str) -> list:
        if by == "tag":
            return self.tags or [None]
        return [getattr(self, "assignee" if by == "handler" else by)]


def load(db) -> list[Row]:
    """The stored rows read with plain SQL through the driver (sqlite3 on a file, else the
    database's own driver), not through complaintctl's queries."""
    if db.path is not None:
        con = sqlite3.connect(str(db.path))
    else:
        import psycopg

        con = psycopg.connect(db.engine.url.set(drivername="postgresql")
                              .render_as_string(hide_password=False))
    rows = {}
    for r in con.execute(
            "SELECT id, number, status, channel, branch, product, issue, assignee, priority, "
            "outcome, received_at, due_at, closed_at, satisfaction, disputed, reopen_count "
            "FROM complaint"):
        rows[r[0]] = Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], _t(r[10]),
                         _t(r[11]), _t(r[12]), r[13], bool(r[14]), r[15])
    for cid, tag in con.execute("SELECT complaint_id, tag FROM complaint_tag ORDER BY tag"):
        rows[cid].tags.append(tag)
    for cid, kind, cents in con.execute("SELECT complaint_id, kind, amount_cents FROM remedy"):
        rows[cid].remedies.append((kind, cents))
    for cid, action, kind, at, to in con.execute(
            "SELECT complaint_id, action, kind, at, to_status FROM event "
            "WHERE complaint_id IS NOT NULL ORDER BY seq"):
        rows[cid].events.append((action, kind, _t(at), to))
    for cid, code in con.execute("SELECT complaint_id, code FROM complaint_root_cause"):
        rows[cid].root_cause = code
    con.close()
    return list(rows.values())


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TZ).astimezone(timezone.utc)


def in_scope(rows: list[Row], *, branch=None, include_drills=False) -> list[Row]:
    return [r for r in rows if r.status != "merged" and (branch is None or r.branch == branch)
            and (include_drills or not {"drill", "test"} & set(r.tags))]


def group(rows: list[Row], by: str | None):
    """{dimension value: [rows]} (a row with two tags is in both groups)."""
    out = defaultdict(list)
    for r in rows:
        for v in (r.value(by) if by else ["*"]):
            out[v].append(r)
    return out


def days(r: Row) -> float:
    return (r.decided_at - r.received_at).total_seconds() / 86400


def nearest_rank(values, fraction):
    if not values:
        return None
    values = sorted(values)
    return values[max(1, math.ceil(fraction * len(values))) - 1]


def business_days_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day
