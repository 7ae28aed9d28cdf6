"""What the database itself enforces (migration 0010), seen from the code: the one sanctioned
change of audit events (``erase_personal``) and the branches a transaction may reach under
PostgreSQL's row-level security (``apply_scope``).

The audit trail is append-only: triggers refuse UPDATE and DELETE of events on both back ends.
The one exception is erasing personal data (retention purge, import undo), which the chain
allows because it covers only the data's keyed digest. On PostgreSQL it goes through the
SECURITY DEFINER function ``complaintctl_erase_personal``, which first checks that the purge or
undo is already on the chain in this transaction; on SQLite through a guard row
(``setting.audit.erasing``) that the erasure inserts and deletes inside its own transaction,
which the triggers' WHEN clause looks for.
"""

from __future__ import annotations

from collections.abc import Iterable

#: the ``setting`` key whose row, present only inside an erasing transaction, opens SQLite's
#: triggers to the erasure
ERASING = "audit.erasing"
#: the transaction-local setting row-level security reads: ``*`` or the branch codes
BRANCHES_SETTING = "complaintctl.branches"
ALL_BRANCHES = "*"
SEPARATOR = "\x1f"  # between branch codes (chr(31) in the policy): no code contains it


def erase_personal(session, *, seq: int, ids: Iterable[int], numbers: Iterable[str] = (),
                   detach: bool = False) -> None:
    """Erase ``event.personal`` of the complaints ``ids`` (and of events naming ``numbers``);
    ``detach``: also unlink them from the complaints (they are being removed). ``seq``: the
    purge or undo event already recorded in this transaction."""
    from sqlalchemy import bindparam, text

    ids, numbers = [int(i) for i in ids], [str(n) for n in numbers]
    session.flush()  # the recording event must be in the database first
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY
        from sqlalchemy import BigInteger, String

        session.execute(text(
            "SELECT complaintctl_erase_personal(:seq, :ids, :numbers, :detach)").bindparams(
            bindparam("ids", type_=ARRAY(BigInteger)), bindparam("numbers", type_=ARRAY(String))),
            {"seq": seq, "ids": ids, "numbers": numbers, "detach": detach})
        return
    _erase_on_sqlite(session, ids, numbers, detach)


def _erase_on_sqlite(session, ids: list[int], numbers: list[str], detach: bool) -> None:
    from sqlalchemy import bindparam, text

    session.execute(text("INSERT INTO setting (key, value) VALUES (:key, 'on')"),
                    {"key": ERASING})
    detaching = ", complaint_id = NULL" if detach else ""
    session.execute(text(
        f"UPDATE event SET personal = NULL{detaching} "
        "WHERE complaint_id IN :ids OR number IN :numbers").bindparams(
        bindparam("ids", expanding=True), bindparam("numbers", expanding=True)),
        {"ids": ids, "numbers": numbers})
    session.execute(text("DELETE FROM setting WHERE key = :key"), {"key": ERASING})


def scope_value(branches: frozenset[str] | None) -> str:
    """The setting's value for ``branches`` (None: every branch)."""
    if branches is None:
        return ALL_BRANCHES
    return SEPARATOR.join(sorted(branches)) or SEPARATOR  # no branch at all: reaches none


def apply_scope(connection, value: str) -> None:
    """Set the branches this transaction may reach (PostgreSQL; nothing to do on SQLite)."""
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    connection.execute(text("SELECT set_config(:name, :value, true)"),
                       {"name": BRANCHES_SETTING, "value": value})


def limited_by_row_security(connection) -> bool:
    """Whether row-level security limits this connection's view of the complaints: on
    PostgreSQL, a role that neither owns the tables nor bypasses it (``db harden``'s
    application role). Always False on SQLite."""
    if connection.dialect.name != "postgresql":
        return False
    from sqlalchemy import text

    return bool(connection.execute(text(
        "SELECT c.relrowsecurity AND NOT r.rolsuper AND NOT r.rolbypassrls "
        "AND (c.relforcerowsecurity OR NOT pg_has_role(current_user, c.relowner, 'USAGE')) "
        "FROM pg_class c JOIN pg_roles r ON r.rolname = current_user "
        "WHERE c.oid = to_regclass('public.complaint')")).scalar())
