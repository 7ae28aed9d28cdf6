"""The leak scan's customers and scanner: known clear values, and a search for them in any
output that undoes the common formattings (used by tests/test_leak_scan.py)."""

from __future__ import annotations

import html
import re
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    id_number: str
    account: str
    email: str
    branch: str | None

    def clear(self) -> dict[str, str]:
        return {"phone": self.phone, "id_number": self.id_number, "account": self.account,
                "email": self.email}


CUSTOMERS = [
    Customer("张伟", "13812345678", "110105199003071239", "6222020200001234567",
             "zhang.wei@example.com", "BJ01"),
    Customer("欧阳娜娜", "13998765432", "31010419851203001X", "6217000011112222333",
             "ouyang.nana@example.cn", "SH01"),
    Customer("Li Ming 李明", "15500004444", "44030619700101004x", "4367420012345678",
             "LiMing@Example.ORG", None),
]
NAMES = [c.name for c in CUSTOMERS]


def normalise(value: str) -> str:
    """Undo the common formattings: HTML and URL escapes, case, and the separators people put
    in numbers and addresses (138 1234 5678, 138-1234-5678, +86 138..., zhang.wei)."""
    value = urllib.parse.unquote(html.unescape(value))
    return re.sub(r"[\s\-.()_/\u200b]", "", value).lower()


def found(haystack: str, customers=CUSTOMERS) -> list[str]:
    """``name:field`` of every clear value in ``haystack``."""
    flat = normalise(haystack)
    return [f"{c.name}:{field}" for c in customers for field, value in c.clear().items()
            if normalise(value) in flat]


def file_text(path: Path) -> str:
    """A written file as text: XLSX (a zip of XML parts) unzipped, anything else decoded."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    for encoding in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
