"""What the complaint commands say when a change is done."""

from __future__ import annotations

from complaintctl.i18n import format_datetime, label


def announce(template: str, complaint, *, due: bool = False, tz=None) -> None:
    """Say what a command did to ``complaint``: ``template`` may name its {number}, {status},
    {assignee}, {into} and, with ``due``, its decision {due} time in the bank's zone (or ``tz``)."""
    from complaintctl.present import render

    extra = {}
    if due:
        from complaintctl.domain.clock import bank_tz, iso

        extra["due"] = format_datetime((iso(complaint.due_at, tz or bank_tz()) or "")[:16])
    render.message(template.format(number=complaint.number, status=label(complaint.status),
                                   assignee=complaint.assignee, into=complaint.merged_into,
                                   **extra))
