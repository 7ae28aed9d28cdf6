"""the database enforces it too (issue 18): an append-only audit trail, one sanctioned erasure,
and (PostgreSQL) row-level security by branch

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Both back ends: UPDATE of an event's hashed columns and DELETE of an event are refused by the
database itself; the only change an event may take is the erasure of its personal data (and
its detachment from a removed complaint), and only inside the sanctioned path, which is open
only while a guard is set in the erasing transaction: on SQLite a ``setting`` row
(``audit.erasing``) that the erasure inserts and deletes again in its own transaction, on
PostgreSQL a transaction-local setting that only ``complaintctl_erase_personal`` (SECURITY
DEFINER) sets, after checking that the purge or undo that calls it is already on the chain in
this transaction. The chain head may only move forward and never be deleted; TRUNCATE of either
is refused (PostgreSQL).

PostgreSQL also gets row-level security on the complaint and the tables that carry its
personal data: a row is visible (and writable) only when the transaction's
``complaintctl.branches`` setting reaches its branch (``*``: every branch; unset: none). The
tables' owner is exempt (PostgreSQL's rule), so nothing changes until `complaintctl db harden`
makes the application connect as a role that does not own them. Frozen: never import the
models here.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REFUSED = ("the audit trail is append-only: events cannot be changed or deleted "
           "(complaintctl purge is the one sanctioned erasure)")
HEAD_REFUSED = "the audit chain head only moves forward and cannot be deleted"
#: the columns the chain's hashes cover or link: never changed, guard or not
HASHED = ("id", "seq", "number", "kind", "action", "actor", "at", "recorded_at", "from_status",
          "to_status", "details", "personal_digest", "prev_hash", "hash")
#: tables that carry a complaint's personal data, keyed by complaint_id (NULL: not a
#: complaint's row, visible to any transaction that has an actor)
CHILDREN = {"contact": False, "consultation": False, "evidence": False, "remedy": False,
            "complaint_tag": False, "pause": False, "approval": False,
            "notification": True, "event": True}
SQLITE_TRIGGERS = ("event_append_only_update", "event_hashed_columns_frozen",
                   "event_append_only_delete", "audit_head_forward_only",
                   "audit_head_not_deleted")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    elif op.get_bind().dialect.name == "postgresql":
        _postgresql()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table, _nullable in CHILDREN.items():
        op.execute(f"DROP POLICY IF EXISTS complaintctl_branches ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP POLICY IF EXISTS complaintctl_branches ON complaint")
    op.execute("ALTER TABLE complaint DISABLE ROW LEVEL SECURITY")
    for trigger, table in (("event_append_only", "event"), ("event_no_truncate", "event"),
                           ("audit_head_forward_only", "audit_head"),
                           ("audit_head_no_truncate", "audit_head")):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in ("complaintctl_erase_personal(bigint, bigint[], text[], boolean)",
                     "complaintctl_event_guard()", "complaintctl_head_guard()",
                     "complaintctl_no_truncate()", "complaintctl_may_see(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")


def _sqlite() -> None:
    guard = "NOT EXISTS (SELECT 1 FROM setting WHERE key = 'audit.erasing')"
    hashed = ", ".join(HASHED)
    op.execute(f"""CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
        WHEN {guard} BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""")
    op.execute(f"""CREATE TRIGGER event_hashed_columns_frozen BEFORE UPDATE OF {hashed} ON event
        BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""")
    op.execute(f"""CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
        BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""")
    op.execute(f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
        WHEN NEW.count < OLD.count OR NEW.id <> OLD.id
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}'); END""")
    op.execute(f"""CREATE TRIGGER audit_head_not_deleted BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}'); END""")


def _postgresql() -> None:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in HASHED)
    erasing = "coalesce(current_setting('complaintctl.erasing', true), '') <> 'on'"
    _row_guard("event_append_only", "event", "complaintctl_event_guard",
               f"{changed} OR {erasing}", REFUSED)
    _row_guard("audit_head_forward_only", "audit_head", "complaintctl_head_guard",
               "NEW.count < OLD.count OR NEW.id <> OLD.id", HEAD_REFUSED)
    op.execute(f"""
CREATE FUNCTION complaintctl_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege';
END $$""")
    for trigger, table in (("event_no_truncate", "event"),
                           ("audit_head_no_truncate", "audit_head")):
        op.execute(f"""CREATE TRIGGER {trigger} BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION complaintctl_no_truncate()""")
    _erase_function()
    _row_level_security()


def _row_guard(trigger: str, table: str, function: str, refused_when: str,
               message: str) -> None:
    """A BEFORE UPDATE OR DELETE trigger refusing every DELETE and the updates
    ``refused_when`` describes, with ``message``."""
    op.execute(f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR {refused_when} THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$""")
    op.execute(f"""CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}()""")


def _erase_function() -> None:
    """The one sanctioned change of events: erase personal data (and detach, for an import
    undo) of the given complaints' events, only when the purge or undo doing it is already on
    the chain in this transaction (its event's row was written by this transaction)."""
    op.execute("""
CREATE FUNCTION complaintctl_erase_personal(p_seq bigint, p_ids bigint[], p_numbers text[],
                                            p_detach boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM event WHERE seq = p_seq AND kind = 'admin'
                   AND action IN ('purge', 'import undo')
                   AND xmin::text = (txid_current() % 4294967296)::text) THEN
        RAISE EXCEPTION 'complaintctl_erase_personal: event % is not a purge or an import undo '
                        'recorded in this transaction', p_seq
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('complaintctl.erasing', 'on', true);
    UPDATE event SET personal = NULL,
                     complaint_id = CASE WHEN p_detach THEN NULL ELSE complaint_id END
     WHERE complaint_id = ANY(p_ids) OR number = ANY(p_numbers);
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('complaintctl.erasing', '', true);
    RETURN changed;
END $$""")
    op.execute("REVOKE ALL ON FUNCTION complaintctl_erase_personal(bigint, bigint[], text[], "
               "boolean) FROM PUBLIC")


def _row_level_security() -> None:
    op.execute("""
CREATE FUNCTION complaintctl_may_see(p_branch text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE coalesce(current_setting('complaintctl.branches', true), '')
        WHEN '' THEN false
        WHEN '*' THEN true
        ELSE p_branch = ANY(string_to_array(current_setting('complaintctl.branches', true),
                                            chr(31)))
    END $$""")
    op.execute("ALTER TABLE complaint ENABLE ROW LEVEL SECURITY")
    op.execute("""CREATE POLICY complaintctl_branches ON complaint
        USING (coalesce(complaintctl_may_see(branch), false))""")
    reachable = "EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id)"
    for table, nullable in CHILDREN.items():
        rule = (f"(complaint_id IS NULL AND "
                f"coalesce(current_setting('complaintctl.branches', true), '') <> '') "
                f"OR {reachable}") if nullable else reachable
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY complaintctl_branches ON {table} USING ({rule})")
