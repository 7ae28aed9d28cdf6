"""Statistics for regulators and for improvement: root-causes, and regulatory (JR/T 0169 A/B/C
tables, the FCA-style complaints return, the CFPB-style timely-response rate)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select

from complaintctl.domain import period as periods
from complaintctl.domain.classification import UNCLASSIFIED, CodeTable
from complaintctl.i18n import _, language
from complaintctl.store.models import Rectification, RectificationComplaint
from complaintctl.services.reporting.reports.base import (
    Chart,
    Column,
    Report,
    Scope,
    Table,
    amount,
    ratio,
    zero,
)
from complaintctl.services.reporting.reports.counts import conditions
from complaintctl.services.reporting.reports.quality import MONETARY
from complaintctl.services.reporting.reports.sql import (
    C,
    REMEDY,
    ROOT,
    UNDECIDED_STATUSES,
    between,
    check_dimension,
    count_case,
    decision_due,
    decisions,
    grouped,
    int_sum,
    lookup,
    open_at,
)
from complaintctl.services.reporting.rootcause import ACTIVE_RECTIFICATION, code_table

RECT = Rectification.__table__
LINKS = RectificationComplaint.__table__
FCA_WINDOW_DAYS = 60  # receipts older than this before the period are "later" whatever happens
FCA_BUSINESS_DAYS = 3
FCA_WEEKS = 8


# --- root causes ---------------------------------------------------------------------------------


def root_causes(session, scope: Scope) -> Report:
    """Complaints closed in the period by root cause, with the rectification actions on them."""
    check_dimension(scope.by, ("root_cause",))
    table = code_table(session)
    where = [between(C.c.closed_at, scope.start, scope.end), *conditions(scope)]
    source = C.outerjoin(ROOT, ROOT.c.complaint_id == C.c.id)
    data = grouped(session, "root_cause", source, where, {"closed": func.count()},
                   dim_column=ROOT.c.code)
    linked = session.execute(
        select(ROOT.c.code, LINKS.c.rectification_id).distinct()
        .select_from(source.join(LINKS, LINKS.c.complaint_id == C.c.id)).where(*where)
    ).all()
    actions = {row.id: row for row in session.execute(select(RECT))}
    per_code: dict[Any, set[int]] = {}
    for code, action_id in linked:
        per_code.setdefault(code, set()).add(action_id)
    for action in actions.values():  # an action on no cause is not "(not classified)"'s
        if action.cause is not None and action.cause in data:
            per_code.setdefault(action.cause, set()).add(action.id)
    total = sum(zero(f["closed"]) for f in data.values())
    rows = []
    for code in sorted(data, key=lambda c: (c is None, c or "")):
        ids = sorted(per_code.get(code, set()))
        mine = [actions[i] for i in ids if i in actions]
        rows.append({
            "root_cause": code, "name": table.name(code, language()),
            "closed": data[code]["closed"], "share": ratio(data[code]["closed"], total),
            "actions": ids,
            "actions_open": sum(1 for a in mine if a.status in ACTIVE_RECTIFICATION),
            "actions_overdue": sum(1 for a in mine if a.status in ACTIVE_RECTIFICATION
                                   and a.due_on < scope.today),
            "actions_done": sum(1 for a in mine if a.status == "done"),
        })
    classified = sum(r["closed"] for r in rows if r["root_cause"] is not None)
    totals = {"closed": total, "classified": classified,
              "classified_rate": ratio(classified, total),
              "actions": len({i for r in rows for i in r["actions"]})}
    columns = [Column("root_cause", _("Root cause"), "text"), Column("name", _("Name"), "text"),
               Column("closed", _("Closed")), Column("share", _("Share"), "rate"),
               Column("actions", _("Actions"), "list"), Column("actions_open", _("Open")),
               Column("actions_overdue", _("Overdue")), Column("actions_done", _("Done"))]
    return Report("root-causes", _("Root causes of closed complaints"), scope.period,
                  "root_cause", [Table("root-causes", _("Root causes of closed complaints"),
                                       columns, rows, totals, Chart("bar", "name", ("closed",)))],
                  scope.as_of)


# --- regulatory ----------------------------------------------------------------------------------


def _rolled_up(table: CodeTable, dimension: str, counts: dict[str, dict[str, int]],
               keys: list[str]) -> list[dict[str, Any]]:
    """One row per code of the dimension, each parent carrying the sum of its children."""
    sums: dict[str, dict[str, int]] = {c.code: {k: 0 for k in keys} for c in table.of(dimension)}
    for code, figures in counts.items():
        seen = set()
        while code in sums and code not in seen:
            seen.add(code)
            for k in keys:
                sums[code][k] += figures.get(k, 0)
            code = table.codes[code].parent or ""
    rows = [{"code": c.code, "name": table.name(c.code, language()), "level": _depth(table, c.code),
             **sums[c.code]} for c in table.of(dimension)]
    unclassified = {k: v for k, v in counts.get(UNCLASSIFIED, {}).items()}
    if any(unclassified.values()):
        rows.append({"code": UNCLASSIFIED, "name": table.name(UNCLASSIFIED), "level": 1,
                     **{k: unclassified.get(k, 0) for k in keys}})
    return rows


def _depth(table: CodeTable, code: str) -> int:
    depth, seen = 1, {code}
    while (parent := table.codes[code].parent) and parent not in seen:
        depth, code = depth + 1, parent
        seen.add(code)
    return depth


def _jrt(session, scope: Scope, table: CodeTable) -> list[Table]:
    where = conditions(scope)
    keys = ["received", "closed"]

    def by_column(column, mapper, source=C):
        data: dict[str, dict[str, int]] = {}
        received = grouped(session, "x", source, [between(C.c.received_at, scope.start,
                                                         scope.end), *where],
                           {"received": func.count()}, dim_column=column)
        closed = grouped(session, "x", source, [between(C.c.closed_at, scope.start, scope.end),
                                                *where], {"closed": func.count()},
                         dim_column=column)
        for part in (received, closed):
            for value, figures in part.items():
                bucket = data.setdefault(mapper(value), {k: 0 for k in keys})
                for k, v in figures.items():
                    bucket[k] += zero(v)
        return data

    a = by_column(C.c.channel, table.a_code)
    b = by_column(C.c.product, table.b_code)
    c = by_column(ROOT.c.code, lambda code: code if table.is_cause(code or "") else UNCLASSIFIED,
                  C.outerjoin(ROOT, ROOT.c.complaint_id == C.c.id))
    columns = [Column("code", _("Code"), "text"), Column("name", _("Name"), "text"),
               Column("received", _("Received")), Column("closed", _("Closed"))]
    out = []
    for name, title, dimension, data in (
        ("jrt_a", _("JR/T 0169 A: business channel"), "A", a),
        ("jrt_b", _("JR/T 0169 B: business category"), "B", b),
        ("jrt_c", _("JR/T 0169 C: cause (root cause of closed complaints)"), "C", c),
    ):
        rows = _rolled_up(table, dimension, data, keys)
        totals = {k: sum(f[k] for f in data.values()) for k in keys}
        out.append(Table(name, title, columns, rows, totals,
                         Chart("bar", "code", ("received",))))
    return out


def _fca(session, scope: Scope) -> Table:
    """The FCA-style return by product: closed (a final decision sent) within 3 business days of
    receipt, within 8 weeks, or later; upheld share; redress paid; outstanding at the end."""
    where = conditions(scope)
    first = scope.period.start - timedelta(days=FCA_WINDOW_DAYS)
    days = [first + timedelta(days=i) for i in range((scope.period.end - first).days + 1)]
    bounds = [periods.local_midnight(day, scope.tz) for day in days]
    bounds.append(periods.local_midnight(days[-1] + timedelta(days=1), scope.tz))
    three = [periods.local_midnight(periods.add_business_days(day, FCA_BUSINESS_DAYS)
                                    + timedelta(days=1), scope.tz) for day in days]
    eight = [periods.local_midnight(day + timedelta(weeks=FCA_WEEKS, days=1), scope.tz)
             for day in days]
    d = decisions()
    decided_where = [between(d.c.decided_at, scope.start, scope.end), *where]
    source = C.join(d, d.c.complaint_id == C.c.id)
    time_type = C.c.received_at.type
    figures = grouped(session, "product", source, decided_where, {
        "closed": func.count(),
        "within_3": count_case(d.c.decided_at < lookup(C.c.received_at, bounds, three,
                                                       type_=time_type)),
        "within_8": count_case(d.c.decided_at < lookup(C.c.received_at, bounds, eight,
                                                       type_=time_type)),
        "upheld": count_case(C.c.outcome.in_(("upheld", "partially_upheld"))),
    })
    redress = grouped(session, "product", source.join(REMEDY, REMEDY.c.complaint_id == C.c.id),
                      [REMEDY.c.kind.in_(MONETARY), *decided_where],
                      {"redress_cents": int_sum(REMEDY.c.amount_cents)})
    received = grouped(session, "product", C, [between(C.c.received_at, scope.start, scope.end),
                                               *where], {"received": func.count()})
    o = open_at(scope.snapshot, where)
    outstanding = grouped(session, "product", C.join(o, o.c.id == C.c.id), [],
                          {"outstanding": func.count()})
    keys = sorted(set(figures) | set(redress) | set(received) | set(outstanding),
                  key=lambda k: (k is None, k or ""))
    counts = ["received", "closed", "closed_within_3_business_days", "closed_within_8_weeks",
              "closed_later", "upheld", "redress_cents", "outstanding"]
    rows, sums = [], {k: 0 for k in counts}
    for product in keys:
        f = {**figures.get(product, {}), **redress.get(product, {}),
             **received.get(product, {}), **outstanding.get(product, {})}
        closed, within_3, within_8 = zero(f.get("closed")), zero(f.get("within_3")), \
            zero(f.get("within_8"))
        raw = {"received": zero(f.get("received")), "closed": closed,
               "closed_within_3_business_days": within_3,
               "closed_within_8_weeks": within_8 - within_3, "closed_later": closed - within_8,
               "upheld": zero(f.get("upheld")), "redress_cents": zero(f.get("redress_cents")),
               "outstanding": zero(f.get("outstanding"))}
        for k in counts:
            sums[k] += raw[k]
        rows.append({"product": product, **_fca_row(raw)})
    columns = [Column("product", _("Product"), "text"), Column("received", _("Opened")),
               Column("closed", _("Closed")),
               Column("closed_within_3_business_days", _("≤ 3 business days")),
               Column("closed_within_8_weeks", _("≤ 8 weeks")), Column("closed_later", _("Later")),
               Column("upheld", _("Upheld")), Column("upheld_share", _("Upheld share"), "rate"),
               Column("redress_paid", _("Redress paid"), "money"),
               Column("outstanding", _("Outstanding"))]
    return Table("fca", _("FCA-style complaints return"), columns, rows, _fca_row(sums),
                 Chart("bar", "product", ("closed_within_3_business_days",
                                          "closed_within_8_weeks", "closed_later")))


def _fca_row(raw: dict[str, int]) -> dict[str, Any]:
    row = {k: v for k, v in raw.items() if k != "redress_cents"}
    row["upheld_share"] = ratio(raw["upheld"], raw["closed"])
    row["redress_paid"] = amount(raw["redress_cents"])
    return {k: row[k] for k in ("received", "closed", "closed_within_3_business_days",
                                "closed_within_8_weeks", "closed_later", "upheld",
                                "upheld_share", "redress_paid", "outstanding")}


def _cfpb(session, scope: Scope) -> Table:
    """The CFPB-style timely-response rate of complaints received in the period, by product.

    An imported complaint that carries the CFPB's "Timely response?" counts as it says; any
    other is timely when decided by its due time, untimely when decided later or still
    undecided past it, and not yet known otherwise."""
    d = decisions()
    decided_at = d.c.decided_at
    undecided_late = C.c.status.in_(UNDECIDED_STATUSES) & (C.c.due_at < scope.as_of)
    due = decision_due()
    timely = (decided_at.is_not(None) & (decided_at <= due))
    untimely = or_(decided_at.is_not(None) & (decided_at > due),
                   decided_at.is_(None) & undecided_late)
    stored = C.c.get("timely_response")  # the CFPB's own answer, kept by the importer
    if stored is not None:
        timely = or_(stored.is_(True), stored.is_(None) & timely)
        untimely = or_(stored.is_(False), stored.is_(None) & untimely)
    data = grouped(session, "product", C.outerjoin(d, d.c.complaint_id == C.c.id),
                   [between(C.c.received_at, scope.start, scope.end), *conditions(scope)],
                   {"received": func.count(), "timely": count_case(timely),
                    "untimely": count_case(untimely)})
    rows, sums = [], {"received": 0, "timely": 0, "untimely": 0}
    for product in sorted(data, key=lambda k: (k is None, k or "")):
        raw = {k: zero(data[product].get(k)) for k in sums}
        for k in sums:
            sums[k] += raw[k]
        rows.append({"product": product, **_cfpb_row(raw)})
    columns = [Column("product", _("Product"), "text"), Column("received", _("Received")),
               Column("responses", _("Known")), Column("timely", _("Timely")),
               Column("timely_response_rate", _("Timely rate"), "rate")]
    return Table("cfpb", _("CFPB-style timely response"), columns, rows, _cfpb_row(sums),
                 Chart("bar", "product", ("timely",)))


def _cfpb_row(raw: dict[str, int]) -> dict[str, Any]:
    responses = raw["timely"] + raw["untimely"]
    return {"received": raw["received"], "responses": responses, "timely": raw["timely"],
            "timely_response_rate": ratio(raw["timely"], responses)}


def _repeats(session, scope: Scope) -> Table:
    """The repeat-complaint rate of complaints received in the period by branch and product:
    the share that repeat a matter already decided (``repeat_of``; CBIRC Art 18)."""
    query = (select(C.c.branch, C.c.product, func.count().label("received"),
                    count_case(C.c.repeat_of.is_not(None)).label("repeats"))
             .where(between(C.c.received_at, scope.start, scope.end), *conditions(scope))
             .group_by(C.c.branch, C.c.product))
    found = sorted(session.execute(query).all(),
                   key=lambda r: (r.branch is None, r.branch or "", r.product is None,
                                  r.product or ""))
    rows = [{"branch": r.branch, "product": r.product, "received": int(r.received),
             "repeats": int(r.repeats or 0), "repeat_rate": ratio(r.repeats or 0, r.received)}
            for r in found]
    received, repeats = sum(r["received"] for r in rows), sum(r["repeats"] for r in rows)
    columns = [Column("branch", _("Branch"), "text"), Column("product", _("Product"), "text"),
               Column("received", _("Received")), Column("repeats", _("Repeats")),
               Column("repeat_rate", _("Repeat rate"), "rate")]
    return Table("repeats", _("Repeat complaints"), columns, rows,
                 {"received": received, "repeats": repeats,
                  "repeat_rate": ratio(repeats, received)})


def regulatory(session, scope: Scope) -> Report:
    """The quarterly statistics: JR/T 0169 A, B, C tables; the FCA return; the CFPB rate;
    the repeat-complaint rate by branch and product."""
    check_dimension(scope.by, ())
    table = code_table(session)
    tables = _jrt(session, scope, table) + [_fca(session, scope), _cfpb(session, scope),
                                            _repeats(session, scope)]
    return Report("regulatory", _("Regulatory statistics"), scope.period, None, tables,
                  scope.as_of, notes=[table.title])
