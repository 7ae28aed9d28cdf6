"""Commands on the audit trail: verify the hash chain, list events."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from complaintctl.cli.common import Unmask, helptext, state
from complaintctl.cli.completion import complaint_numbers
from complaintctl.cli.usage_i18n import App
from complaintctl.domain.enums import ReadFormat
from complaintctl.errors import DatabaseProblem
from complaintctl.i18n import _

app = App(help=helptext(
    _("The audit trail: a hash chain of every change, refusal and unmasking."),
    "complaintctl audit verify", "complaintctl audit log CMP-2026-000042"), no_args_is_help=True)


def _require_audit(session, actor, action: str) -> None:
    from complaintctl.domain.permissions import Permission
    from complaintctl.services.core.context import refusals_recorded

    with refusals_recorded(session, actor, action):
        actor.check(Permission.audit)


@app.command("verify", help=helptext(
    _("Check the hash chain and that the stored complaints, staff and batches match it; exit 1 "
      "naming the first bad event, or the complaint and column changed outside complaintctl. "
      "With --anchor (repeatable, oldest first), also check that nothing was cut off the end "
      "or re-hashed since each anchor; with --key, only anchors signed by that key count."),
    "complaintctl audit verify",
    "complaintctl audit verify --anchor /media/usb/anchor.json --key /media/usb/auditor.pub"))
def verify(
    ctx: typer.Context,
    anchor: Annotated[list[Path] | None, typer.Option(
        "--anchor", help=_("An anchor file written by `complaintctl audit anchor` "
                           "(repeatable, oldest first)."), metavar="FILE")] = None,
    key: Annotated[Path | None, typer.Option(
        "--key", help=_("The auditor's public key (`audit keygen`): refuse anchors it did "
                        "not sign."), metavar="PUBKEY")] = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.audit import trail as audit

    kept = [_read_anchor(path, key) for path in anchor or ()]
    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit verify")
        result = audit.verify(session, anchors=kept)
    if not result.ok:
        raise DatabaseProblem(_("The audit trail is broken: {problem}.").format(
            problem=result.problem))
    if kept:
        last = kept[-1]
        render.message(_("The audit trail is intact: {n} events; it holds the anchor of {at} "
                         "({m} events).").format(n=result.events, at=last.taken_at,
                                                 m=last.events))
    else:
        render.message(_("The audit trail is intact: {n} events.").format(n=result.events))
    if result.not_covered:
        render.message(_("{n} complaints were last changed before events recorded their state "
                         "and are not covered until their next event.").format(
            n=result.not_covered))


@app.command("anchor", help=helptext(
    _("Verify the chain and write its head (event count, last hash, when) for a supervisor to "
      "keep outside the database; with --key, signed with the auditor's private key. `audit "
      "verify --anchor FILE` checks against it later."),
    "complaintctl audit anchor -o /media/usb/anchor-2026-11-28.json",
    "complaintctl audit anchor --key ~/.auditor/anchor.key -o /media/usb/anchor.json"))
def anchor(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help=_("The anchor file (readable by you only) [default: stdout]."),
        metavar="FILE")] = None,
    key: Annotated[Path | None, typer.Option(
        "--key", help=_("The auditor's private key (`audit keygen`) to sign the anchor with."),
        metavar="FILE")] = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.infra.files import write_private
    from complaintctl.services.audit import keys
    from complaintctl.services.audit import trail as audit

    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit anchor")
        result, taken = audit.take_anchor(session, database=st.database().display())
    if not result.ok:
        raise DatabaseProblem(_("The audit trail is broken: {problem}; no anchor was written.")
                              .format(problem=result.problem))
    if key is not None:
        keys.sign(taken, key)
    if output is None:
        sys.stdout.write(taken.to_json())
        return
    write_private(output, taken.to_json())
    render.message(_("Anchored {n} events (head {head}) in {path}; keep it outside the "
                     "database.").format(n=taken.events, head=taken.head[:16], path=output))


@app.command("keygen", help=helptext(
    _("Write a new Ed25519 key pair for signing anchors: the private key (readable by you "
      "only) and the public key (FILE.pub unless --public). Keep both outside the database."),
    "complaintctl audit keygen --private ~/.auditor/anchor.key"))
def keygen(
    private: Annotated[Path, typer.Option(
        "--private", help=_("Where to write the private key (never overwritten)."),
        metavar="FILE")],
    public: Annotated[Path | None, typer.Option(
        "--public", help=_("Where to write the public key [default: the private key's path "
                           "with .pub added]."), metavar="FILE")] = None,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.audit import keys

    from complaintctl.errors import UsageProblem

    if not private.name or (public is not None and not public.name):
        raise UsageProblem(_("Give a file name for the key (--private FILE, --public FILE)."))
    public = public or private.with_name(private.name + ".pub")
    fingerprint = keys.generate(private.expanduser(), public.expanduser())
    render.message(_("Wrote the private key {private} (mode 0600) and the public key {public} "
                     "(fingerprint {fingerprint}); sign anchors with `audit anchor --key "
                     "{private}`.").format(private=private, public=public,
                                           fingerprint=fingerprint))


def _read_anchor(path: Path, key: Path | None = None):
    from complaintctl.domain.chain import Anchor, AnchorUnreadable
    from complaintctl.errors import InvalidData, NotFound
    from complaintctl.infra.files import file_to_read

    file_to_read(path, error=NotFound, folder=_(
        "{path} is a folder; give the anchor file that `complaintctl audit anchor` wrote."))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(_("No anchor file at {path}; check the path.").format(path=path)) from None
    except (OSError, UnicodeDecodeError):
        raise InvalidData(_("{path} is not an anchor written by `complaintctl audit anchor`.")
                          .format(path=path)) from None
    try:
        kept = Anchor.parse(text)
    except AnchorUnreadable:
        raise InvalidData(_("{path} is not an anchor written by `complaintctl audit anchor`.")
                          .format(path=path)) from None
    if key is not None:
        from complaintctl.services.audit import keys

        keys.check(kept, key, path)
    return kept


@app.command("prove", help=helptext(
    _("Print the inclusion proof of one imported complaint in its batch's Merkle tree "
      "(RFC 6962): the leaf, its index, the sibling hashes and the root the batch's event "
      "holds, to show one row to a regulator without the others."),
    "complaintctl audit prove CMP-2026-000042", "complaintctl audit prove 42 --json"))
def prove(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help=_("The imported complaint."))],
    json_: Annotated[bool, typer.Option("--json", help=_("Print the proof as JSON."))] = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.present.proofs import proof_lines
    from complaintctl.services.audit import leaves

    st = state(ctx)
    with st.session() as session:
        _require_audit(session, st.actor(session), "audit prove")
        proof = leaves.prove(session, number)
    if json_:
        render.emit_json(proof)
        return
    for text in proof_lines(proof):
        render.line(text)


@app.command("log", help=helptext(
    _("List audit events, all or one complaint's."),
    "complaintctl audit log CMP-2026-000042", "complaintctl audit log --limit 20 --format json"))
def log(
    ctx: typer.Context,
    number: Annotated[str | None, typer.Argument(help=_("Only this complaint's events."), metavar="NUMBER", autocompletion=complaint_numbers)] = None,
    limit: Annotated[int | None, typer.Option(help=_("Only the most recent N."), min=1)] = None,
    format: Annotated[ReadFormat, typer.Option("--format")] = ReadFormat.table,
    unmask: Unmask = False,
) -> None:
    from complaintctl.present import render
    from complaintctl.services.audit import trail as audit
    from complaintctl.services.core import filter_values
    from complaintctl.services.core.context import timezone_of

    st = state(ctx)
    with st.session() as session:
        actor = st.actor(session)
        _require_audit(session, actor, "audit log")
        number = filter_values.check(session, actor, action="audit log", number=number).number
        if unmask:
            audit.unmask_log(session, actor, number=number)
        tz = timezone_of(session)
        rows = [audit.event_dict(e, tz, unmask=unmask)
                for e in audit.log(session, number=number, limit=limit)]
    render.emit(rows, format, columns=[
        ("seq", "#"), ("at", _("When")), ("actor", _("Who")), ("kind", _("Kind")),
        ("action", _("Action")), ("number", _("Complaint")), ("to_status", _("Status")),
        ("details", _("Details"))], title=_("Audit trail"), empty=_("No events."))
