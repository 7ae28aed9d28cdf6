"""Working a complaint through: assign, contact, investigate, note, consult and answer."""

from __future__ import annotations

from typing import Annotated

import typer

from complaintctl.cli.acting import call
from complaintctl.cli.common import At, LateReason, Number, state
from complaintctl.cli.complaints.message import announce
from complaintctl.cli.completion import staff_names
from complaintctl.domain.enums import ContactVia, Direction
from complaintctl.errors import UsageProblem
from complaintctl.i18n import _


def assign(ctx: typer.Context, number: Number,
           to: Annotated[str | None, typer.Option("--to", help=_("The handler's user name."), metavar="USER", autocompletion=staff_names)] = None,
           auto: Annotated[bool, typer.Option("--auto", help=_("The branch handler with the fewest open complaints."))] = False,
           at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import assignment, handling

    st = state(ctx)
    with st.session(write=True) as session:
        who = st.actor(session)
        if (to is None) == (not auto):
            raise UsageProblem(_("Missing option '--to' (or pass --auto, not both)."))
        if auto:
            c = assignment.assign_auto(session=session, actor=who, number=number,
                                       at=st.at(session, at))
        else:
            c = handling.assign(session=session, actor=who, number=number, to=to,
                                  at=st.at(session, at))
    announce(_("{number} assigned to {assignee}."), c)


def contact(
    ctx: typer.Context, number: Number,
    via: Annotated[ContactVia, typer.Option(help=_("How the customer was contacted."))],
    summary: Annotated[str, typer.Option(help=_("What was said."))],
    direction: Annotated[Direction, typer.Option(help=_("out: we contacted them; in: they contacted us."))] = Direction.out,
    at: At = None,
    late_reason: LateReason = None,
) -> None:
    from complaintctl.services.complaints import handling

    c = call(ctx, handling.contact,
             number=number, via=via, summary=summary, direction=direction, at=at)
    announce(_("Contact logged on {number}."), c)


def investigate(ctx: typer.Context, number: Number,
        at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import handling

    c = call(ctx, handling.investigate, number=number, at=at)
    announce(_("{number} is now {status}."), c)


def note(ctx: typer.Context, number: Number,
         text: Annotated[str, typer.Argument(help=_("The note (internal, never sent)."))],
         at: At = None, late_reason: LateReason = None) -> None:
    from complaintctl.services.complaints import handling

    c = call(ctx, handling.note, number=number, text=text, at=at)
    announce(_("Note added to {number}."), c)


def consult(
    ctx: typer.Context, number: Number,
    department: Annotated[str, typer.Option(help=_("The department asked."))],
    question: Annotated[str, typer.Option(help=_("What they are asked."))],
    at: At = None,
    late_reason: LateReason = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import handling

    q = call(ctx, handling.consult, number=number, department=department, question=question, at=at)
    render.message(_("Consultation {id} sent to {department}; record the reply with "
                     "`complaintctl answer {number} {id} TEXT`.").format(
        id=q.seq, department=q.department, number=number.strip().upper()))
    print(q.seq)


def answer(
    ctx: typer.Context, number: Number,
    consultation: Annotated[int, typer.Argument(help=_("The consultation's number within the complaint: 1 for its first question (see show)."), metavar="N")],
    text: Annotated[str, typer.Argument(help=_("The department's answer."))],
    at: At = None,
    late_reason: LateReason = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.complaints import handling

    q = call(ctx, handling.answer, number=number, consultation_id=consultation, text=text, at=at)
    render.message(_("Answer from {department} recorded.").format(department=q.department))
