"""PostgreSQL: the server and its databases (whether the URL's database exists, creating it,
saying that the server cannot be reached). Asked of the server's ``postgres`` database."""

from __future__ import annotations

from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _
from complaintctl.store.engine import first_line


def maintenance_url(url: str) -> str:
    """``url`` with the server's ``postgres`` database in place of its own."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def database_exists(url: str, where: str) -> bool:
    """Whether the URL's database exists (``where``: the database as messages name it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    name = make_url(url).database
    engine = create_engine(maintenance_url(url), poolclass=NullPool,
                           connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            return bool(conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar())
    except OperationalError as error:
        raise unreachable(where, error) from None
    finally:
        engine.dispose()


def create_database(url: str) -> None:
    """Create the URL's database on its server (UTF-8), or say what the DBA should run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    name = make_url(url).database
    engine = create_engine(maintenance_url(url), poolclass=NullPool,
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"CREATE DATABASE {quoted} ENCODING 'UTF8'"))
    except DBAPIError as error:
        raise DatabaseProblem(
            _(
                "Could not create the database {name} ({problem}); ask your DBA to run "
                "`createdb {name}`, then run init again."
            ).format(name=name, problem=first_line(error))
        ) from None
    finally:
        engine.dispose()


def unreachable(where: str, error: Exception) -> DatabaseProblem:
    """The error to raise when the server at ``where`` did not answer."""
    return DatabaseProblem(
        _(
            "Cannot reach the database at {where}: {problem}. Check the URL in --db or "
            "COMPLAINTCTL_DB and that the server is running."
        ).format(where=where, problem=first_line(error))
    )
