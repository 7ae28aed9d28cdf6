"""Commands on the database: init, and db path|backup|check|upgrade|migrate-to|harden."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import helptext, state
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _

db_app = App(help=helptext(_("The database: where it is, backups, checks, upgrades."),
                            "complaintctl db path", "complaintctl db check"),
              no_args_is_help=True)


def init(
    ctx: typer.Context,
    admin: Annotated[str | None, typer.Option(help=_("The first admin's user name [default: you]."))] = None,
    name: Annotated[str | None, typer.Option(help=_("The first admin's full name."))] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help=_("Single-user use: no sign-in, --as is believed (as in the demo)."))] = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import staff

    st = state(ctx)
    username = admin or st.username  # a blank --as is refused before anything is created
    db = st.database(must_exist=False)
    if not db.exists():
        db.create()
    else:
        db.ensure_ready()
    with db.session(write=True) as session:
        person, created = staff.init_admin(session=session, username=username,
                                           name=name or username, no_auth=no_auth)
    if created:
        render.message(_("Created {where} with admin {user}.").format(where=db.display(),
                                                                      user=person.username))
        if not no_auth:
            render.message(_("Sign-in is required once {user} has a password: run "
                             "`complaintctl --as {user} staff passwd {user}`, then "
                             "`complaintctl login {user}`.").format(user=person.username))
    else:
        render.message(_("{where} is ready; its admin is {user}.").format(where=db.display(),
                                                                         user=person.username))


@db_app.command("path", help=helptext(_("Print where the database is."), "complaintctl db path"))
def path(ctx: typer.Context) -> None:
    from complaintctl.present import render

    render.line(state(ctx).database(must_exist=False).display())


def _require(ctx: typer.Context, permission_name: str, command: str) -> None:
    from complaintctl.domain.permissions import Permission
    from complaintctl.services.core.context import refusals_recorded

    st = state(ctx)
    with st.session() as session:
        actor = st.actor(session)
        with refusals_recorded(session, actor, f"db {command}"):
            actor.check(Permission(permission_name))


@db_app.command("backup", help=helptext(
    _("Copy the database while others keep working (SQLite's online backup)."),
    "complaintctl db backup /backups/complaints-2026-11-28.db"))
def backup(ctx: typer.Context,
           dest: Annotated[Path, typer.Argument(help=_("The new backup file."))]) -> None:
    from complaintctl.present import render

    _require(ctx, "database", "backup")
    written = state(ctx).database().backup(dest)
    render.message(_("Backed up to {dest}.").format(dest=written))


@db_app.command("check", help=helptext(
    _("Check the database's integrity and foreign keys; exit 1 on a problem."),
    "complaintctl db check"))
def check(ctx: typer.Context) -> None:
    from complaintctl.present import render

    _require(ctx, "audit", "check")
    problems = state(ctx).database().check()
    if problems:
        for problem in problems[:50]:
            render.message(problem)
        raise DatabaseProblem(_("The database check found {n} problem(s); restore the last good "
                                "backup.").format(n=len(problems)))
    render.message(_("Database check passed."))


@db_app.command("upgrade", help=helptext(
    _("Bring the database's schema up to this version of complaintctl."),
    "complaintctl db upgrade"))
def upgrade(ctx: typer.Context) -> None:
    from complaintctl.present import render

    db = state(ctx).database(must_exist=False)
    if not db.exists():
        raise DatabaseProblem(_("No database at {where}; run `complaintctl init`.").format(
            where=db.display()))
    _require_on_any_schema(ctx, db)
    db.upgrade()
    render.message(_("The schema is up to date."))


def _require_on_any_schema(ctx: typer.Context, db) -> None:
    """The database permission, checked with plain SQL: the schema may predate the models."""
    from complaintctl.domain.enums import Role
    from complaintctl.domain.permissions import Permission, check
    from complaintctl.errors import PermissionDenied
    from complaintctl.services.admin.database import at_head, staff_on_any_schema

    from complaintctl.services.identity import acting

    st = state(ctx)
    proven = acting.proven_on_any_schema(db, st.credential)
    username, scopes = proven if proven is not None else (st.username, None)
    found = staff_on_any_schema(db, username)
    if found is None or not found[1]:
        raise PermissionDenied(_("{user} is not an active member of staff; only an admin may "
                                 "upgrade the database.").format(user=username))
    try:
        check(Permission.database, role=Role(found[0]), username=username, staff_branch=None,
              command=st.command, scopes=scopes)
    except PermissionDenied:
        if at_head(db):  # the audit trail's tables are as we know
            _require(ctx, "database", "upgrade")  # refuses again, on the audit trail
        raise


@db_app.command("migrate-to", help=helptext(
    _("Copy this branch's database into the central one, keeping complaint numbers and the "
      "audit chain; refuses on a number collision; verifies counts and the chain."),
    "complaintctl --db branch.db db migrate-to postgresql://complaints@db.bank.example/complaints",
    "complaintctl db migrate-to postgresql://postgres@127.0.0.1/central --dry-run"))
def migrate_to(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help=_("The central database (an SQLAlchemy URL)."))],
    dry_run: Annotated[bool, typer.Option("--dry-run", help=_(
        "Copy and verify, then roll back: nothing is written."))] = False,
    evidence_dir: Annotated[Path | None, typer.Option(help=_(
        "The central evidence store to copy the branch's files into [default: the target's, "
        "COMPLAINTCTL_EVIDENCE_DIR or the app dir]."))] = None,
    format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
) -> None:
    from complaintctl.present import views
    from complaintctl.services.admin.database import open_database
    from complaintctl.services.intake.migrate import migrate

    _require(ctx, "database", "migrate-to")
    st = state(ctx)
    with open_database(url, evidence_dir=evidence_dir).prepared() as target:
        result = migrate(source=st.database(), target=target, actor=st.acting_username("database"),
                         dry_run=dry_run)
    views.migration(result, format)


@db_app.command("harden", help=helptext(
    _("PostgreSQL: make the database enforce the rules itself. Creates an owner role (owns "
      "the tables, runs db upgrade) and an application role (what the CLI, web and workspace "
      "connect as: the audit trail is only appended to and read, complaints are seen by "
      "branch). Run it connected as a superuser or the database's owner."),
    "complaintctl db harden --owner complaints_owner --app complaints_app --password-stdin",
    "complaintctl db harden --owner complaints_owner --app complaints_app --no-password"))
def harden(
    ctx: typer.Context,
    owner: Annotated[str, typer.Option(help=_("The owner role's name (made if missing)."))],
    app: Annotated[str, typer.Option(help=_(
        "The application role's name (made if missing)."))],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=_(
        "Read the two passwords from stdin: the owner's on the first line, the application "
        "role's on the second."))] = False,
    no_password: Annotated[bool, typer.Option("--no-password", help=_(
        "Set no passwords: the server authenticates the roles otherwise (peer, certificates)."
    ))] = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.admin import hardening

    st = state(ctx)
    db = st.database()
    hardening.check_names(db, owner, app)
    with st.session() as session:
        actor = st.actor(session)
    done = hardening.harden(database=db, actor=actor, owner=owner, app=app,
                            passwords=_passwords(owner, app, password_stdin, no_password))
    render.message(_(
        "Hardened {where}: {owner} owns the tables (connect as it only for `db upgrade`, "
        "backups and migrate-to); "
        "{app} may only append to and read the audit trail, and sees the complaints of its "
        "actor's branches. Point COMPLAINTCTL_DB at {url} (its password in ~/.pgpass or "
        "PGPASSWORD).").format(where=done.database, owner=done.owner, app=done.app,
                               url=done.app_url))


def _passwords(owner: str, app: str, from_stdin: bool,
               none: bool) -> tuple[str | None, str | None]:
    """The owner's and the application role's passwords: from stdin, asked without echo, or
    none. Never from the command line."""
    import sys

    from complaintctl.errors import InvalidData, UsageProblem

    if from_stdin and none:
        raise UsageProblem(_("Give --password-stdin or --no-password, not both."))
    if none:
        return None, None
    if from_stdin:
        lines = sys.stdin.read().splitlines()
        given = tuple(line.rstrip("\r") for line in lines[:2])
    else:
        given = tuple(typer.prompt(_("Password for {role}").format(role=role), hide_input=True,
                                   confirmation_prompt=True) for role in (owner, app))
    if len(given) < 2 or any(len(p) < 12 for p in given):
        raise InvalidData(_("Each role needs a password of at least 12 characters (the "
                            "owner's, then the application role's)."))
    return given[0], given[1]


def register_commands(app: typer.Typer) -> None:
    app.command("init", help=helptext(
        _("Create the database and its first admin (safe to run again)."),
        "complaintctl init --admin wangfang --name 王芳"))(init)
    app.add_typer(db_app, name="db")
