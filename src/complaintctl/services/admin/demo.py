"""A demo database built through the real services: staff, a dozen complaints across channels,
one in every status, one reopened, several in Chinese."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from complaintctl.store.db import Database
from complaintctl.domain.enums import Channel, ContactVia, Outcome, Role
from complaintctl.services.complaints import registration as svc
from complaintctl.services.complaints import decisions, handling
from complaintctl.services.admin import config, staff
from complaintctl.services.complaints.registration import NewComplaint, RemedyInput
from complaintctl.services.core.context import Actor

#: the demo's late-registration window: its history starts 20 days back
DEMO_LATE_WINDOW_DAYS = 30

STAFF = [
    ("wangfang", "王芳", Role.supervisor, "BJ01"),
    ("lihua", "李华", Role.handler, "BJ01"),
    ("chenjing", "陈静", Role.handler, "BJ01"),
    ("zhaolei", "赵磊", Role.clerk, "BJ01"),
    ("auditor", "Audit Office", Role.auditor, None),
]

COMPLAINTS = [
    # (channel, customer, phone, summary, product, amount, tags, target status)
    (Channel.counter, "张伟", "13812345678", "信用卡年费重复扣收", "credit_card", "300", [], "archived"),
    (Channel.phone, "刘洋", "13900001111", "转账延迟三天未到账", "payment", "5000", ["elderly"], "investigating"),
    (Channel.online, "Emily Clark", "13700002222", "Mobile app locked me out after update",
     "mobile_banking", None, [], "resolved"),
    (Channel.email, "王秀英", "13600003333", "理财产品风险未充分告知", "wealth", "200000",
     ["elderly", "vulnerable"], "closed"),
    (Channel.regulator, "陈明", "13500004444", "监管转办：贷款提前还款违约金争议", "loan", "12000",
     [], "assigned"),
    (Channel.letter, "黄丽", "13400005555", "柜台服务态度差", "savings", None, [], "registered"),
    (Channel.social_media, "周杰", "13300006666", "ATM 吞卡后长时间未退还", "debit_card", None,
     ["media"], "investigating"),
    (Channel.phone, "吴敏", "13200007777", "转账延迟未到账（重复投诉）", "payment", "5000", [], "merged"),
    (Channel.self_service, "郑强", "13100008888", "自助机存款未入账", "savings", "2000", [],
     "withdrawn"),
    (Channel.online, "Li Na [red]", "13000009999", "Foreign exchange fee not disclosed [bold]",
     "fx", "85.50", [], "reopened"),
    (Channel.counter, "孙燕", "15800001234", "贷款利率调整未通知", "loan", None, ["repeat"],
     "closed_disputed"),
    (Channel.fax, "Acme Trading Co.", "02161234567", "Letter of credit fee charged twice",
     "trade_finance", "1500", [], "assigned"),
]


def build(db: Database, *, now: datetime | None = None) -> list[str]:
    """Fill ``db`` (already created) and return the complaint numbers in order."""
    now = now or datetime.now(timezone.utc)
    with db.session(write=True) as session:
        staff.init_admin(session=session, username="admin", name="System Admin",
                         no_auth=True)  # the demo is a --no-auth database
        admin = Actor("admin", Role.admin, None, "System Admin")
        # the made-up history runs 20 days back: within the demo's late window (a real
        # database keeps the default, 7 days; older times need --late-reason)
        config.set_value(session=session, actor=admin, key="clock.late_window_days",
                         value=str(DEMO_LATE_WINDOW_DAYS))
        for username, name, role, branch in STAFF:
            staff.add(session=session, actor=admin, username=username, name=name, role=role,
                      branch=branch, email=f"{username}@bank.example")
        sup = Actor("wangfang", Role.supervisor, "BJ01")
        clerk = Actor("zhaolei", Role.clerk, "BJ01")
        numbers: list[str] = []
        start = now - timedelta(days=20)
        for i, (channel, customer, phone, summary, product, amount, tags, target) in enumerate(
            COMPLAINTS
        ):
            t = start + timedelta(days=i, hours=1)
            handler = Actor("lihua" if i % 2 == 0 else "chenjing", Role.handler, "BJ01")
            c = svc.register(
                session=session, actor=clerk, at=t,
                new=NewComplaint(
                    channel=channel, customer=customer, phone=phone, summary=summary,
                    product=product, amount=amount, tags=list(tags), branch="BJ01",
                    id_number=_id_number(f"11010519{60 + i:02d}0101{100 + i:03d}"),
                    account=f"6222020200{i:06d}",
                    description=f"{summary}。客户要求尽快处理并给予答复。",
                    received_at=t - timedelta(hours=2),
                    source_ref="CBIRC-BJ-2026-0815" if channel is Channel.regulator else None,
                    regulator_due=(t + timedelta(days=15)).date().isoformat()
                    if channel is Channel.regulator else None,
                ),
            )
            numbers.append(c.number)
            _advance(session, c.number, target, sup, handler, numbers, t)
        _emergency(session, sup, numbers, now)
    return numbers


def _emergency(session, sup, numbers, now) -> None:
    """One incident (declared by hand on the ATM complaint in the media) and one simulated
    drill, so `incident list`, `incident report 1` and `drill report 1` have something."""
    from complaintctl.domain.drill import Delays, Scenario
    from complaintctl.services.emergency import drills, incidents as emergency, incident_report

    t = now - timedelta(days=1)
    incident = emergency.declare(session=session, actor=sup, level=3, title="ATM 吞卡投诉在社交媒体传播",
                                 numbers=[numbers[6]], at=t)
    emergency.update(session=session, actor=sup, incident_id=incident.id,
                     action="网点负责人联系客户并安排退卡", at=t + timedelta(minutes=40),
                     fields={"place": "BJ01 网点自助区", "cause": "ATM 读卡器故障",
                             "nature": "社交媒体曝光", "customer_reaction": "客户情绪激动，要求道歉",
                             "trend": "转发量下降", "harm": "1 名客户，无资金损失", "amount": "0"})
    emergency.done(session=session, actor=sup, incident_id=incident.id, item="branch_team",
                   at=t + timedelta(hours=1))
    incident_report.report(session=session, actor=sup, incident_id=incident.id, issue="first",
                           at=t + timedelta(hours=2))
    drills.run(session=session, actor=sup, scenario=Scenario.media, level=4, simulate=True,
               delays=Delays(detect=8, first_contact=25, items={"daily_review": 1500}),
               at=now - timedelta(days=3))


def _advance(session, number, target, sup, handler, numbers, t) -> None:
    step = iter(range(1, 100))

    def at():
        return t + timedelta(hours=next(step))

    if target == "registered":
        return
    if target == "withdrawn":
        decisions.withdraw(session=session, actor=sup, number=number, reason="客户来电撤回投诉", at=at())
        return
    if target == "merged":
        decisions.merge(session=session, actor=sup, number=number, into=numbers[1], at=at())
        return
    handling.assign(session=session, actor=sup, number=number, to=handler.username, at=at())
    handling.contact(session=session, actor=handler, number=number, via=ContactVia.phone,
                summary="已致电客户，说明处理流程及预计答复时间", at=at())
    if target == "assigned":
        return
    handling.investigate(session=session, actor=handler, number=number, at=at())
    handling.note(session=session, actor=handler, number=number, text="已调取交易流水", at=at())
    q = handling.consult(session=session, actor=handler, number=number, department="运营管理部",
                    question="请核实该笔交易的处理记录", at=at())
    handling.answer(session=session, actor=handler, number=number, consultation_id=q.seq,
               text="系统记录显示存在重复处理", at=at())
    if target == "investigating":
        return
    decisions.resolve(
        session=session, actor=handler, number=number, outcome=Outcome.upheld,
        findings="核实属实：系统重复处理", reasons="同一笔交易被系统重复处理，客户多付了费用",
        basis="《银行卡章程》第五条；《银行业保险业消费投诉处理管理办法》第十九条",
        remedies=[RemedyInput.parse("apology"), RemedyInput.parse("compensation:100")],
        notified_via=ContactVia.phone, proof="CALL-20261101-01", at=at())
    if target == "resolved":
        return
    if target == "closed_disputed":
        decisions.close(session=session, actor=handler, number=number, satisfaction=2, disputed=True,
                  feedback="对赔偿金额不满意", at=at())
        return
    decisions.close(session=session, actor=handler, number=number, satisfaction=4,
              feedback="处理及时", at=at())
    if target == "reopened":
        decisions.reopen(session=session, actor=sup, number=number, reason="客户反映仍有一笔未退",
                   at=at())
        return
    if target == "archived":
        decisions.archive(session=session, actor=sup, number=number, at=at())


def _id_number(first17: str) -> str:
    """A demo customer's resident ID number: valid (GB 11643), its check digit computed."""
    from complaintctl.domain.identity import check_digit

    return first17 + check_digit(first17)
