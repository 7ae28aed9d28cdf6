"""The clock on stored complaints: due times kept in step with events, pauses, extensions and
their approvers, the review, recusal, auto-assignment, compensation approval, sla check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from clockkit import SH, register, resolve, t, to_investigating
from complaintctl.domain.enums import ContactVia, PauseReason, ReviewResult
from complaintctl.errors import InvalidData, PermissionDenied, TransitionNotAllowed
from complaintctl.store.models import Complaint, Event, Notification
from complaintctl.services.complaints import (
    approvals,
    assignment,
    decisions,
    handling,
    queries,
    reviews,
)
from complaintctl.services.clock import pauses, sla
from complaintctl.services.admin import config
from complaintctl.services.reporting import explain
from complaintctl.services.admin import staff as staff_svc
from conftest import actor

SUP, H1, CLERK, ADMIN = actor("sup"), actor("h1"), actor("clerk"), actor("admin")


def local(value):
    return value.astimezone(SH)


@pytest.fixture
def session(seeded):
    with seeded.session(write=True) as s:
        yield s


def investigating(session, received="2026-09-30T10:00", **fields):
    c = register(session, CLERK, received=received, **fields)
    to_investigating(session, SUP, H1, c.number, at=received[:11] + "11:00")
    return c


def agrees(session, number):
    data = explain.explain(session=session, actor=ADMIN, number=number)
    assert data["agrees"] is True, data["steps"]
    return data


# --- due times on registration ------------------------------------------------------------------


def test_registration_binds_the_profile_and_stores_the_decision_due_time(session):
    c = register(session, CLERK, received="2026-09-30T10:00", at="2026-09-30T10:05")
    assert c.clock_profile == "cn-cbirc-2020"
    assert local(c.due_at).isoformat() == "2026-10-15T23:59:59+08:00"
    data = agrees(session, c.number)
    assert [h["date"] for h in data["holidays"]][:3] == ["2026-10-01", "2026-10-02",
                                                          "2026-10-03"]
    assert data["acknowledgement_due_at"] == "2026-10-08T23:59:59+08:00"


def test_a_profile_that_rolls_moves_the_stored_due_time_to_the_next_working_day(
        session, seeded, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('profile = "cn-roll"\n[profiles.cn-roll]\nbased_on = "cn-cbirc-2020"\n'
                     'roll_to_working_day = true\n', encoding="utf-8")
    config.load_file(session=session, actor=ADMIN, path=rules)
    c = register(session, CLERK, received="2026-09-17T10:00")
    assert local(c.due_at).date() == date(2026, 10, 8)
    assert agrees(session, c.number)["rolled"] is True


def test_uk_fca_and_us_cfpb_profiles_set_their_own_due_times(session):
    config.set_value(session=session, actor=ADMIN, key="profile", value="uk-fca")
    uk = register(session, CLERK, received="2026-10-01T10:00")
    config.set_value(session=session, actor=ADMIN, key="profile", value="us-cfpb")
    us = register(session, CLERK, received="2026-10-01T10:00")
    assert local(uk.due_at).date() == date(2026, 11, 26)  # 56 days
    assert local(us.due_at).date() == date(2026, 11, 30)  # 60 days
    assert agrees(session, us.number)["acknowledgement_due_at"].startswith("2026-10-16")


# --- pause and resume ----------------------------------------------------------------------------


def test_pause_and_resume_move_the_due_time_by_the_paused_time(session):
    c = investigating(session)
    pauses.pause(session=session, actor=H1, number=c.number, reason=PauseReason.appraisal,
                customer_notified_via=ContactVia.phone, at=t("2026-10-03T10:00"))
    paused = queries.show(session=session, actor=ADMIN, number=c.number)
    assert paused["paused"] is True
    assert paused["due_at"] == "2026-10-15T23:59:59+08:00"  # frozen while paused
    agrees(session, c.number)
    pauses.resume(session=session, actor=H1, number=c.number, at=t("2026-10-05T15:00"))
    shown = queries.show(session=session, actor=ADMIN, number=c.number)
    assert shown["paused"] is False
    assert shown["due_at"] == "2026-10-18T23:59:59+08:00"  # + 2d 5h, to the end of that day
    assert [p["reason"] for p in shown["pauses"]] == ["appraisal"]
    assert shown["contacts"][-1]["via"] == "phone"  # the customer was told
    agrees(session, c.number)


def test_a_paused_clock_cannot_be_paused_again_nor_a_running_one_resumed(session):
    c = investigating(session)
    with pytest.raises(TransitionNotAllowed, match="not paused"):
        pauses.resume(session=session, actor=H1, number=c.number, at=t("2026-10-02T10:00"))
    pauses.pause(session=session, actor=H1, number=c.number, reason=PauseReason.mediation,
                customer_notified_via=ContactVia.letter, at=t("2026-10-03T10:00"))
    with pytest.raises(TransitionNotAllowed, match="already paused since 2026-10-03T10:00"):
        pauses.pause(session=session, actor=H1, number=c.number, reason=PauseReason.appraisal,
                    customer_notified_via=ContactVia.phone, at=t("2026-10-04T10:00"))


def test_a_profile_without_pauses_refuses_them(session):
    config.set_value(session=session, actor=ADMIN, key="profile", value="uk-fca")
    c = investigating(session)
    with pytest.raises(InvalidData, match="uk-fca does not stop the clock"):
        pauses.pause(session=session, actor=H1, number=c.number, reason=PauseReason.appraisal,
                    customer_notified_via=ContactVia.phone, at=t("2026-10-03T10:00"))


def test_resolving_a_paused_complaint_ends_the_pause(session):
    c = investigating(session)
    pauses.pause(session=session, actor=H1, number=c.number, reason=PauseReason.appraisal,
                customer_notified_via=ContactVia.phone, at=t("2026-10-03T10:00"))
    resolve(session, H1, c.number, at="2026-10-09T10:00")
    shown = queries.show(session=session, actor=ADMIN, number=c.number)
    assert shown["paused"] is False and shown["pauses"][0]["ended_at"].startswith("2026-10-09")
    assert shown["overdue"] is False


# --- extensions --------------------------------------------------------------------------------


def test_a_level_1_extension_by_the_supervisor_applies_at_once(session):
    c = investigating(session)
    result = approvals.extend(session=session, actor=SUP, number=c.number, level=1,
                          reason="Card scheme records", at=t("2026-10-08T10:00"))
    assert result.applied
    assert local(result.complaint.due_at).date() == date(2026, 10, 30)
    assert result.complaint.extension_level == 1
    agrees(session, c.number)


def test_a_handler_requests_a_level_1_extension_and_a_supervisor_approves_it(session):
    c = investigating(session)
    result = approvals.extend(session=session, actor=H1, number=c.number, level=1,
                          reason="Card scheme records", at=t("2026-10-08T10:00"))
    assert not result.applied and result.approvers == ["admin", "sup"]
    assert local(session.get(Complaint, c.id).due_at).date() == date(2026, 10, 15)
    notes = session.exec(select(Notification).where(Notification.event == "approval_request")
                         ).all()
    assert sorted(n.recipient for n in notes) == ["admin", "sup"]
    approvals.approve(session=session, actor=SUP, number=c.number, at=t("2026-10-08T11:00"))
    assert local(session.get(Complaint, c.id).due_at).date() == date(2026, 10, 30)


def test_nobody_approves_their_own_extension(session):
    c = investigating(session)
    # the assignee (a handler) is told why first: their own extension, not their role
    with pytest.raises(PermissionDenied, match="^Permission denied: h1 is the assignee of "
                                               ".*; nobody approves their own extension.$"):
        approvals.extend(session=session, actor=H1, number=c.number, level=1, reason="x",
                     approved_by="h1", at=t("2026-10-08T10:00"))
    with pytest.raises(PermissionDenied, match="needs the role supervisor or admin; h2 is a "
                                               "handler"):
        approvals.extend(session=session, actor=H1, number=c.number, level=1, reason="x",
                     approved_by="h2", at=t("2026-10-08T10:00"))
    handling.assign(session=session, actor=SUP, number=c.number, to="sup", at=t("2026-10-08T10:00"))
    with pytest.raises(PermissionDenied, match="sup is the assignee of .*nobody approves their "
                                               "own extension"):
        approvals.extend(session=session, actor=SUP, number=c.number, level=1, reason="x",
                     approved_by="sup", at=t("2026-10-08T11:00"))
    requested = approvals.extend(session=session, actor=SUP, number=c.number, level=1, reason="x",
                             at=t("2026-10-08T11:00"))
    assert not requested.applied and requested.approvers == ["admin"]
    with pytest.raises(PermissionDenied, match="nobody approves their own extension"):
        approvals.approve(session=session, actor=SUP, number=c.number, at=t("2026-10-08T12:00"))
    assert session.get(Complaint, c.id).extension_level == 0
    refusals = session.exec(select(Event).where(Event.kind == "refusal").order_by(Event.id)).all()
    assert [e.action for e in refusals][-1] == "approve"


def test_level_2_needs_a_senior_approver_and_a_recorded_customer_notice(session):
    c = investigating(session)
    approvals.extend(session=session, actor=SUP, number=c.number, level=1, reason="complex",
                 at=t("2026-10-08T10:00"))
    with pytest.raises(InvalidData, match="needs a recorded notice to the customer"):
        approvals.extend(session=session, actor=SUP, number=c.number, level=2, reason="very",
                     at=t("2026-10-20T10:00"))
    with pytest.raises(PermissionDenied, match="senior flag or an admin; sup is neither"):
        approvals.extend(session=session, actor=SUP, number=c.number, level=2, reason="very",
                     approved_by="sup", customer_notified_via=ContactVia.letter,
                     at=t("2026-10-20T10:00"))
    staff_svc.add(session=session, actor=ADMIN, username="boss", name="Head of Complaints",
                  role=__import__("complaintctl.domain.enums").domain.enums.Role.supervisor,
                  senior=True)
    request = approvals.extend(session=session, actor=SUP, number=c.number, level=2, reason="very",
                           customer_notified_via=ContactVia.letter, at=t("2026-10-20T10:00"))
    assert request.approvers == ["admin", "boss"]
    approvals.approve(session=session, actor=actor_boss(), number=c.number,
                  at=t("2026-10-20T11:00"))
    stored = session.get(Complaint, c.id)
    assert stored.extension_level == 2
    assert local(stored.due_at).date() == date(2026, 11, 29)  # 60 days after 30 Sep
    shown = queries.show(session=session, actor=ADMIN, number=c.number)
    assert shown["extension_level"] == 2
    assert "extended (level 2)" in shown["contacts"][-1]["summary"]
    agrees(session, c.number)


def actor_boss():
    from complaintctl.domain.enums import Role
    from complaintctl.services.core.context import Actor

    return Actor("boss", Role.supervisor, None, "Head of Complaints")


def test_an_extension_only_goes_up_one_step_at_a_time(session):
    c = investigating(session)
    with pytest.raises(InvalidData, match="extend to level 1 first"):
        approvals.extend(session=session, actor=ADMIN, number=c.number, level=2, reason="x",
                     customer_notified_via=ContactVia.phone, at=t("2026-10-08T10:00"))
    with pytest.raises(InvalidData, match="has no extension level 3"):
        approvals.extend(session=session, actor=ADMIN, number=c.number, level=3, reason="x",
                     at=t("2026-10-08T10:00"))


# --- review ------------------------------------------------------------------------------------


def _decided(session):
    c = investigating(session)
    resolve(session, H1, c.number, at="2026-10-10T10:00")
    decisions.close(session=session, actor=H1, number=c.number, satisfaction=2, disputed=True,
              at=t("2026-10-11T10:00"))
    return c


def test_a_review_request_inside_the_window_starts_a_30_day_review_clock(session):
    c = _decided(session)
    reviewed = reviews.review_request(session=session, actor=CLERK, number=c.number,
                                    at=t("2026-11-09T18:00"))
    assert reviewed.status == "under_review" and reviewed.closed_at is None
    assert local(reviewed.due_at).isoformat() == "2026-12-09T23:59:59+08:00"
    agrees(session, c.number)
    supervisors = session.exec(select(Notification.recipient).where(
        Notification.event == "review_requested")).all()
    assert supervisors == ["admin"]  # head office: supervisors without a branch, else admins


def test_a_review_request_after_the_window_is_refused(session):
    c = _decided(session)
    with pytest.raises(TransitionNotAllowed, match="review window closed 2026-11-09T23:59:59"):
        reviews.review_request(session=session, actor=CLERK, number=c.number,
                             at=t("2026-11-10T00:00"))


def test_a_review_is_decided_by_head_office_and_upheld_closes_it(session):
    c = _decided(session)
    reviews.review_request(session=session, actor=CLERK, number=c.number, at=t("2026-10-20T10:00"))
    with pytest.raises(PermissionDenied, match="parent organisation or head office"):
        reviews.review_decide(session=session, actor=SUP, number=c.number,
                            result=ReviewResult.upheld, findings="ok", at=t("2026-10-21T10:00"))
    done = reviews.review_decide(session=session, actor=ADMIN, number=c.number,
                               result=ReviewResult.upheld, findings="Rules applied",
                               at=t("2026-10-21T10:00"))
    assert done.status == "closed" and done.closed_at is not None
    assert done.review_result == "upheld"


def test_a_changed_review_reopens_into_investigation_on_the_review_clock(session):
    c = _decided(session)
    reviews.review_request(session=session, actor=CLERK, number=c.number, at=t("2026-10-20T10:00"))
    done = reviews.review_decide(session=session, actor=ADMIN, number=c.number,
                               result=ReviewResult.changed, findings="Refund due",
                               at=t("2026-10-21T10:00"))
    assert done.status == "investigating" and done.reopen_count == 1
    assert local(done.due_at).date() == date(2026, 11, 19)
    agrees(session, c.number)


def test_reopening_with_new_facts_restarts_the_decision_period(session):
    c = _decided(session)
    decisions.reopen(session=session, actor=SUP, number=c.number, reason="New statement",
               at=t("2026-10-20T10:00"))
    stored = session.get(Complaint, c.id)
    assert local(stored.due_at).date() == date(2026, 11, 4)
    assert stored.extension_level == 0
    agrees(session, c.number)


# --- compensation ------------------------------------------------------------------------------


def test_compensation_above_the_threshold_needs_a_second_persons_approval(session):
    c = investigating(session)
    with pytest.raises(PermissionDenied, match="above the 1000.00 threshold, and needs a second "
                                               "person's approval"):
        resolve(session, H1, c.number, at="2026-10-09T10:00",
                remedies=("apology", "compensation:1500"))
    assert session.get(Complaint, c.id).status == "investigating"
    _approval, who = approvals.request_compensation(session=session, actor=H1, number=c.number,
                                               amount="1500", reason="Lost interest",
                                               at=t("2026-10-09T10:00"))
    assert who == ["admin", "sup"]
    with pytest.raises(PermissionDenied):
        approvals.approve(session=session, actor=H1, number=c.number, at=t("2026-10-09T11:00"))
    approvals.approve(session=session, actor=SUP, number=c.number, at=t("2026-10-09T11:00"))
    done = resolve(session, H1, c.number, at="2026-10-09T12:00",
                   remedies=("apology", "compensation:1500"))
    assert done.status == "resolved"


def test_the_approver_cannot_resolve_on_their_own_approval(session):
    c = investigating(session)
    approvals.approve(session=session, actor=SUP, number=c.number, compensation="2000",
                  at=t("2026-10-09T11:00"))
    with pytest.raises(PermissionDenied, match="cannot resolve on your own approval"):
        resolve(session, SUP, c.number, at="2026-10-09T12:00", remedies=("compensation:2000",))
    resolve(session, H1, c.number, at="2026-10-09T12:00", remedies=("compensation:2000",))


def test_compensation_at_the_threshold_needs_no_approval(session):
    c = investigating(session)
    assert resolve(session, H1, c.number, at="2026-10-09T12:00",
                   remedies=("compensation:1000",)).status == "resolved"


# --- recusal and auto-assignment ---------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value", "fields"), [
    ("account", "6222020200001234", {"account": "6222020200001234"}),
    ("customer_id", "C-77", {"customer_id": "C-77"}),
    ("branch", "BJ01", {}),
    ("colleague", "h2", {"summary": "h2 was rude at the counter"}),
])
def test_a_recorded_conflict_blocks_the_assignment_with_the_reason(session, kind, value, fields):
    assignment.add_conflict(session=session, actor=ADMIN, username="h1", kind=kind, value=value)
    c = register(session, CLERK, received="2026-09-30T10:00", **fields)
    with pytest.raises(PermissionDenied, match=f"h1 is recused from {c.number}: a recorded "
                                               "conflict"):
        handling.assign(session=session, actor=SUP, number=c.number, to="h1",
                   at=t("2026-09-30T11:00"))
    assert session.get(Complaint, c.id).assignee is None
    handling.assign(session=session, actor=SUP, number=c.number, to="h2" if kind != "colleague"
               else "sup", at=t("2026-09-30T11:00"))


def test_a_recusal_message_never_shows_the_account_in_full(session):
    assignment.add_conflict(session=session, actor=ADMIN, username="h1", kind="account",
                            value="6222020200001234")
    c = register(session, CLERK, received="2026-09-30T10:00", account="6222020200001234")
    with pytest.raises(PermissionDenied) as refused:
        handling.assign(session=session, actor=SUP, number=c.number, to="h1",
                   at=t("2026-09-30T11:00"))
    assert "6222020200001234" not in str(refused.value) and "1234" in str(refused.value)


def test_auto_assignment_balances_open_work_and_round_robins_ties(session):
    picks = []
    for i in range(6):
        c = register(session, CLERK, received=f"2026-09-30T1{i}:00")
        assignment.assign_auto(session=session, actor=SUP, number=c.number,
                               at=t(f"2026-09-30T1{i}:30"))
        picks.append(session.get(Complaint, c.id).assignee)
    assert picks == ["h1", "h2", "h1", "h2", "h1", "h2"]
    # h1 finishes two: the next two go to h1 (fewest open), then ties alternate again
    for number in [n for n, a in zip(_numbers(session), picks, strict=True) if a == "h1"][:2]:
        decisions.withdraw(session=session, actor=SUP, number=number, reason="withdrawn",
                     at=t("2026-09-30T17:00"))
    more = []
    for i in range(3):
        c = register(session, CLERK, received=f"2026-10-01T1{i}:00")
        assignment.assign_auto(session=session, actor=SUP, number=c.number,
                               at=t(f"2026-10-01T1{i}:30"))
        more.append(session.get(Complaint, c.id).assignee)
    assert more == ["h1", "h1", "h2"]


def _numbers(session):
    return [c.number for c in session.exec(select(Complaint).order_by(Complaint.id)).all()]


def test_auto_assignment_skips_a_recused_handler(session):
    assignment.add_conflict(session=session, actor=ADMIN, username="h1", kind="customer_id",
                            value="C-1")
    for i in range(3):
        c = register(session, CLERK, received=f"2026-09-30T1{i}:00", customer_id="C-1")
        assignment.assign_auto(session=session, actor=SUP, number=c.number,
                               at=t(f"2026-09-30T1{i}:30"))
        assert session.get(Complaint, c.id).assignee == "h2"


def test_auto_assign_on_register_assigns_and_notifies(session):
    config.set_value(session=session, actor=ADMIN, key="assign.auto_on_register", value="true")
    c = register(session, CLERK, received="2026-09-30T10:00")
    assert c.status == "assigned" and c.assignee == "h1"
    events = [(n.event, n.recipient) for n in session.exec(
        select(Notification).where(Notification.number == c.number).order_by(Notification.id))]
    assert events == [("registered", "sup"), ("assigned", "h1")]


# --- sla check ---------------------------------------------------------------------------------


def test_sla_check_warns_at_50_and_80_percent_then_escalates_and_is_idempotent(session):
    c = investigating(session, received="2026-03-01T09:00")  # due 16 Mar 23:59:59
    first = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-05T09:00"))
    assert first.warnings == []
    at_half = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-09T09:00"))
    assert at_half.warnings == [{"number": c.number, "level": 50}]
    subjects = {n.subject for n in session.exec(select(Notification).where(
        Notification.event == "warning"))}
    assert subjects == {f"[complaintctl] {c.number}: 50% of the time allowed is used; "
                        "due 2026-03-16 23:59"}
    again = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-09T09:00"))
    assert again.warnings == [] and again.escalations == [] and again.notifications == 0
    eighty = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-14T09:00"))
    assert eighty.warnings == [{"number": c.number, "level": 80}]
    late = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-17T09:00"))
    assert late.warnings == [{"number": c.number, "level": "overdue"}]
    assert late.escalations == [{"number": c.number, "level": 1}]
    later = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-20T09:00"))
    assert later.escalations == [{"number": c.number, "level": 2}]
    stored = session.get(Complaint, c.id)
    assert (stored.warned_percent, stored.escalation_level) == (100, 2)
    counted = len(session.exec(select(Notification)).all())
    assert sla.check(session=session, actor=ADMIN, as_of=t("2026-03-20T09:00")).notifications == 0
    assert len(session.exec(select(Notification)).all()) == counted
    overdue = session.exec(select(Notification).where(Notification.event == "overdue")).all()
    assert sorted(n.recipient for n in overdue) == ["h1", "sup"]


def test_a_paused_clock_gets_no_new_warnings_while_paused(session):
    c = investigating(session, received="2026-03-01T09:00")
    pauses.pause(session=session, actor=H1, number=c.number, reason=PauseReason.appraisal,
                customer_notified_via=ContactVia.phone, at=t("2026-03-02T09:00"))
    report = sla.check(session=session, actor=ADMIN, as_of=t("2026-04-30T09:00"))
    assert report.warnings == []
    assert queries.list_complaints(session=session, actor=ADMIN,
                                   filters=queries.Filters(overdue=True)) == []


def test_an_extension_withdraws_warnings_that_no_longer_hold(session):
    c = investigating(session, received="2026-03-01T09:00")
    sla.check(session=session, actor=ADMIN, as_of=t("2026-03-14T09:00"))
    assert session.get(Complaint, c.id).warned_percent == 80
    approvals.extend(session=session, actor=SUP, number=c.number, level=1, reason="complex",
                 at=t("2026-03-14T10:00"))
    assert session.get(Complaint, c.id).warned_percent == 0
    assert sla.check(session=session, actor=ADMIN, as_of=t("2026-03-17T09:00")).warnings == [
        {"number": c.number, "level": 50}]


def test_a_handler_of_deadlines_checked_runs_in_the_same_transaction(session):
    from complaintctl.domain.events import DeadlinesChecked
    from complaintctl.services.core import bus

    seen = []

    def hook(s, event):
        assert s is session
        seen.append((event.actor.username, event.as_of))
        event.report.hooks["test"] = "ran"

    bus.subscribe(DeadlinesChecked, hook)
    try:
        report = sla.check(session=session, actor=ADMIN, as_of=t("2026-03-14T09:00"))
    finally:
        bus.unsubscribe(DeadlinesChecked, hook)
    assert seen == [("admin", t("2026-03-14T09:00"))] and report.hooks["test"] == "ran"
    assert set(report.hooks) == {"test", "emergency"}  # the emergency plan rides here too


# --- notifications are queued with the event, without personal data -----------------------------


def test_registration_queues_a_notice_to_the_branch_supervisors_without_personal_data(session):
    c = register(session, CLERK, received="2026-09-30T10:00", customer="张伟",
                 phone="13812345678", summary="张伟的信用卡年费重复扣收")
    notes = session.exec(select(Notification).where(Notification.number == c.number)).all()
    assert [(n.event, n.recipient, n.address) for n in notes] == [
        ("registered", "sup", "sup@bank.example")]
    text = notes[0].subject + notes[0].body
    assert c.number in text and "2026-10-15 23:59:59" in text
    for secret in ("张伟", "13812345678", "5678", "年费"):
        assert secret not in text


def test_a_refused_action_queues_nothing(session):
    c = register(session, CLERK, received="2026-09-30T10:00")
    before = len(session.exec(select(Notification)).all())
    assignment.add_conflict(session=session, actor=ADMIN, username="h1", kind="branch",
                            value="BJ01")
    with pytest.raises(PermissionDenied):
        handling.assign(session=session, actor=SUP, number=c.number, to="h1", at=t("2026-09-30T11:00"))
    assert len(session.exec(select(Notification)).all()) == before


def test_a_config_change_that_moves_deadlines_recomputes_stored_due_times(session):
    from zoneinfo import ZoneInfo

    c = register(session, CLERK, received="2026-09-17T10:00")
    before = c.due_at
    assert local(before).date() == date(2026, 10, 2)
    result = config.set_value(session=session, actor=ADMIN, key="timezone", value="Europe/London")
    after = session.get(Complaint, c.id).due_at
    assert result["due_changed"] == [c.number]
    assert after.astimezone(ZoneInfo("Europe/London")).isoformat() == "2026-10-02T23:59:59+01:00"
    assert after - before == timedelta(hours=7)
    assert explain.explain(session=session, actor=ADMIN, number=c.number)["agrees"] is True


def test_an_extension_into_2027_counts_new_years_day_as_a_calendar_day(session):
    c = investigating(session, received="2026-11-20T10:00")
    approvals.extend(session=session, actor=ADMIN, number=c.number, level=1, reason="complex",
                 at=t("2026-11-21T10:00"))
    approvals.extend(session=session, actor=ADMIN, number=c.number, level=2, reason="very",
                 customer_notified_via=ContactVia.letter, at=t("2026-11-21T11:00"))
    data = agrees(session, c.number)
    assert data["due_at"] == "2027-01-19T23:59:59+08:00"  # 60 days after 20 Nov
    assert "2027-01-01" in [h["date"] for h in data["holidays"]]


def test_a_deadline_in_a_year_without_an_official_schedule_is_flagged(session, tmp_path):
    # 2035: no holidays release will have that year's published schedule for years (2027 is
    # statutory-only in holidays 0.109, but a later release may add it)
    rules = tmp_path / "rules.toml"
    rules.write_text('profile = "long"\n[profiles.long]\ndecision = "3000 calendar days"\n'
                     'extensions = []\n',
                     encoding="utf-8")
    config.load_file(session=session, actor=ADMIN, path=rules)
    c = register(session, CLERK, received="2026-11-20T10:00")
    data = agrees(session, c.number)
    assert data["due_at"] == "2035-02-06T23:59:59+08:00"
    flagged = [s["explanation"] for s in data["steps"] if s["step"] == "calendar"]
    assert len(flagged) == 1 and "2035" in flagged[0] and "statutory rule only" in flagged[0]
