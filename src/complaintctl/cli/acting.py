"""The one way a command calls a use case: a session (a write transaction unless ``write`` is
False), the acting member of staff resolved in it, and ``--at`` read in the bank's time zone."""

from __future__ import annotations

from typing import Any

import typer

from complaintctl.cli.common import state

TIMES = frozenset({"at", "as_of"})  # the options read as a time in the bank's zone


def call(ctx: typer.Context, use_case, *, write: bool = True, **arguments: Any):
    """``use_case(session=..., actor=..., **arguments)`` in its own session; an ``at`` or
    ``as_of`` among the arguments is the text of ``--at`` or ``--as-of``, parsed once the actor
    is known."""
    st = state(ctx)
    with st.session(write=write) as session:
        actor = st.actor(session)
        for name in TIMES.intersection(arguments):
            arguments[name] = st.at(session, arguments[name])
        return use_case(session=session, actor=actor, **arguments)
