"""The workspace's one door to the services: every screen asks a ``Workspace`` method, and each
method opens one session, resolves who acts exactly as the CLI does (the ``runner``: the CLI's
state, a session or token proving the actor, ``--as`` on a ``--no-auth`` database), calls ONE
service function and returns its data. Refusals and invalid data propagate as the errors'
sentences, which the screens show as they are (the CLI's words)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from complaintctl.tui.filterline import Query

#: the tabs of the queue and what each asks ``list`` for
TABS = ("mine", "branch", "unassigned", "overdue", "soon")
#: "due soon": running clocks due within this (``list --due-within 2d``)
SOON = timedelta(days=2)
#: at most this many rows in a tab (the most urgent)
LIMIT = 300
#: the statuses a queue shows unless the filter line names others: work still to do
WORKING = ["registered", "assigned", "investigating", "under_review", "resolved"]


@dataclass
class Who:
    username: str
    role: str
    branch: str | None


class Workspace:
    """``runner``: an object with ``session(write=)``, ``actor(session)`` and a ``command``
    attribute (the CLI's ``State``). ``now``: the wall clock the countdown is drawn against
    (injectable, for tests and snapshots)."""

    def __init__(self, runner, *, now: Callable[[], datetime] | None = None):
        self.runner = runner
        self.now = now or (lambda: datetime.now(UTC))
        self._watcher = None
        self._zone = None

    # --- who acts ---------------------------------------------------------------------------

    def _call(self, command: str, use_case, *, write: bool, **arguments: Any):
        """``use_case(session=, actor=, **arguments)`` in a session of its own, as ``command``
        (the name a refusal gives, as the CLI's)."""
        self.runner.command = command
        with self.runner.session(write=write) as session:
            return use_case(session=session, actor=self.runner.actor(session), **arguments)

    def whoami(self) -> Who:
        with self.runner.session() as session:
            actor = self.runner.actor(session)
        return Who(actor.username, str(actor.role), actor.branch)

    # --- reading ----------------------------------------------------------------------------

    def queue(self, tab: str, query: Query, who: Who) -> list[dict[str, Any]]:
        """The rows of one tab with the filter line's options on top, most urgent first."""
        from complaintctl.domain.enums import SortKey
        from complaintctl.services.complaints import queries

        filters = queries.Filters(
            status=list(query.status) or ([] if query.overdue or query.due_within else WORKING),
            assignee=query.assignee, branch=query.branch, channel=list(query.channel),
            product=query.product, tag=list(query.tag), overdue=query.overdue,
            text=query.text, due_within=query.due_within)
        filters = _tab_filters(tab, filters, who)
        rows = self._call("list", queries.list_complaints, write=False, filters=filters,
                          sort=SortKey.urgency, limit=LIMIT)
        if tab == "unassigned":
            rows = [r for r in rows if not r.get("assignee")]
        return rows

    def show(self, number: str, *, unmask: bool = False, reason: str | None = None):
        from complaintctl.services.complaints import queries

        return self._call("show", queries.show, write=False, number=number, unmask=unmask,
                          reason=reason)

    def evidence(self, number: str) -> list[dict[str, Any]]:
        from complaintctl.services.complaints import handling

        return self._call("evidence list", handling.evidence_list, write=False, number=number)

    def opening_due(self, received_at: datetime | None) -> datetime:
        """When a complaint received at ``received_at`` (default now) is due to be decided:
        the opening clock ``register`` will give it."""
        from complaintctl.services.clock import state

        with self.runner.session() as session:
            return state.opening_clock(session).due(received_at or self.now())

    def zone(self):
        """The bank's time zone (read once)."""
        if self._zone is None:
            from complaintctl.services.core.context import timezone_of

            with self.runner.session() as session:
                self._zone = timezone_of(session)
        return self._zone

    # --- changing ---------------------------------------------------------------------------

    def act(self, command: str, use_case, **arguments: Any):
        """One lifecycle action in its own write transaction (the screens' forms)."""
        return self._call(command, use_case, write=True, **arguments)

    def register(self, new) -> Any:
        from complaintctl.services.complaints import registration

        return self._call("register", registration.register, write=True, new=new)

    def possible_repeats(self, new) -> list:
        """The customer's earlier complaints that ``new`` may repeat (read, nothing saved)."""
        from complaintctl.services.complaints import merging

        return self._call("register", merging.possible_repeats, write=False, new=new)

    def register_merged(self, new, into: str) -> Any:
        """Register ``new`` merged into the open complaint ``into`` (CBIRC Art 18)."""
        from complaintctl.services.complaints import merging

        return self._call("register", merging.register_merged, write=True, new=new,
                          into=into).complaint

    # --- other people's changes -------------------------------------------------------------

    def changed(self) -> bool:
        """True when someone committed a change since the last call."""
        from complaintctl.services.core.changes import Watcher

        if self._watcher is None:
            self._watcher = Watcher(self.runner.database())
        return self._watcher.changed()

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()


def _tab_filters(tab: str, filters, who: Who):
    """A tab's own condition on top of the filter line's."""
    if tab == "mine":
        return replace(filters, assignee=filters.assignee or who.username)
    if tab == "branch":
        return replace(filters, branch=filters.branch or who.branch)
    if tab == "unassigned":
        return replace(filters, status=filters.status if filters.status != WORKING
                       else ["registered"])
    if tab == "overdue":
        return replace(filters, overdue=True, status=[] if filters.status == WORKING
                       else filters.status)
    if tab == "soon":
        return replace(filters, due_within=filters.due_within or SOON,
                       status=[] if filters.status == WORKING else filters.status)
    return filters
