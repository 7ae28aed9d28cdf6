"""present.wrap: long values of ``show`` are wrapped by display width, not laid out by Rich in
a table cell (which took a third of a second for 100,000 Chinese characters)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from complaintctl.present import render
from complaintctl.present.wrap import wrap

TEXT = st.lists(st.sampled_from(list("ab cd长费，\n") + ["English ", "年费 ", "x" * 50]),
                max_size=120).map("".join)


@settings(max_examples=200, deadline=None)
@given(TEXT, st.integers(min_value=2, max_value=120))
def test_every_line_fits_and_nothing_but_spaces_is_lost(text, width):
    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert len(lines) >= text.count("\n") + 1  # the text's own line breaks are kept


def test_words_are_kept_whole_and_chinese_breaks_anywhere():
    assert wrap("hello world foo", 11) == ["hello world", "foo"]
    assert wrap("长" * 7, 6) == ["长长长", "长长长", "长"]
    assert wrap("ab 长长长长长长", 6) == ["ab 长", "长长长", "长长"]
    assert wrap("", 10) == [""]


def test_a_long_value_follows_the_panel_as_a_wrapped_block(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    render.reset()
    long = "多收年费" * 600  # 2,400 characters: over render.LONG_TEXT
    render.fields([("Summary", "年费"), ("Description", long)])
    out = capsys.readouterr().out.splitlines()
    render.reset()
    assert any(line.startswith("Description") and "(below)" in line for line in out)
    block = out[out.index("Description") + 1:]
    assert all(line.startswith("  ") and cell_len(line) <= 40 for line in block)
    assert "".join(line.strip() for line in block) == long


def test_a_long_value_is_inert_in_its_block_too(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    render.reset()
    render.fields([("Description", "\x1b]0;owned\x07" + "长" * 2_100)])
    out = capsys.readouterr().out
    render.reset()
    assert "\x1b" not in out and "\x07" not in out
