"""Whether anyone changed the database since a front-end last looked (issue 21: the workspace
sees other clerks' work without restarting).

On SQLite a connection of its own answers ``PRAGMA data_version``, which moves whenever another
connection commits; on PostgreSQL the head of the audit trail does (every change writes its
event in its transaction, so a new event is a new change). Both are one cheap read per poll.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from complaintctl.store.models import Event


class Watcher:
    """``changed()`` is True when the database moved since the previous call (the first call
    only takes the reading)."""

    def __init__(self, database):
        self._database = database
        self._sqlite: sqlite3.Connection | None = None
        self._last: tuple | None = None
        path: Path | None = database.path if database.is_sqlite else None
        if path is not None:
            self._sqlite = sqlite3.connect(str(path), check_same_thread=False)

    def reading(self) -> tuple:
        if self._sqlite is not None:
            # data_version moves when another connection commits; ours never writes
            return (self._sqlite.execute("PRAGMA data_version").fetchone()[0],)
        with self._database.session() as session:
            return (session.exec(select(func.max(Event.seq))).one(),)

    def changed(self) -> bool:
        now = self.reading()
        moved = self._last is not None and now != self._last
        self._last = now
        return moved

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
