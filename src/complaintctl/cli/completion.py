"""Shell completion of complaint numbers and staff user names (issue 22): Typer's
``autocompletion=`` hooks of the ``NUMBER`` and ``USER`` arguments and options.

A hook reads the database named by ``--db`` (or COMPLAINTCTL_DB) as the user who would run the
command: the signed-in session or API token when the database requires sign-in, else ``--as``
or the OS login (as ``State.username`` reads them), with that user's branches (``services.complaints.completion``). It never
upgrades a database, never says anything on stdout or stderr besides the candidates, and on any
error (no database, not signed in, a refusal, a database down) it offers nothing: the shell
then falls back to its own completion.
"""

from __future__ import annotations

import contextlib
import getpass
import io
from collections.abc import Callable
from typing import Any

import typer

#: ``--assignee``'s word for the member of staff acting (``queries.ME``, kept light here)
ME = "@me"


def complaint_numbers(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The complaint numbers that begin with ``incomplete``, each with its status."""
    return _quietly(ctx, lambda completion, session, actor: completion.numbers(
        session=session, actor=actor, typed=incomplete))


def staff_names(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The active members of staff whose user name begins with ``incomplete``."""
    return _quietly(ctx, lambda completion, session, actor: completion.staff_names(
        session=session, actor=actor, typed=incomplete))


def assignees(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """``--assignee``: ``@me``, then the staff names."""
    from complaintctl.i18n import _

    mine = [(ME, _("you"))] if ME.startswith(incomplete) else []
    return mine + ([] if incomplete.startswith("@") else staff_names(ctx, incomplete))


def _quietly(ctx: typer.Context, lookup: Callable[..., list[Any]]) -> list[Any]:
    """``lookup``'s candidates, with stdout and stderr held back and any error swallowed."""
    import warnings

    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _looked_up(ctx, lookup)
    except Exception:  # noqa: BLE001 - a completion offers nothing rather than fail
        return []


def _looked_up(ctx: typer.Context, lookup: Callable[..., list[Any]]) -> list[Any]:
    from complaintctl.services.admin.database import at_head, open_database
    from complaintctl.services.complaints import completion
    from complaintctl.services.identity import acting, session_file
    from complaintctl.settings import settings

    given = ctx.find_root().params
    named = given.get("as_user")
    named = named if named is not None else (settings.user or None)
    if named is not None and not named.strip():
        return []  # a blank --as names nobody (``State.username`` refuses it)
    user = named.strip() if named is not None else getpass.getuser()
    database = open_database(given.get("db"))
    try:
        if not database.exists() or not at_head(database):
            return []  # a completion never creates or upgrades a database
        with database.session() as session:
            found = acting.resolve(
                session, credential=lambda: settings.token or session_file.load(database.url),
                as_user=user if named is not None else None, default_user=user,
                command="complete")
            return lookup(completion, session, found.actor)
    finally:
        acting.end()
        database.close()
