"""Where a terminal keeps its session tokens: one file per database in the user's config dir
(``$XDG_CONFIG_HOME/complaintctl/sessions``, else ``~/.config/complaintctl/sessions``; the
directories 0700, the file 0600). A file that the group or others may read is refused, saying
why: the token in it would let them act as its owner."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from complaintctl.errors import NotSignedIn
from complaintctl.i18n import _
from complaintctl.settings import settings


def path_for(database_url: str) -> Path:
    name = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:32]
    return settings.config_dir / "sessions" / f"{name}.token"


def save(database_url: str, token: str) -> Path:
    path = path_for(database_url)
    for directory in (path.parent.parent, path.parent):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, (token + "\n").encode("utf-8"))
    finally:
        os.close(descriptor)
    return path


def load(database_url: str, *, strict: bool = True) -> str | None:
    """The stored token, or None when there is none; refuses a file others may read (unless
    not ``strict``: logout reads it to end the session it holds)."""
    path = path_for(database_url)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if strict and info.st_mode & 0o077:
        raise NotSignedIn(_(
            "Refusing the session file {path}: its mode {mode} lets others read it, and the "
            "token in it would let them act as you. Run `complaintctl logout`, then "
            "`complaintctl login` again.").format(path=path,
                                                  mode=oct(stat.S_IMODE(info.st_mode))[2:]))
    if strict and hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise NotSignedIn(_("Refusing the session file {path}: it belongs to another user; "
                            "sign in with `complaintctl login`.").format(path=path))
    return path.read_text(encoding="utf-8").strip() or None


def remove(database_url: str) -> bool:
    try:
        path_for(database_url).unlink()
        return True
    except FileNotFoundError:
        return False
