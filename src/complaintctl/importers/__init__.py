"""Reading complaint files: sources (encoding, hashing), readers (CSV, JSON, JSON Lines) that
yield ``(line_no, row)``, layouts (native, cfpb, TOML mappings) and dates. No database here."""

from __future__ import annotations

from enum import StrEnum


class ImportFormat(StrEnum):
    auto = "auto"
    native = "native"
    cfpb = "cfpb"
    json = "json"
    jsonl = "jsonl"
