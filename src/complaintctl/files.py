"""Files complaintctl writes for its user (anchors, reports, rejects, logs): readable by the
owner only (0600) from the moment they exist, and written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_private(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a 0600 temporary file beside it, renamed into place
    when complete (a crash leaves the old file or none, never half of one)."""
    path = Path(path).expanduser()
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=".complaintctl-", dir=str(path.resolve().parent))
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp makes it 0600 already
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def open_private(path: str | Path, mode: str = "w", **kwargs):
    """Open ``path`` for writing, creating it 0600 (an existing file is narrowed to 0600)."""
    path = Path(path).expanduser()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC),
                 PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, mode, **kwargs)
