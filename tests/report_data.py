"""A quarter of complaint history for the report tests, built through the real services with
``at`` times in 2025, and an independent oracle: plain Python over the stored rows (read with
the sqlite3 module, no SQLAlchemy) that computes every report figure a second way."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from complaintctl.domain.enums import Channel, ContactVia, Outcome, PauseReason, ReviewResult
from complaintctl.services.complaints import approvals, decisions, handling, reviews
from complaintctl.services.clock import pauses
from complaintctl.services.reporting import rootcause
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from complaintctl.services.core.context import Actor

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2025, 12, 31, 4, 0, tzinfo=timezone.utc)
PRODUCTS = ["借记卡", "credit_card", "loan", "payment", "savings", "wealth", None]
ISSUES = ["fee", "delay", "attitude", "disclosure"]
CHANNELS = [Channel.counter, Channel.phone, Channel.online, Channel.email, Channel.regulator,
            Channel.letter, Channel.self_service, Channel.social_media]
TAGS = [[], [], [], ["elderly"], ["vulnerable", "elderly"], ["media"], ["drill"], ["repeat"]]
HANDLERS = {"BJ01": ["h1", "h2"], "SH01": ["h3"]}
SUPERVISORS = {"BJ01": "sup", "SH01": "sup2"}


def build(db, admin, n: int = 90, seed: int = 7) -> None:
    """Register ``n`` complaints received in Jul-Sep 2025 and move each along its life."""
    rng = random.Random(seed)
    clock_rng = random.Random(seed + 1)  # the clock and review steps: the main stream unchanged
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
            channel = rng.choice(CHANNELS)
            referral = channel is Channel.regulator  # Art 33: its reference and deadline
            c = svc.register(session=s, actor=admin, at=t, new=NewComplaint(
                channel=channel, customer=f"客户{i}", summary=f"投诉 {i}",
                source_ref=f"CBIRC-{i}" if referral else None,
                regulator_due=(received + timedelta(days=15)).date().isoformat()
                if referral else None,
                branch=branch, product=rng.choice(PRODUCTS), issue=rng.choice(ISSUES),
                tags=list(rng.choice(TAGS)), received_at=received,
                amount=str(rng.choice([0, 50, 800, 5000]))))
            if first is None:
                first = c  # stays registered: the merge target
                continue
            _advance(s, admin, rng, clock_rng, c, t, branch, first)
        _rectify(s, admin)


def _rectify(s, admin) -> None:
    """Three rectification actions: one on cause C03 linking some of its complaints (overdue at
    AS_OF), one without a cause linking complaints of other causes (done), and one on C09
    linking none (in progress)."""
    from complaintctl.store.models import Complaint, ComplaintRootCause
    from sqlmodel import select

    causes = {}
    for number, code in s.exec(select(Complaint.number, ComplaintRootCause.code).join(
            ComplaintRootCause, ComplaintRootCause.complaint_id == Complaint.id)
            .order_by(Complaint.number)):
        causes.setdefault(code, []).append(number)
    rootcause.open_action(session=s, actor=admin, what="修订收费规则", owner="h1",
                          due=date(2025, 10, 31), cause="C03", numbers=causes["C03"][:4])
    done = rootcause.open_action(session=s, actor=admin, what="培训", owner="h3",
                                 due=date(2026, 3, 1),
                                 numbers=causes["C01"][:2] + causes["C05"][:1])
    rootcause.update(session=s, actor=admin, action_id=done.id, status="done")
    later = rootcause.open_action(session=s, actor=admin, what="资金安全排查", owner="h2",
                                  due=date(2026, 1, 15), cause="C09")
    rootcause.update(session=s, actor=admin, action_id=later.id, status="in_progress")


def _staff(username: str) -> Actor:
    from complaintctl.domain.enums import Role

    branch = next(b for b, names in HANDLERS.items() if username in names) \
        if username.startswith("h") else {"sup": "BJ01", "sup2": "SH01"}[username]
    return Actor(username, Role.handler if username.startswith("h") else Role.supervisor, branch)


def _advance(s, admin, rng, clock_rng, c, t, branch, first) -> None:
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
        if clock_rng.random() < 0.3:  # an extension asked for and still waiting
            approvals.extend(session=s, actor=_staff(c.assignee), number=c.number, level=1,
                             reason="复杂", at=later(1, 5))
        return
    investigated = t
    decided = later(24, 24 * 24)
    _clock_steps(s, admin, clock_rng, c, investigated, decided, branch)
    _resolve(s, admin, rng, c, decided)
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
    if c.status == "closed" and clock_rng.random() < 0.3:
        # the customer asks for a review (核查): the clock restarts and due_at moves again
        t = t + timedelta(hours=clock_rng.uniform(1, 48))
        reviews.review_request(session=s, actor=admin, number=c.number, at=t)
        if clock_rng.random() < 0.7:
            t = t + timedelta(hours=clock_rng.uniform(24, 400))
            reviews.review_decide(session=s, actor=admin, number=c.number, findings="复核",
                                  result=clock_rng.choice(list(ReviewResult)), at=t)


def _clock_steps(s, admin, rng, c, start, end, branch) -> None:
    """Between the investigation and the decision: clock stops, and extensions applied at once,
    approved later by the branch supervisor, or asked for and never approved."""
    times = sorted(start + (end - start) * rng.uniform(0.05, 0.95) for _ in range(4))
    if rng.random() < 0.25:
        pauses.pause(session=s, actor=admin, number=c.number, reason=PauseReason.appraisal,
                    customer_notified_via=ContactVia.phone, at=times[0])
        pauses.resume(session=s, actor=admin, number=c.number, at=times[1])
    roll = rng.random()
    if roll < 0.15:
        approvals.extend(session=s, actor=admin, number=c.number, level=1, reason="复杂",
                         at=times[2])
    elif roll < 0.3:
        approvals.extend(session=s, actor=_staff(c.assignee), number=c.number, level=1,
                         reason="复杂", at=times[2])
        if roll < 0.22:
            approvals.approve(session=s, actor=_staff(SUPERVISORS[branch]), number=c.number,
                              at=times[3])


def _resolve(s, admin, rng, c, at) -> None:
    outcome = rng.choice(list(Outcome))
    remedies = {
        Outcome.upheld: [RemedyInput.parse("apology"),
                         RemedyInput.parse(f"compensation:{rng.choice([100, 250.5, 1000])}")],
        Outcome.partially_upheld: [RemedyInput.parse("explanation"),
                                   RemedyInput.parse("fee_refund:35")],
        Outcome.not_upheld: [RemedyInput.parse("explanation")],
    }[outcome]
    decisions.resolve(
        reasons="核实结果", basis="合同条款", proof="CALL-1",
        session=s, actor=admin, number=c.number, outcome=outcome, findings="核实",
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


@dataclass(frozen=True)
class Action:
    """A rectification action as stored."""

    id: int
    cause: str | None
    status: str
    due_on: date


ACTIONS: list[Action] = []  # every action, as last loaded


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
    details: list[dict] = field(default_factory=list)  # each event's, in the same order
    actions: list[Action] = field(default_factory=list)  # the rectification actions linked

    @property
    def decided_at(self):
        times = [at for action, _k, at, to in self.events
                 if action in ("resolve", "imported") and to in DECIDED]
        return min(times) if times else None

    @property
    def decision_due(self) -> datetime | None:
        """The due time in force at the first decision, replayed from the timeline: the
        register event's due_at, then each [old, new] move recorded up to the decision (a
        later reopen or review moves the stored due_at, not this)."""
        due = None
        for (_action, _kind, at, _to), details in zip(self.events, self.details, strict=True):
            if self.decided_at is not None and at > self.decided_at:
                break
            moved = details.get("due_at")
            if isinstance(moved, list):
                moved = moved[1]
            if moved:
                due = datetime.fromisoformat(moved).astimezone(timezone.utc)
        return due

    @property
    def late(self) -> bool:
        return self.decided_at > self.decision_due

    @property
    def extended(self) -> bool:
        """An extension applied (at once, or on approval) by the first decision; a request
        still waiting does not count."""
        return any(d.get("kind") == "extension" and d.get("approved_by") and at <= self.decided_at
                   for (_a, _k, at, _t), d in zip(self.events, self.details, strict=True))

    @property
    def pauses(self) -> int:
        return sum(action == "pause" and at < self.decided_at
                   for action, _k, at, _t in self.events)

    def review_requests(self, start: datetime, end: datetime) -> int:
        return sum(action in ("review_request", "review request") and start <= at < end
                   for action, _k, at, _t in self.events)

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
    for cid, action, kind, at, to, details in con.execute(
            "SELECT complaint_id, action, kind, at, to_status, details FROM event "
            "WHERE complaint_id IS NOT NULL ORDER BY seq"):
        rows[cid].events.append((action, kind, _t(at), to))
        rows[cid].details.append(json.loads(details or "{}"))
    for cid, code in con.execute("SELECT complaint_id, code FROM complaint_root_cause"):
        rows[cid].root_cause = code
    actions = {}
    for aid, cause, status, due in con.execute(
            "SELECT id, cause, status, due_on FROM rectification"):
        actions[aid] = Action(aid, cause, status, due if isinstance(due, date)
                              else date.fromisoformat(str(due)))
    for aid, cid in con.execute(
            "SELECT rectification_id, complaint_id FROM rectification_complaint"):
        rows[cid].actions.append(actions[aid])
    ACTIONS[:] = list(actions.values())
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
