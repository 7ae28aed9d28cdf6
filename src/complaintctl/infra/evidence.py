"""The evidence store: files copied in under their SHA-256, beside the database.

The store directory is created 0700 and files 0600. Only regular files are taken (a symlink,
a named pipe, a device, a socket or a file of /proc, /sys or /dev is refused: checked on the
opened file, ``files.open_regular``), and stored names are the digest, so nothing a user
types can name a path inside or outside the store.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from complaintctl.errors import InvalidData, NotFound
from complaintctl.i18n import _


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    filename: str


def safe_name(filename: str) -> str:
    """The name an evidence file is listed under: its last path part only (an email's
    attachment may be called ``../../etc/passwd`` or ``C:\\x``), without control characters."""
    name = filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return (name if name not in ("", ".", "..") else "unnamed")[:255]


class EvidenceStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Where a digest's file lives: under the store, never through a symbolic link (one
        planted in the store could point anywhere)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InvalidData(_("'{digest}' is not a SHA-256 digest.").format(digest=sha256))
        path = self.root / sha256[:2] / sha256
        if path.parent.is_symlink() or path.is_symlink():
            raise InvalidData(_("The evidence store holds a symbolic link at {path}; remove it "
                                "(evidence files never leave the store).").format(
                path=path if path.is_symlink() else path.parent))
        return path

    def put(self, source: str | Path) -> Stored:
        source = Path(source)
        if source.is_symlink():
            raise InvalidData(
                _("{path} is a symbolic link; give the file itself.").format(path=source)
            )
        from complaintctl.infra.files import file_to_read, open_regular

        file_to_read(source, error=NotFound,
                     folder=_("{path} is a folder; give the file to keep as evidence."),
                     missing=None if source.exists() else _("No file at {path}; check the path."))
        with open_regular(source) as src:
            return self._keep(iter(lambda: src.read(1 << 20), b""), source.name)

    def put_bytes(self, data: bytes, filename: str) -> Stored:
        """Keep content received in memory (an email, an attachment) under its digest."""
        return self._keep(iter((data,)), filename)

    def _keep(self, chunks, filename: str) -> Stored:
        from complaintctl.infra.files import private_dirs

        private_dirs(self.root)
        os.chmod(self.root, 0o700)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as dst:
                for chunk in chunks:
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            final = self.path_for(digest.hexdigest())
            final.parent.mkdir(exist_ok=True, mode=0o700)
            final = self.path_for(digest.hexdigest())  # nothing planted meanwhile
            if final.exists():
                os.unlink(tmp)
            else:
                os.chmod(tmp, 0o600)
                os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return Stored(digest.hexdigest(), size, safe_name(filename))

    def verify(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        if not path.is_file():
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    def copy_out(self, sha256: str, dest: Path) -> Path:
        shutil.copyfile(self.path_for(sha256), dest)
        return dest
