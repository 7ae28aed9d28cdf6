"""Hypothesis walks random action sequences by random staff through the services.

Every example gets its own SQLite file (a copy of a seeded template, in a fresh directory), and
every action runs as its own use case, as the CLI would. After each step the machine checks:
the status is a valid Status; ``closed_at`` is set exactly when closed or archived; a complaint's
timeline grows by one event per successful action on it (a merge adds one to the target too) and
not at all on a refused one; a refused action changes no complaint (all columns, tags, remedies,
contacts, consultations); a refusal of permission or state adds exactly one 'refusal' event to the
audit log; and the audit chain verifies. Who may do what is checked against an oracle written from
the issue's permission rules, independently of ``domain.permissions``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import col, func, select

from complaintctl.store.db import Database, resolve_url
from complaintctl.domain.enums import (
    OPEN_STATUSES,
    Action,
    Channel,
    ContactVia,
    Direction,
    EventKind,
    Outcome,
    Role,
    Status,
)
from complaintctl.domain.lifecycle import TRANSITIONS
from complaintctl.errors import (
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    UsageProblem,
)
from complaintctl.store.models import Complaint, ComplaintTag, Consultation, Contact, Event, Remedy
from complaintctl.services.audit import trail as audit
from complaintctl.services.complaints import registration as complaints, decisions, handling
from complaintctl.services.admin import staff
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from conftest import STAFF, actor

USERS = ["admin", "sup", "h1", "h2", "clerk", "aud", "sup2", "h3"]
FIT = "<fit>"  # stands for a member of staff the oracle allows, so deep states are reached
WHO = st.sampled_from(USERS + [FIT] * 4)
REFUSALS = (PermissionDenied, TransitionNotAllowed, InvalidData, UsageProblem, NotFound)
AUDITED_REFUSALS = (PermissionDenied, TransitionNotAllowed)
TEXTS = ["客户来电说明情况", "Called the branch manager", "   "]  # the blank one is refused

# --- an oracle written from the permission rules (not from domain.permissions) -----------
# clerks register, log contacts and notes; handlers also investigate, consult, resolve and close
# complaints assigned to them; supervisors also assign, reopen, withdraw, merge, archive, on any
# complaint of their branch; auditors change nothing; admins do everything on every branch.
CLERK = {"register", "contact", "note"}
HANDLER_OWN = {"investigate", "consult", "answer", "resolve", "close"}
SUPERVISOR = CLERK | HANDLER_OWN | {"assign", "reopen", "withdraw", "merge", "archive"}


def permitted(username: str, what: str, complaint: dict) -> bool:
    who = actor(username)
    if who.role is Role.admin:
        return True
    if who.role is Role.auditor:
        return False
    allowed = SUPERVISOR if who.role is Role.supervisor else CLERK
    if who.role is Role.handler:
        allowed = CLERK | HANDLER_OWN
    if what not in allowed:
        return False
    if complaint["branch"] != who.branch:  # staff of a branch act on their branch only
        return False
    if who.role is Role.handler and what in HANDLER_OWN:
        return complaint["assignee"] == username
    return True


def sources(what: str) -> frozenset[Status]:
    """The statuses a command may start from (``assign`` is assign or reassign)."""
    if what == "assign":
        return TRANSITIONS[Action.assign][0] | TRANSITIONS[Action.reassign][0]
    return TRANSITIONS[Action(what)][0]


# A RAM-backed directory when there is one: every commit is fsynced (synchronous=FULL), and on a
# disk that, not the code under test, would dominate the run. Still a real SQLite file in WAL mode.
FAST_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

# --- the template database: built once, copied for every example -------------------------------


def build_template(directory: Path) -> Path:
    path = directory / "template.db"
    database = Database(resolve_url(str(path)))
    database.create()
    with database.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="Admin")
        for username, name, role, branch in STAFF:
            staff.add(session=session, actor=actor("admin"), username=username, name=name,
                      role=role, branch=branch, email=f"{username}@bank.example")
    database.engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


class Lifecycle(RuleBasedStateMachine):
    template: Path  # set by the test before the machine runs

    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="complaintctl-stateful-", dir=FAST_DIR))
        shutil.copy(self.template, self.dir / "complaints.db")
        self.db = Database(resolve_url(str(self.dir / "complaints.db")))
        self.numbers: list[str] = []
        self.timeline: dict[str, int] = {}  # number -> expected count of 'change' events
        self.refusals = self._refusal_count()
        self.consultations: list[tuple[str, int]] = []
        self.successes: dict[str, int] = {}
        self.refused: dict[str, int] = {}

    def teardown(self):
        self.db.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- reading the database back ------------------------------------------------------------

    def _refusal_count(self) -> int:
        with self.db.session() as session:
            return session.exec(
                select(func.count()).select_from(Event).where(Event.kind == EventKind.refusal.value)
            ).one()

    def snapshot(self) -> dict[str, dict]:
        """Every complaint: all columns, tags, remedies, contacts and consultations."""
        with self.db.session() as session:
            rows = {c.id: c.model_dump() | {"tags": [], "remedies": [], "contacts": [],
                                            "consultations": []}
                    for c in session.exec(select(Complaint)).all()}
            for t in session.exec(select(ComplaintTag)).all():
                rows[t.complaint_id]["tags"].append(t.tag)
            for r in session.exec(select(Remedy)).all():
                rows[r.complaint_id]["remedies"].append((r.kind, r.amount_cents, r.note))
            for x in session.exec(select(Contact)).all():
                rows[x.complaint_id]["contacts"].append((x.id, x.via, x.direction, x.summary))
            for x in session.exec(select(Consultation)).all():
                rows[x.complaint_id]["consultations"].append(
                    (x.id, x.department, x.question, x.answer))
        for row in rows.values():
            for key in ("tags", "remedies", "contacts", "consultations"):
                row[key].sort(key=repr)
        return {row["number"]: row for row in rows.values()}

    def timelines(self) -> dict[str, list[Event]]:
        with self.db.session() as session:
            events = session.exec(
                select(Event).where(Event.kind == EventKind.change.value)
                .where(col(Event.number).is_not(None)).order_by(col(Event.seq))).all()
        result: dict[str, list[Event]] = {}
        for event in events:
            result.setdefault(event.number, []).append(event)
        return result

    def pick(self, index: int, what: str | None = None, besides: str | None = None) -> str:
        """A known complaint; for ``what``, one it may start from (other than ``besides``)
        when there is one."""
        candidates = self.numbers
        if what is not None:
            rows = self.snapshot()
            candidates = [n for n in self.numbers if n != besides
                          and Status(rows[n]["status"]) in sources(what)] or self.numbers
        return candidates[index % len(candidates)]

    def fit(self, who: str, what: str, number: str, index: int) -> str:
        """``who``, or for FIT someone the oracle allows to do ``what`` on ``number``."""
        if who != FIT:
            return who
        row = self.snapshot()[number]
        allowed = [u for u in USERS if permitted(u, what, row)]
        return allowed[index % len(allowed)]

    # --- one attempt: run it, then check what changed against what was expected ---------------

    def act(self, who: str, index: int, aim: bool, what: str, call):
        """Pick a complaint (for ``aim``, one ``what`` may start from), pick who acts, attempt
        ``call(session, actor, number)``; what ``attempt`` returns."""
        number = self.pick(index, what if aim else None)
        who = self.fit(who, what, number, index)
        return self.attempt(who, what, number, lambda s: call(s, actor(who), number))

    def attempt(self, username: str, what: str, number: str, call, *, target: str | None = None):
        before = self.snapshot()
        row = before[number]
        may = permitted(username, what, row)
        if target is not None:  # a merge needs the right to both complaints
            may = may and permitted(username, what, before[target])
        from_ok = Status(row["status"]) in sources(what)
        statuses = [row["status"]]
        if target is not None:  # and the merge target must be open
            from_ok = from_ok and Status(before[target]["status"]) in OPEN_STATUSES
            statuses.append(before[target]["status"])
        try:
            with self.db.session(write=True) as session:
                result = call(session)
        except REFUSALS as refusal:
            self.refused[what] = self.refused.get(what, 0) + 1
            assert self.snapshot() == before, f"refused {what} changed a complaint: {refusal}"
            if isinstance(refusal, PermissionDenied):
                assert not may, f"{username} was wrongly refused {what} on {row}: {refusal}"
            if isinstance(refusal, TransitionNotAllowed):
                assert not from_ok, f"{what} wrongly refused from {row['status']}: {refusal}"
                assert number in str(refusal)
                assert any(f"when it is {status}" in str(refusal) for status in statuses)
            if not may:
                assert isinstance(refusal, PermissionDenied | UsageProblem), (
                    f"{username} may not {what} {row}, yet the refusal was {refusal!r}")
            if may and not from_ok:
                assert isinstance(refusal, TransitionNotAllowed | UsageProblem), repr(refusal)
            if isinstance(refusal, AUDITED_REFUSALS):
                self.refusals += 1
                with self.db.session() as session:
                    last = session.exec(select(Event).order_by(col(Event.seq).desc())).first()
                assert (last.kind, last.actor, last.number) == (
                    EventKind.refusal.value, username, number)
                assert last.action in (what, "reassign")
            return None
        self.successes[what] = self.successes.get(what, 0) + 1
        assert may, f"{username} was allowed to {what} {row}"
        assert from_ok, f"{what} was allowed from {row['status']}"
        after = self.snapshot()
        self.timeline[number] += 1
        if target is not None:
            self.timeline[target] += 1
        for other in before:
            if other not in (number, target):
                assert after[other] == before[other], f"{what} on {number} changed {other}"
        action = Action(what)
        if what == "assign" and row["status"] != Status.registered:
            action = Action.reassign
        expected = TRANSITIONS[action][1] or Status(row["status"])
        assert after[number]["status"] == expected
        last = self.timelines()[number][-1]
        assert (last.action, last.actor, last.from_status, last.to_status) == (
            action.value, username, row["status"], expected.value)
        if target is not None:
            assert after[target]["status"] == before[target]["status"]
            assert after[number]["merged_into"] == target
        return result

    # --- the rules ------------------------------------------------------------------------------

    @precondition(lambda self: len(self.numbers) < 5)  # a few complaints, worked deeply
    @rule(who=WHO, k=st.integers(0, 10), branch=st.sampled_from([None, "BJ01", "BJ01", "SH01"]),
          channel=st.sampled_from(list(Channel)),
          tags=st.lists(st.sampled_from(["elderly", "media", "repeat", "bad tag!"]), max_size=2),
          amount=st.sampled_from([None, "200", "50000.50", "-3"]))
    def register(self, who, k, branch, channel, tags, amount):
        if who == FIT:
            fits = [u for u in USERS if actor(u).role is not Role.auditor
                    and actor(u).branch in (None, branch or actor(u).branch)]
            who = fits[k % len(fits)]
        new = NewComplaint(channel=channel, customer="张伟", summary="年费重复扣收", branch=branch,
                           tags=tags, amount=amount, phone="13812345678")
        before = self.snapshot()
        me = actor(who)
        may = me.role is not Role.auditor and me.branch in (None, branch or me.branch)
        try:
            with self.db.session(write=True) as session:
                complaint = complaints.register(session=session, actor=me, new=new)
        except REFUSALS as refusal:
            assert self.snapshot() == before
            assert isinstance(refusal, PermissionDenied) == (not may), repr(refusal)
            if isinstance(refusal, AUDITED_REFUSALS):
                self.refusals += 1
            return
        assert may, f"{who} registered a complaint for branch {branch}"
        assert complaint.branch == (branch or me.branch)
        assert complaint.number not in before
        assert complaint.status == Status.registered
        self.numbers.append(complaint.number)
        self.timeline[complaint.number] = 1

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(),
          to=st.sampled_from(["h1", "h2", "h3", "sup", "clerk", "admin"]))
    def assign(self, who, i, aim, to):
        self.act(who, i, aim, "assign", lambda s, by, number: handling.assign(
            session=s, actor=by, number=number, to=to))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), via=st.sampled_from(list(ContactVia)),
          direction=st.sampled_from(list(Direction)), summary=st.sampled_from(TEXTS))
    def contact(self, who, i, aim, via, direction, summary):
        self.act(who, i, aim, "contact", lambda s, by, number: handling.contact(
            session=s, actor=by, number=number, via=via, summary=summary,
            direction=direction))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans())
    def investigate(self, who, i, aim):
        self.act(who, i, aim, "investigate", lambda s, by, number: handling.investigate(
            session=s, actor=by, number=number))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), text=st.sampled_from(TEXTS))
    def note(self, who, i, aim, text):
        self.act(who, i, aim, "note", lambda s, by, number: handling.note(
            session=s, actor=by, number=number, text=text))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), question=st.sampled_from(TEXTS))
    def consult(self, who, i, aim, question):
        number = self.pick(i, "consult" if aim else None)  # kept: the consultation's number
        who = self.fit(who, "consult", number, i)
        consultation = self.attempt(who, "consult", number, lambda s: handling.consult(
            session=s, actor=actor(who), number=number, department="Cards", question=question))
        if consultation is not None:
            self.consultations.append((number, consultation.id))

    @precondition(lambda self: self.consultations)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), j=st.integers(0, 50),
          elsewhere=st.booleans())
    def answer(self, who, i, aim, j, elsewhere):
        asked = self.consultations
        if aim:
            rows = self.snapshot()
            asked = [(n, c) for n, c in asked
                     if Status(rows[n]["status"]) in sources("answer")] or asked
        number, consultation_id = asked[j % len(asked)]
        if elsewhere:  # perhaps another complaint's consultation: not found
            number = self.pick(i)
        who = self.fit(who, "answer", number, i)
        self.attempt(who, "answer", number, lambda s: handling.answer(
            session=s, actor=actor(who), number=number, consultation_id=consultation_id,
            text="The fee was charged twice by a batch error."))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(),
          outcome=st.sampled_from(list(Outcome)),
          remedies=st.lists(st.sampled_from(["apology", "compensation:200", "fee_refund",
                                             "explanation"]), max_size=2))
    def resolve(self, who, i, aim, outcome, remedies):
        self.act(who, i, aim, "resolve", lambda s, by, number: decisions.resolve(
            reasons="核实结果", basis="合同条款", proof="CALL-1",
            
            session=s, actor=by, number=number, outcome=outcome,
            findings="Duplicate charge confirmed.",
            remedies=[RemedyInput.parse(r) for r in remedies], notified_via=ContactVia.phone))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), satisfaction=st.integers(1, 5),
          disputed=st.booleans())
    def close(self, who, i, aim, satisfaction, disputed):
        self.act(who, i, aim, "close", lambda s, by, number: decisions.close(
            session=s, actor=by, number=number, satisfaction=satisfaction,
            feedback="ok", disputed=disputed))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), reason=st.sampled_from(TEXTS))
    def reopen(self, who, i, aim, reason):
        self.act(who, i, aim, "reopen", lambda s, by, number: decisions.reopen(
            session=s, actor=by, number=number, reason=reason))

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), reason=st.sampled_from(TEXTS))
    def withdraw(self, who, i, aim, reason):
        self.act(who, i, aim, "withdraw", lambda s, by, number: decisions.withdraw(
            session=s, actor=by, number=number, reason=reason))

    @precondition(lambda self: len(self.numbers) >= 2)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans(), j=st.integers(0, 50))
    def merge(self, who, i, aim, j):
        number = self.pick(i, "merge" if aim else None)
        # withdraw may start from exactly the open statuses, which a merge target must be in
        into = self.pick(j, "withdraw" if aim else None, besides=number)
        if who == FIT:
            rows = self.snapshot()
            fits = [u for u in USERS
                    if permitted(u, "merge", rows[number]) and permitted(u, "merge", rows[into])]
            who = fits[i % len(fits)] if fits else "admin"
        self.attempt(who, "merge", number, lambda s: decisions.merge(
            session=s, actor=actor(who), number=number, into=into),
            target=into if into != number else None)

    @precondition(lambda self: self.numbers)
    @rule(who=WHO, i=st.integers(0, 50), aim=st.booleans())
    def archive(self, who, i, aim):
        self.act(who, i, aim, "archive", lambda s, by, number: decisions.archive(
            session=s, actor=by, number=number))

    @precondition(lambda self: self.numbers)
    @rule(i=st.integers(0, 50),
          roads=st.lists(st.sampled_from(["main", "main", "main", "side", "aside"]),
                         min_size=1, max_size=6))
    def advance(self, i, roads):
        """A few steps along the usual path by someone allowed: without it, random sequences
        seldom get past 'assigned'. At each step "main" moves on, "side" takes the side road
        (withdraw, reopen), "aside" works without moving (contact, consult, answer). Each
        action is still checked on its own by ``attempt``."""
        number = self.pick(i)
        for road in roads:
            row = self.snapshot()[number]
            status = Status(row["status"])
            if road == "aside" and status in (Status.assigned, Status.investigating):
                asked = len(self.consultations)
                self.consult(FIT, i, False, "Was the fee charged twice?")
                if len(self.consultations) > asked and i % 3:  # answered at once, or later
                    self.answer(FIT, i, False, asked, False)
            elif road == "aside" and status is not Status.archived:
                self.contact(FIT, i, False, ContactVia.phone, Direction.out, "已告知处理进度")
            elif status is Status.registered and road == "main":
                handlers = {"BJ01": ["h1", "h2", "sup"], "SH01": ["h3"]}.get(
                    row["branch"], ["admin"])
                self.assign(FIT, i, False, handlers[i % len(handlers)])
            elif status in (Status.registered, Status.assigned) and road == "side":
                self.withdraw(FIT, i, False, "客户撤回投诉")
            elif status is Status.assigned:
                self.investigate(FIT, i, False)
            elif status is Status.investigating:
                self.resolve(FIT, i, False, Outcome.partially_upheld,
                             ["apology", "compensation:200"])
            elif status is Status.resolved and road == "main":
                self.close(FIT, i, False, 1 + i % 5, i % 5 < 2)
            elif status in (Status.resolved, Status.closed) and road == "side":
                self.reopen(FIT, i, False, "客户不满意")
            elif status is Status.closed:
                self.archive(FIT, i, False)

    # --- the invariants, after every step --------------------------------------------------------

    @invariant()
    def statuses_are_valid_and_closed_at_matches(self):
        for number, row in self.snapshot().items():
            status = Status(row["status"])  # raises on an unknown status
            closed = status in (Status.closed, Status.archived)
            assert (row["closed_at"] is not None) == closed, (number, status, row["closed_at"])
            assert (row["archived_at"] is not None) == (status is Status.archived)
            assert (row["merged_into"] is not None) == (status is Status.merged)

    @invariant()
    def each_timeline_grew_by_one_per_successful_action(self):
        counts = {n: len(events) for n, events in self.timelines().items()}
        assert counts == self.timeline

    @invariant()
    def each_refusal_of_permission_or_state_is_one_audit_event(self):
        assert self._refusal_count() == self.refusals

    @invariant()
    def the_audit_chain_verifies(self):
        with self.db.session() as session:
            result = audit.verify(session)
        assert result.ok, result.problem


#: 20 sequences of 30 steps in CI (about a minute); more by hand, e.g. 200
EXAMPLES = int(os.environ.get("COMPLAINTCTL_STATEFUL_EXAMPLES", "20"))


@pytest.mark.slow
def test_random_action_sequences_by_random_staff_keep_the_invariants(tmp_path_factory):
    Lifecycle.template = build_template(tmp_path_factory.mktemp("template"))
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(max_examples=EXAMPLES, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )


# --- what the machine found, pinned as plain examples ---------------------------------------------


def _register(db: Database, who: str, branch: str | None) -> str:
    new = NewComplaint(channel=Channel.phone, customer="张伟", summary="年费重复扣收", branch=branch)
    with db.session(write=True) as session:
        return complaints.register(session=session, actor=actor(who), new=new).number


def test_branch_staff_cannot_act_on_a_head_office_complaint(seeded):
    number = _register(seeded, "admin", None)  # no branch: head office's
    with seeded.session(write=True) as session, pytest.raises(PermissionDenied) as refused:
        decisions.withdraw(session=session, actor=actor("sup"), number=number, reason="dup")
    assert str(refused.value) == (
        f"Permission denied: {number} belongs to branch -; sup works for branch BJ01. "
        "Ask a supervisor of that branch or an admin.")
    with seeded.session(write=True) as session, pytest.raises(PermissionDenied):
        handling.note(session=session, actor=actor("clerk"), number=number, text="called")
    with seeded.session(write=True) as session:  # head-office staff still reach it
        assert decisions.withdraw(session=session, actor=actor("admin"), number=number,
                                   reason="dup").status == Status.withdrawn


def test_a_blank_note_on_an_archived_complaint_is_refused_for_its_state(seeded):
    number = _register(seeded, "sup", "BJ01")
    steps = [
        ("sup", handling.assign, {"to": "h1"}),
        ("h1", handling.investigate, {}),
        ("h1", decisions.resolve, {"reasons": "核实结果", "basis": "合同条款", "proof": "CALL-1", "outcome": Outcome.not_upheld, "findings": "Fee was due.",
                                    "remedies": [], "notified_via": ContactVia.letter}),
        ("h1", decisions.close, {"satisfaction": 3}),
        ("sup", decisions.archive, {}),
    ]
    for who, use_case, options in steps:
        with seeded.session(write=True) as session:
            use_case(session=session, actor=actor(who), number=number, **options)
    with seeded.session(write=True) as session, pytest.raises(TransitionNotAllowed) as refused:
        handling.note(session=session, actor=actor("sup"), number=number, text="  ")
    assert str(refused.value) == f"Can't note {number} when it is archived (allowed: none)."
