"""Files complaintctl writes for its user (anchors, reports, rejects, logs): readable by the
owner only (0600) from the moment they exist, and written whole or not at all; the folders it
creates for them 0700, every one of them (``private_dirs``). And the one check of a path given
to be read (``file_to_read``), and of a file to be kept whole (``open_regular``)."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def write_private(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a 0600 temporary file beside it, renamed into place
    when complete (a crash leaves the old file or none, never half of one)."""
    path = Path(path).expanduser()
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=".complaintctl-", dir=str(path.resolve().parent))
    except OSError as error:  # named after the file asked for, not the temporary one
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp makes it 0600 already
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, path)
    except BaseException as error:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(error, OSError) and error.filename == tmp:
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    return path


def file_to_read(path: str | Path, *, folder: str, error: type[Exception],
                 missing: str | None = None) -> Path:
    """``path`` (``~`` expanded) as a file to read, checked the one way every command that
    reads an input file checks it. A folder is refused with ``error(folder)``; with ``missing``
    given, so is a path where no file is (else the caller's own read reports it). Each sentence
    is the command's own (it says what to give instead) and may name ``{path}``, as given."""
    file = Path(path).expanduser()
    if file.is_dir():
        raise error(folder.format(path=path))
    if missing is not None and not file.is_file():
        raise error(missing.format(path=path))
    return file


def private_dirs(path: str | Path) -> Path:
    """Create the folder ``path`` and every missing folder above it 0700, whatever the umask
    (``Path.mkdir(parents=True, mode=...)`` gives only the last one that mode; the others
    would be 0755). Folders that already exist are left as they are."""
    path = Path(path).expanduser()
    missing = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(folder, PRIVATE_DIR)
    return path


#: file systems that show the running system as files: nothing there is a document
_SYSTEM_VIEWS = ("/proc", "/sys", "/dev")


def open_regular(path: str | Path):
    """``path`` opened for reading in binary, when it is a regular file: never through a
    symbolic link (``O_NOFOLLOW``), and checked on the open file itself (``fstat``), so it
    cannot be swapped between check and read. A named pipe, a device, a socket or a file of
    /proc, /sys or /dev (``/proc/self/environ`` holds the environment's secrets) is refused
    with InvalidData (exit 5) saying what it is."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(Path(path).expanduser(), flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InvalidData(_("{path} is a symbolic link; give the file itself.").format(
                path=path)) from None
        raise
    try:
        info = os.fstat(fd)
        kind = _not_regular(info)
        if kind is None and _in_a_system_view(Path(path).expanduser(), info):
            kind = _("a view of the running system (/proc, /sys or /dev), not a document")
        if kind is not None:
            raise InvalidData(_("{path} is {kind}; only a regular file can be kept as "
                                "evidence: copy what you mean to keep into a file first.")
                              .format(path=path, kind=kind))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _not_regular(info: os.stat_result) -> str | None:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return _("a named pipe (FIFO)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISDIR(mode):
        return _("a folder")
    return _("not a regular file")


def _in_a_system_view(path: Path, info: os.stat_result) -> bool:
    real = os.path.realpath(path)
    for root in _SYSTEM_VIEWS:
        if real == root or real.startswith(root + "/"):
            return True
        try:
            if os.stat(root).st_dev == info.st_dev:
                return True
        except OSError:
            continue
    return False


def open_private(path: str | Path, mode: str = "w", **kwargs):
    """Open ``path`` for writing, creating it 0600 (an existing file is narrowed to 0600)."""
    path = Path(path).expanduser()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC),
                 PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, mode, **kwargs)


def touch_private(path: str | Path) -> Path:
    """Create (or empty) ``path`` as 0600 before a library writes into it (XLSX)."""
    with open_private(path, "wb"):
        pass
    return Path(path).expanduser()


def copy_tree_private(source: Path, dest: Path) -> int:
    """Copy the regular files under ``source`` to ``dest`` (directories 0700, files 0600).
    Symbolic links are not followed or copied: nothing outside the tree can come along.
    Returns the number of files copied."""
    import shutil

    copied = 0
    private_dirs(dest)
    os.chmod(dest, PRIVATE_DIR)
    for root, dirs, names in os.walk(source):
        here = Path(root)
        target = dest / here.relative_to(source)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
        for name in dirs:
            (target / name).mkdir(mode=PRIVATE_DIR, exist_ok=True)
            os.chmod(target / name, PRIVATE_DIR)
        for name in names:
            item = here / name
            if item.is_symlink() or not item.is_file():
                continue
            with open(item, "rb") as src, open_private(target / name, "wb") as out:
                shutil.copyfileobj(src, out)
            copied += 1
    return copied
