"""Signed anchors (issue 23): ``audit keygen`` writes an Ed25519 key pair (private 0600),
``audit anchor --key`` signs the head, ``audit verify --anchor FILE ... --key PUBKEY`` checks
every signature and that the chain extends every anchor, in order. An unsigned, foreign-key or
forged anchor is refused (exit 5, saying why); a head that went backwards is reported (1)."""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import select

from complaintctl.store.models import Event
from tampering import renumber_and_rehash


@pytest.fixture
def keys(cli, tmp_path):
    private = tmp_path / "auditor" / "anchor.key"
    private.parent.mkdir()
    run = cli("audit", "keygen", "--private", str(private))
    assert run.exit_code == 0, run.stderr
    return private, private.with_name("anchor.key.pub")


def _register(cli, n: int = 1) -> None:
    for i in range(n):
        run = cli("register", "--channel", "phone", "--customer", "张伟", "--summary",
                  f"年费重复扣收 {i}", "--branch", "BJ01", as_="clerk")
        assert run.exit_code == 0, run.stderr


def _anchor(cli, path, key) -> dict:
    run = cli("audit", "anchor", "--key", str(key), "-o", str(path), as_="aud")
    assert run.exit_code == 0, run.stderr
    return json.loads(path.read_text())


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(cli, keys):
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = private.read_bytes()
    run = cli("audit", "keygen", "--private", str(private))
    assert (run.exit_code, run.stderr) == (2, (
        f"Error: {private} already exists; choose another file (a key is never "
        "overwritten).\n"))
    assert private.read_bytes() == before


def test_a_signed_anchor_verifies_and_a_sequence_of_anchors_is_checked(cli, keys, tmp_path):
    private, public = keys
    _register(cli)
    first = _anchor(cli, tmp_path / "a1.json", private)
    assert len(first["signature"]) == 88 and len(first["key"]) == 16
    _register(cli, 2)
    second = _anchor(cli, tmp_path / "a2.json", private)
    run = cli("audit", "verify", "--anchor", str(tmp_path / "a1.json"), "--anchor",
              str(tmp_path / "a2.json"), "--key", str(public), as_="aud")
    assert (run.exit_code, run.stderr) == (0, (
        f"The audit trail is intact: {second['events']} events; it holds the anchor of "
        f"{second['taken_at']} ({second['events']} events).\n"))
    assert second["events"] > first["events"]


def test_an_unsigned_anchor_is_refused_when_a_key_is_given(cli, keys, tmp_path):
    _private, public = keys
    path = tmp_path / "plain.json"
    assert cli("audit", "anchor", "-o", str(path), as_="aud").exit_code == 0
    assert cli("audit", "verify", "--anchor", str(path), as_="aud").exit_code == 0
    _refused_as_unsigned(cli, path, public)


def _refused_as_unsigned(cli, path, public) -> None:
    run = cli("audit", "verify", "--anchor", str(path), "--key", str(public), as_="aud")
    assert (run.exit_code, run.stderr) == (5, (
        f"Error: {path} is not signed; with --key only anchors signed by `audit anchor --key` "
        "are accepted.\n"))


def test_an_anchor_of_another_key_is_refused(cli, keys, tmp_path):
    private, _public = keys
    path = tmp_path / "a.json"
    signed = _anchor(cli, path, private)
    theirs = cli("audit", "keygen", "--private", str(tmp_path / "third.key")).stderr
    ours = theirs.split("fingerprint ")[1][:16]
    run = cli("audit", "verify", "--anchor", str(path), "--key",
              str(tmp_path / "third.key.pub"), as_="aud")
    assert (run.exit_code, run.stderr) == (5, (
        f"Error: {path} was signed with another key ({signed['key']}), not {ours}; it is "
        "refused.\n"))


@pytest.mark.parametrize("field", ["events", "head", "checkpoints", "taken_at", "signature"])
def test_a_forged_anchor_is_refused(cli, keys, tmp_path, field):
    private, public = keys
    _register(cli, 2)
    path = tmp_path / "a.json"
    data = _anchor(cli, path, private)
    if field == "events":
        data["events"] += 5
    elif field == "head":
        data["head"] = "0" * 64
    elif field == "checkpoints":
        data["checkpoints"]["1"] = "1" * 64
    elif field == "taken_at":
        data["taken_at"] = "2020-01-01T00:00:00+00:00"
    else:
        data["signature"] = "A" * 86 + "=="
    path.write_text(json.dumps(data))
    run = cli("audit", "verify", "--anchor", str(path), "--key", str(public), as_="aud")
    assert (run.exit_code, run.stderr) == (5, (
        f"Error: {path}'s signature does not match its contents: the anchor was altered or "
        "forged; it is refused.\n"))


def test_the_chain_rewritten_after_a_signed_anchor_is_found(cli, keys, tmp_path):
    """A registration deleted, the rest renumbered and re-hashed: the chain is whole again;
    the signed anchor names the rewrite, and a fresh anchor the forger writes is unsigned."""
    private, public = keys
    _register(cli, 3)
    path = tmp_path / "a.json"
    data = _anchor(cli, path, private)
    with cli.database.engine.begin() as conn:
        renumber_and_rehash(conn, [9])  # events 1-8: the seeded staff; 9: the first complaint
    run = cli("audit", "verify", "--anchor", str(path), "--key", str(public), as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: The audit trail is broken: the chain was rewritten since the anchor of "
        f"{data['taken_at']}: event 9's hash differs from the anchor's, so events 9 to 9 are "
        "suspect.\n"))
    with cli.database.session() as session:
        head = session.execute(select(Event.hash).order_by(Event.seq.desc())).scalar()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"format": data["format"], "database": data["database"],
                                  "taken_at": data["taken_at"], "events": data["events"] - 1,
                                  "head": head, "checkpoints": {}}))
    _refused_as_unsigned(cli, forged, public)


def test_a_note_deleted_in_the_middle_is_found_only_by_the_anchor(cli, keys, tmp_path):
    private, public = keys
    _register(cli)
    with cli.database.session() as session:
        number = session.execute(select(Event.number).where(Event.number.is_not(None))).scalar()
    for i in range(3):
        assert cli("note", number, f"回访 {i}", as_="clerk").exit_code == 0
    path = tmp_path / "a.json"
    data = _anchor(cli, path, private)
    with cli.database.session() as session:
        middle = session.execute(select(Event.seq).where(Event.action == "note")
                                 .order_by(Event.seq)).scalars().first()
    with cli.database.engine.begin() as conn:
        renumber_and_rehash(conn, [middle])
    assert cli("audit", "verify", as_="aud").exit_code == 0  # the rows still match
    run = cli("audit", "verify", "--anchor", str(path), "--key", str(public), as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: The audit trail is broken: the chain was rewritten since the anchor of "
        f"{data['taken_at']}: event {middle}'s hash differs from the anchor's, so events "
        f"{middle} to {middle} are suspect.\n"))


def test_a_head_that_went_backwards_between_anchors_is_reported(cli, keys, tmp_path):
    private, public = keys
    _register(cli, 2)
    later = _anchor(cli, tmp_path / "later.json", private)
    _register(cli)
    earlier_but_longer = _anchor(cli, tmp_path / "longer.json", private)
    run = cli("audit", "verify", "--anchor", str(tmp_path / "longer.json"), "--anchor",
              str(tmp_path / "later.json"), "--key", str(public), as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: The audit trail is broken: the chain head went backwards: the anchor of "
        f"{later['taken_at']} records {later['events']} events, fewer than the "
        f"{earlier_but_longer['events']} of the earlier anchor of "
        f"{earlier_but_longer['taken_at']}.\n"))


def test_a_private_key_given_as_the_public_one_is_refused(cli, keys, tmp_path):
    private, _public = keys
    path = tmp_path / "a.json"
    _anchor(cli, path, private)
    run = cli("audit", "verify", "--anchor", str(path), "--key", str(private), as_="aud")
    assert (run.exit_code, run.stderr) == (5, (
        f"Error: {private} is not an Ed25519 public key written by `complaintctl audit "
        "keygen`.\n"))
    run = cli("audit", "anchor", "--key", str(tmp_path), as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: {tmp_path} is a folder; give the key file that `complaintctl audit keygen` "
        "wrote.\n"))
    run = cli("audit", "keygen", "--private", "")
    assert (run.exit_code, run.stderr) == (2, (
        "Error: Give a file name for the key (--private FILE, --public FILE).\n"))
    run = cli("audit", "anchor", "--key", str(tmp_path / "missing.key"), as_="aud")
    assert (run.exit_code, run.stderr) == (1, (
        f"Error: No key file at {tmp_path / 'missing.key'}; check the path.\n"))
