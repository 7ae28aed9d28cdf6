"""A complaint's inclusion proof in its import batch's Merkle tree (``audit prove``), as
plain lines: each value whole on its line, so it can be copied into any SHA-256 tool."""

from __future__ import annotations

from typing import Any

from complaintctl.i18n import _


def proof_lines(proof: dict[str, Any]) -> list[str]:
    lines = [
        _("{number}: leaf {index} of {size} in import batch {batch}'s Merkle tree "
          "({algorithm}).").format(number=proof["number"], index=proof["index"],
                                   size=proof["tree_size"], batch=proof["batch"],
                                   algorithm=proof["algorithm"]),
        _("leaf data:  {value}").format(value=proof["leaf_data"]),
        _("leaf hash:  {value}  (SHA-256 of 0x00 and the leaf data)").format(
            value=proof["leaf_hash"]),
        _("path (sibling hashes, from the leaf up; a node is SHA-256 of 0x01, left, right):"),
    ]
    lines += [f"  {at}. {value}" for at, value in enumerate(proof["path"], start=1)]
    if not proof["path"]:
        lines.append(_("  (none: the leaf is the whole tree)"))
    lines += [
        _("root:       {value}").format(value=proof["root"]),
        _("event:      {seq} (hash {value}), the batch's import event on the hash chain, "
          "whose details hold the root").format(seq=proof["event_seq"],
                                                value=proof["event_hash"]),
    ]
    matches = proof["row_matches_leaf"]
    lines.append(_("row:        as imported: its stored content gives the leaf data")
                 if matches else
                 _("row:        changed since the import (its later events vouch for it)")
                 if matches is not None else _("row:        removed (the batch was undone)"))
    return lines
