"""What a migration did, table by table (the JSON of ``db migrate-to``), and the refusal of a
copy whose keys collide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from complaintctl.errors import DatabaseProblem


@dataclass
class TableCopy:
    table: str
    source: int = 0
    copied: int = 0
    matched: int = 0
    kept_ids: bool = True
    before: int = 0
    after: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "source": self.source, "copied": self.copied,
                "matched": self.matched, "kept_ids": self.kept_ids,
                "target_before": self.before, "target_after": self.after}


@dataclass
class Migration:
    source: str
    target: str
    dry_run: bool
    chain: str = ""
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    source_head: str = ""
    tables: list[TableCopy] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence_files: int = 0
    verified_events: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "dry_run": self.dry_run,
                "chain": self.chain, "events": self.events, "first_seq": self.first_seq,
                "last_seq": self.last_seq, "source_head": self.source_head,
                "tables": [t.as_dict() for t in self.tables], "notes": self.notes,
                "evidence_files": self.evidence_files,
                "audit_verify": {"ok": True, "events": self.verified_events}}


class Collision(DatabaseProblem):
    """Rows of the source would take keys (complaint numbers) the target already uses."""
