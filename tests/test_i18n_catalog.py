"""Every message id in the code has a Chinese translation, and no translation breaks its
placeholders. Re-extracts the code with Babel (scripts/i18n.py's extraction) into a temporary
template, so a string added without a translation fails here: run
`python scripts/i18n.py all`, translate what `python scripts/i18n.py missing` lists, compile."""

from __future__ import annotations

import importlib.util
import string
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src" / "complaintctl" / "locale" / "zh" / "LC_MESSAGES" / "complaintctl.po"

pytest.importorskip("babel")


def _scripts_i18n():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _read(path: Path):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "complaintctl.pot"
    _scripts_i18n().extract(pot)
    return _read(pot), _read(PO)


def _key(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_message_id_in_the_code_has_a_chinese_translation(catalogs):
    code, zh = catalogs
    translated = {_key(m): m for m in zh if m.id}
    missing = []
    for message in code:
        if not message.id:
            continue
        found = translated.get(_key(message))
        strings = ([found.string] if found is not None and isinstance(found.string, str)
                   else list(found.string) if found is not None else [])
        if not strings or not all(strings) or "fuzzy" in (found.flags if found else ()):
            missing.append(_key(message))
    assert len(code) > 800
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"


def _fields(text: str) -> list[str]:
    return sorted(f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None)


def test_no_translation_breaks_its_placeholders():
    broken = []
    for message in _read(PO):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for text in strings:
            try:
                if _fields(text) != _fields(ids[0]):
                    broken.append((ids[0], text))
            except ValueError as error:
                broken.append((ids[0], f"{text} ({error})"))
    assert not broken, broken[:5]


def test_the_check_catches_a_placeholder_renamed_in_translation():
    assert _fields("{number} 已办结。") == _fields("{number} closed.")
    assert _fields("{num} 已办结。") != _fields("{number} closed.")
    assert _fields("{count} 件投诉（基准 {mean:.2f}）") == _fields("{count} complaints, {mean:.2f}")


def test_the_extraction_sees_calls_inside_f_strings(tmp_path):
    source = tmp_path / "x.py"
    source.write_text('name = 1\ntext = f"{_(\'Made by complaintctl\')} {name}"\n',
                      encoding="utf-8")
    assert _scripts_i18n().fstring_messages(tmp_path) == ["Made by complaintctl"]


@pytest.mark.parametrize("domain", ["complaintctl", "messages"])
def test_babel_compiles_the_catalogs_without_an_error(domain):
    """What `pybabel compile` checks (printf placeholders: "{percent}% of" read as "% o")."""
    catalog = _read(PO.with_name(f"{domain}.po"))
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert not errors, errors


def test_the_compile_step_fails_on_a_catalog_error(tmp_path):
    import subprocess

    po = tmp_path / "zh" / "LC_MESSAGES" / "broken.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  '#, python-format\nmsgid "%(n)s left"\nmsgstr "剩余"\n\n'
                  '#, python-format\nmsgid "%s and %s"\nmsgstr "%s"\n', encoding="utf-8")
    with pytest.raises(subprocess.CalledProcessError):
        _scripts_i18n().pybabel("compile", "-d", str(tmp_path), "-D", "broken")


def test_the_glossary_lists_the_regulations_terms_and_the_labels_use_them():
    """docs/glossary.md: every term the issue names, each with its English counterpart; the
    Chinese labels of statuses, roles and timeline actions are glossary words."""
    import re

    from complaintctl import i18n

    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in glossary.splitlines()
            if line.startswith("| ") and not line.startswith("| 中文")]
    english = {}
    for row in rows:
        for word in re.split(r"\s*/\s*|（", row[0]):
            english[word.strip("） ")] = row[1]
    for term in ("投诉", "登记", "分派", "调查核实", "处理决定", "告知", "办结", "归档", "撤回",
                 "核查", "回避", "延长处理期限", "中止计时", "重大消费投诉", "应急预案", "演练",
                 "溯源整改"):
        assert english.get(term), f"{term} is not in docs/glossary.md with its English"
    words = set(english)
    i18n.set_language("zh")
    try:
        for value in ("registered", "assigned", "investigating", "resolved", "closed", "archived",
                      "withdrawn", "merged", "under_review", "clerk", "handler", "supervisor",
                      "auditor", "admin"):
            assert i18n.label(value) in words, value
        for value in ("register", "assign", "investigate", "resolve", "close", "archive",
                      "withdraw", "merge", "reopen", "pause", "extend", "reassign", "resume"):
            assert i18n.term(value) in words, value
    finally:
        i18n.set_language("en")
