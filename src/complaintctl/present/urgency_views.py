"""How ``urgency NUMBER`` looks: the score term by term, each term's reason in Chinese."""

from __future__ import annotations

from typing import Any

from complaintctl.i18n import N_, _, duration, format_amount, label, language
from complaintctl.present import render


#: The urgency terms' names under zh (English and JSON show the code, e.g. ``due``).
_URGENCY_TERMS = {
    "due": N_("due (urgency term)"), "priority": N_("priority (urgency term)"),
    "elderly": N_("elderly (urgency term)"), "vulnerable": N_("vulnerable (urgency term)"),
    "regulator": N_("regulator (urgency term)"), "group": N_("group (urgency term)"),
    "amount": N_("amount (urgency term)"), "reopened": N_("reopened (urgency term)"),
    "escalated": N_("escalated (urgency term)"), "paused": N_("paused (urgency term)"),
}


def _urgency_reason(t) -> str:
    """What a term rests on, in Chinese (English shows the term's ``because``, as JSON does)."""
    from complaintctl.domain import deadlines

    if t.name == "due":
        if t.detail is None:
            return _("no running clock (urgency)")
        span = duration(deadlines.humanize(abs(t.detail)))
        return (_("overdue by {t}") if t.detail < 0 else _("{t} left")).format(t=span)
    if t.name in ("priority", "regulator"):
        return (_("priority {value} (urgency)") if t.name == "priority"
                else _("channel {value} (urgency)")).format(
                    value=label(t.detail if t.name == "priority" else "regulator"))
    if t.name in ("elderly", "vulnerable"):
        return _("tagged {tag} (urgency)").format(tag=t.name)
    if t.name == "group":
        return _("{n} complainants (urgency)").format(n=t.detail)
    if t.name == "amount":
        amount, currency = t.detail
        return _("amount {amount} (urgency)").format(amount=format_amount(amount, currency))
    if t.name == "reopened":
        return _("reopened {n} times (urgency)").format(n=t.detail)
    if t.name == "escalated":
        return _("escalation level {level} (urgency)").format(level=t.detail)
    if t.name == "paused":
        return _("clock stopped (urgency)")
    return t.because


def urgency(data: dict[str, Any], found: list, fmt: str) -> None:
    """``urgency``: the score term by term. A term's value is its factor (0..1) times its
    coefficient (the configured weight); JSON keeps the codes and English ``because``."""
    zh = language() == "zh"
    rows = [{"term": _(_URGENCY_TERMS[t.name]) if zh and t.name in _URGENCY_TERMS else t.name,
             "because": _urgency_reason(t) if zh else t.because, "factor": t.factor,
             "coefficient": t.coefficient, "value": t.value} for t in found]
    rows.append({"term": _("urgency"), "value": data["urgency"]})
    # "Value" is 值 elsewhere (config show); here it is the term's share of the score
    value = _("Value (urgency table)") if zh else _("Value")
    columns = [("term", _("Term")), ("because", _("Because")), ("factor", _("Factor")),
               ("coefficient", _("Coefficient")), ("value", value)]
    render.emit(data, fmt, draw=lambda d: render.table(
        rows, columns,
        title=_("{number}: urgency {score}").format(number=d["number"], score=d["urgency"])))
