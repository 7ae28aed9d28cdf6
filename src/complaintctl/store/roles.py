"""PostgreSQL: the two roles of a hardened database (``complaintctl db harden``).

- the **owner** owns every table, sequence and function, and runs the migrations
  (``db upgrade``); as the owner it is exempt from row-level security, so no front-end should
  connect as it;
- the **application** role is what the CLI, the web console and the workspace connect as: full
  use of the ordinary tables, but on the audit trail only INSERT and SELECT of ``event``, and
  SELECT and UPDATE of ``audit_head`` (every append moves the head; the head is a cache of the
  chain's tip that ``audit verify`` checks against the events, and a trigger lets it only move
  forward). It may EXECUTE ``complaintctl_erase_personal`` (the owner's SECURITY DEFINER
  erasure) and nothing owner-like: no TRUNCATE, no DDL, no BYPASSRLS.

Passwords are encrypted on this side (libpq's PQencryptPasswordConn, the server's algorithm),
so they never travel or get logged in clear.
"""

from __future__ import annotations

#: the ordinary tables' privileges for the application role
ORDINARY = "SELECT, INSERT, UPDATE, DELETE"
#: per audit table: what the application role keeps (everything else is revoked)
AUDIT_TABLES = {"event": "SELECT, INSERT", "audit_head": "SELECT, UPDATE",
                "import_leaf": "SELECT, INSERT",  # a batch's Merkle leaves (issue 20)
                "alembic_version": "SELECT"}
ERASE = "complaintctl_erase_personal(bigint, bigint[], text[], boolean)"


def ensure_role(conn, name: str, password: str | None, *, app: bool) -> bool:
    """Create ``name`` as a login role (or make an existing one fit); True when created."""
    from psycopg import sql

    raw = conn.connection.dbapi_connection
    exists = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    attrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" + (" NOBYPASSRLS" if app else "")
    raw.execute(sql.SQL(f"{verb} ROLE {{}} {attrs}").format(sql.Identifier(name)))
    if password is not None:
        encrypted = raw.pgconn.encrypt_password(password.encode(), name.encode())
        raw.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(encrypted.decode())))
    return not exists


def hand_over(conn, owner: str, app: str) -> None:
    """Make ``owner`` own the database's objects and grant ``app`` what it may do."""
    from psycopg import sql

    raw = conn.connection.dbapi_connection
    database = raw.execute("SELECT current_database()").fetchone()[0]
    o, a, d = sql.Identifier(owner), sql.Identifier(app), sql.Identifier(database)

    def run(statement: str, *names) -> None:
        raw.execute(sql.SQL(statement).format(*names))

    run("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}, {}", d, o, a)
    run("GRANT USAGE, CREATE ON SCHEMA public TO {}", o)
    run("GRANT USAGE ON SCHEMA public TO {}", a)
    run("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {}", a)
    for (table,) in raw.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
        run("ALTER TABLE {} OWNER TO {}", sql.Identifier(table), o)
    for (signature,) in raw.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
            "AND p.proname LIKE 'complaintctl\\_%'").fetchall():
        run(f"ALTER FUNCTION {signature} OWNER TO {{}}", o)
    run("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {}", a)
    run(f"GRANT {ORDINARY} ON ALL TABLES IN SCHEMA public TO {{}}", a)
    for table, kept in AUDIT_TABLES.items():
        run("REVOKE ALL ON {} FROM {}", sql.Identifier(table), a)
        run(f"GRANT {kept} ON {{}} TO {{}}", sql.Identifier(table), a)
    run("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}", a)
    run(f"REVOKE ALL ON FUNCTION {ERASE} FROM PUBLIC")
    run(f"GRANT EXECUTE ON FUNCTION {ERASE} TO {{}}", a)
    # what later migrations (run by the owner) create: ordinary tables for the application
    run(f"ALTER DEFAULT PRIVILEGES FOR ROLE {{}} IN SCHEMA public GRANT {ORDINARY} ON TABLES "
        "TO {}", o, a)
    run("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON "
        "SEQUENCES TO {}", o, a)


def role_url(url: str, role: str) -> str:
    """``url`` connecting as ``role``, without a password (the role's own is given to the
    client separately: PGPASSWORD, ~/.pgpass, a service file)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=None).render_as_string(
        hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)
