#!/usr/bin/env python3
"""Manage the gettext catalogs with Babel: extract, update, compile (see README "Languages").

    python scripts/i18n.py extract   # src -> src/complaintctl/locale/complaintctl.pot
    python scripts/i18n.py update    # .pot -> locale/zh/LC_MESSAGES/complaintctl.po (keeps work)
    python scripts/i18n.py compile   # .po -> .mo for complaintctl and Typer's 'messages' domain
                                     # (shipped in the package; a test checks they are fresh)
    python scripts/i18n.py all       # the three in order
    python scripts/i18n.py missing   # list message ids without a Chinese translation
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "complaintctl" / "locale"
POT = LOCALE / "complaintctl.pot"
LANGS = ["zh"]


def pybabel(*args: str) -> None:
    # `python -m babel.messages.frontend` drops the command's status (a compile that found
    # errors exits 0); call main() and exit with what it returns, so check=True sees errors
    subprocess.run([sys.executable, "-c", "import sys; from babel.messages.frontend import main; "
                    "sys.exit(main())", *args], check=True, cwd=ROOT)


def extract(pot: Path = POT) -> None:
    """Babel's extraction, plus the _("...") calls written inside f-strings, which Babel's
    Python extractor cannot see on Python < 3.12 (an f-string is one token there)."""
    from babel.messages.pofile import read_po, write_po

    pot.parent.mkdir(parents=True, exist_ok=True)
    pybabel("extract", "-F", "babel.cfg", "-k", "_", "-k", "N_", "-k", "ngettext:1,2",
            "--no-location", "--sort-output", "--project", "complaintctl", "-o", str(pot),
            "src/complaintctl")
    with open(pot, "rb") as f:
        catalog = read_po(f)
    for message in fstring_messages(ROOT / "src" / "complaintctl"):
        if message not in catalog:
            catalog.add(message)
    with open(pot, "wb") as f:
        write_po(f, catalog, no_location=True, sort_output=True, width=76)


def fstring_messages(src: Path) -> list[str]:
    """Literal ids of _('...') calls inside f-strings under ``src``."""
    import ast
    import io
    import re
    import tokenize

    call = re.compile(r"""\b_\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\)""")
    found = []
    for path in sorted(src.rglob("*.py")):
        with open(path, "rb") as f:
            tokens = list(tokenize.tokenize(io.BytesIO(f.read()).readline))
        for token in tokens:
            if token.type != tokenize.STRING:
                continue
            prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))]
            if "f" not in prefix.lower():
                continue
            found += [ast.literal_eval(m.group(1)) for m in call.finditer(token.string)]
    return found


def update() -> None:
    for lang in LANGS:
        po = LOCALE / lang / "LC_MESSAGES" / "complaintctl.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(LOCALE), "-D", "complaintctl", "-l", lang,
                    "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", str(LOCALE), "-D", "complaintctl", "-l", lang)


def compile_() -> None:
    # complaintctl: our messages; messages: Typer's own strings (stdlib gettext's default
    # domain, bound by complaintctl.i18n.set_language), a small hand-kept catalog.
    for domain in ("complaintctl", "messages"):
        pybabel("compile", "-d", str(LOCALE), "-D", domain, "--use-fuzzy")


def missing() -> None:
    from babel.messages.pofile import read_po

    for lang in LANGS:
        with open(LOCALE / lang / "LC_MESSAGES" / "complaintctl.po", "rb") as f:
            catalog = read_po(f)
        gaps = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str)
                                                        else all(m.string))]
        for gap in gaps:
            print(repr(gap))
        print(f"{lang}: {len(gaps)} of {len(catalog)} untranslated", file=sys.stderr)


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else "all"
    {"extract": extract, "update": update, "compile": compile_, "missing": missing,
     "all": lambda: (extract(), update(), compile_())}[step]()
