"""The auditor's Ed25519 key pair and signed anchors (issue 23), through ``cryptography``.

The private key is the auditor's, kept outside the database (a file readable by its owner
only, on the auditor's own machine or medium); ``audit anchor --key`` signs an anchor's bytes
(``chain.Anchor.signed_bytes``: the body, with the key's fingerprint in it) and ``audit verify
--key`` checks them with the public key. Someone who can write the database, and so re-hash
the chain and write an unsigned anchor of their own, cannot sign one."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from complaintctl.domain.chain import Anchor
from complaintctl.errors import InvalidData, NotFound, UsageProblem
from complaintctl.i18n import _


def _lib():
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519, serialization, InvalidSignature


def fingerprint(public) -> str:
    """A public key's name in an anchor: SHA-256 of its raw bytes, 16 hex digits."""
    _ed, serialization, _invalid = _lib()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate(private_path: Path, public_path: Path) -> str:
    """Write a new key pair: the private key (PEM, mode 0600) and the public key (PEM).
    Existing files are never overwritten. Returns the public key's fingerprint."""
    from complaintctl.infra.files import write_private

    ed25519, serialization, _invalid = _lib()
    for path in (private_path, public_path):
        if path.exists():
            raise UsageProblem(_("{path} already exists; choose another file (a key is never "
                                 "overwritten).").format(path=path))
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    write_private(private_path, private)
    write_private(public_path, public)
    public_path.chmod(0o644)  # the public half is meant to be shared
    return fingerprint(key.public_key())


def _read_key(path: Path, *, private: bool):
    from complaintctl.infra.files import file_to_read

    ed25519, serialization, _invalid = _lib()
    file_to_read(path, error=NotFound, folder=_(
        "{path} is a folder; give the key file that `complaintctl audit keygen` wrote."))
    try:
        data = path.expanduser().read_bytes()
    except FileNotFoundError:
        raise NotFound(_("No key file at {path}; check the path.").format(path=path)) from None
    except OSError as error:
        raise InvalidData(_("{path} cannot be read ({why}).").format(
            path=path, why=error.strerror)) from None
    kind = ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey
    try:
        key = (serialization.load_pem_private_key(data, password=None) if private
               else serialization.load_pem_public_key(data))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, kind):
        raise InvalidData((
            _("{path} is not an Ed25519 private key written by `complaintctl audit keygen`.")
            if private else
            _("{path} is not an Ed25519 public key written by `complaintctl audit keygen`.")
        ).format(path=path))
    return key


def sign(anchor: Anchor, private_path: Path) -> None:
    """Sign ``anchor`` with the private key at ``private_path`` (in place)."""
    key = _read_key(private_path, private=True)
    anchor.key = fingerprint(key.public_key())
    anchor.signature = base64.b64encode(key.sign(anchor.signed_bytes())).decode()


def check(anchor: Anchor, public_path: Path, shown: Path) -> None:
    """Refuse ``anchor`` (the file ``shown``) unless the key at ``public_path`` signed it,
    saying why: unsigned, signed with another key, or altered since it was signed."""
    _ed, _serialization, invalid = _lib()
    public = _read_key(public_path, private=False)
    if not anchor.signature:
        raise InvalidData(_("{path} is not signed; with --key only anchors signed by `audit "
                            "anchor --key` are accepted.").format(path=shown))
    ours = fingerprint(public)
    if anchor.key != ours:
        raise InvalidData(_("{path} was signed with another key ({theirs}), not {ours}; it is "
                            "refused.").format(path=shown, theirs=anchor.key or "?", ours=ours))
    try:
        public.verify(base64.b64decode(anchor.signature, validate=True), anchor.signed_bytes())
    except (invalid, ValueError):
        raise InvalidData(_("{path}'s signature does not match its contents: the anchor was "
                            "altered or forged; it is refused.").format(path=shown)) from None
