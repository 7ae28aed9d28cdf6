"""The JR/T 0169-2018 code table (A channel, B business category, C cause) and its mappings.

The table is data: ``complaintctl/data/jrt0169.toml`` ships the top levels; a bank loads its own
(the official table) into the database. Pure: parsing and look-ups only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources

from complaintctl.errors import InvalidData
from complaintctl.i18n import _

DIMENSIONS = ("A", "B", "C")
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Code:
    dimension: str
    code: str
    name: str
    zh: str = ""
    parent: str | None = None


@dataclass
class CodeTable:
    title: str
    codes: dict[str, Code]
    channels: dict[str, str]
    products: list[tuple[str, tuple[str, ...]]]
    default_product: str
    text: str = field(default="", repr=False)

    def of(self, dimension: str) -> list[Code]:
        return [c for c in self.codes.values() if c.dimension == dimension]

    def name(self, code: str | None, lang: str = "en") -> str:
        found = self.codes.get(code or "")
        if found is None:
            return _("(not classified)") if not code or code == UNCLASSIFIED else code
        return (found.zh or found.name) if lang == "zh" else found.name

    def a_code(self, channel: str | None) -> str:
        return self.channels.get(channel or "", self.channels.get("other", UNCLASSIFIED))

    def b_code(self, product: str | None) -> str:
        text = (product or "").lower()
        for code, words in self.products:
            if any(word in text for word in words):
                return code
        return self.default_product

    def is_cause(self, code: str) -> bool:
        found = self.codes.get(code)
        return found is not None and found.dimension == "C"


def default_text() -> str:
    return resources.files("complaintctl.data").joinpath("jrt0169.toml").read_text("utf-8")


def parse(text: str, source: str = "jrt0169.toml") -> CodeTable:
    """Read and check a code table; every problem names the file and what to fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidData(_("{source}: {problem}; fix the TOML.").format(
            source=source, problem=error)) from None
    codes: dict[str, Code] = {}
    for dimension in DIMENSIONS:
        table = data.get(dimension)
        if not isinstance(table, dict) or not table:
            raise InvalidData(_("{source}: the [{dimension}] table of codes is missing.").format(
                source=source, dimension=dimension))
        for code, entry in table.items():
            if not code.startswith(dimension):
                raise InvalidData(_("{source}: code {code} in [{dimension}] must start with "
                                    "{dimension}.").format(source=source, code=code,
                                                           dimension=dimension))
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise InvalidData(_("{source}: code {code} needs a name, e.g. "
                                    "{code} = {{ name = \"...\" }}.").format(source=source,
                                                                            code=code))
            codes[code] = Code(dimension, code, entry["name"], str(entry.get("zh", "")),
                               entry.get("parent"))
    for code in codes.values():
        if code.parent is not None and codes.get(code.parent, Code("", "", "")).dimension != \
                code.dimension:
            raise InvalidData(_("{source}: code {code} has parent {parent}, which is not a "
                                "{dimension} code.").format(source=source, code=code.code,
                                                            parent=code.parent,
                                                            dimension=code.dimension))
    channels = data.get("channels", {})
    for channel, code in channels.items():
        if codes.get(code, Code("", "", "")).dimension != "A":
            raise InvalidData(_("{source}: channel {channel} maps to {code}, which is not an A "
                                "code.").format(source=source, channel=channel, code=code))
    products = []
    for rule in data.get("products", []):
        code = rule.get("code")
        if codes.get(code, Code("", "", "")).dimension != "B":
            raise InvalidData(_("{source}: a [[products]] rule maps to {code}, which is not a B "
                                "code.").format(source=source, code=code))
        products.append((code, tuple(str(w).lower() for w in rule.get("match", []))))
    default_product = data.get("default_product", "B99")
    if codes.get(default_product, Code("", "", "")).dimension != "B":
        raise InvalidData(_("{source}: default_product {code} is not a B code.").format(
            source=source, code=default_product))
    return CodeTable(str(data.get("title", source)), codes, dict(channels), products,
                     default_product, text)
