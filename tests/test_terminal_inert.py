"""Customer text cannot drive the clerk's terminal (issue 23, point 3).

A corpus of escape sequences (window title, clipboard write, hidden text, cursor moves, the
8-bit CSI and OSC, bidi overrides and isolates, zero-width characters, Rich markup) is stored in
a complaint's fields, then ``list``, ``show`` and an error quoting a typed value are run as a
subprocess on a real pseudo-terminal. The bytes the terminal receives carry no live sequence:
the only escapes in them are Rich's own colour and weight codes (SGR ``ESC [ ... m``, never 8,
hidden), and each hostile piece arrives in its visible form. JSON and CSV stay exact.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from pathlib import Path

import pytest
from rich.cells import cell_len

from complaintctl.present.inert import inert

#: (what it does on a terminal, the text, what the terminal must show instead)
CORPUS = [
    ("window title (OSC 0)", "\x1b]0;PWNED-TITLE\x07", "\\x1b]0;PWNED-TITLE\\x07"),
    ("clipboard write (OSC 52)", "\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),
    ("hidden text (SGR 8)", "\x1b[8mhidden\x1b[0m", "\\x1b[8mhidden\\x1b[0m"),
    ("clear screen, cursor home", "\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
    ("cursor up and right", "\x1b[1A\x1b[10C", "\\x1b[1A\\x1b[10C"),
    ("8-bit CSI (C1)", "\x9b31mred", "\\x9b31mred"),
    ("8-bit OSC, ST (C1)", "\x9d0;t\x9c", "\\x9d0;t\\x9c"),
    ("bell, backspace, delete", "a\x07b\x08c\x7f", "a\\x07b\\x08c\\x7f"),
    ("carriage return overwrite", "paid\rowed", "paid\\x0dowed"),
    ("right-to-left override", "abc\u202edcba\u202c", "abc<U+202E>dcba<U+202C>"),
    ("bidi isolate", "\u2066iso\u2069", "<U+2066>iso<U+2069>"),
    ("zero-width space, BOM", "a\u200bb\ufeffc", "a<U+200B>b<U+FEFF>c"),
    ("tag characters", "x\U000e0041\U000e0042", "x<U+E0041><U+E0042>"),
]
HOSTILE = "".join(text for _what, text, _shown in CORPUS)


def test_inert_shows_every_piece_of_the_corpus_visibly():
    for what, text, shown in CORPUS:
        assert inert(text) == shown, what


def test_every_control_format_separator_and_surrogate_character_is_made_visible():
    """Checked a second way: every code point of categories Cc, Cf, Zl, Zp and Cs (from
    ``unicodedata``), except newline and tab, comes out as printable ASCII."""
    caught = 0
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Cs") or char in "\n\t":
            continue
        out = inert(char)
        assert out != char and out.isascii() and out.isprintable(), hex(code)
        caught += 1
    assert caught > 2000  # 65 controls, 2048 surrogates, 160-odd format characters


def test_printable_text_chinese_included_is_unchanged_and_keeps_its_width():
    for text in ["张伟 信用卡年费重复扣收", "Émilie Ünal", "[bold]x[/bold]", "a\\x1b", "😀 €5"]:
        assert inert(text) == text and cell_len(inert(text)) == cell_len(text)


def test_newlines_are_kept_crlf_normalised_and_tabs_become_spaces_in_a_cell():
    assert inert("a\r\nb\nc") == "a\nb\nc"
    assert inert("a\tb") == "a\tb"
    assert inert("a\tb", cell=True) == "a    b"


def test_inert_is_idempotent():
    assert inert(inert(HOSTILE)) == inert(HOSTILE)


# --- through a real pseudo-terminal -----------------------------------------------------------

SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def on_a_pty(*args: str, columns: int = 200) -> bytes:
    """Run complaintctl with stdin, stdout and stderr on a new pty; everything it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(columns))
    proc = subprocess.Popen([sys.executable, "-m", "complaintctl", *args], stdin=slave,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    proc.wait(timeout=60)
    return b"".join(chunks)


def assert_no_live_sequence(data: bytes) -> None:
    """The only escapes are Rich's SGR codes (colour, weight), none of them 8 (hidden); no
    BEL, no 8-bit controls, no bidi or zero-width character reaches the terminal."""
    for match in SGR.finditer(data):
        assert "8" not in match.group(1).decode().split(";"), match.group()
    rest = SGR.sub(b"", data)
    assert b"\x1b" not in rest, rest[max(0, rest.find(b"\x1b") - 40):rest.find(b"\x1b") + 40]
    assert b"\x07" not in rest and b"\x08" not in rest and b"\x7f" not in rest
    text = rest.decode("utf-8").replace("\r\n", "\n")  # the pty's line ends
    for char in text:
        category = unicodedata.category(char)
        assert category not in ("Cf", "Zl", "Zp", "Cs"), hex(ord(char))
        assert category != "Cc" or char in "\n\t", hex(ord(char))


def test_the_check_catches_every_piece_of_the_corpus_raw():
    for what, text, _shown in CORPUS:
        with pytest.raises(AssertionError):
            assert_no_live_sequence(text.encode("utf-8", "surrogatepass"))
            pytest.fail(what)  # not caught: the check itself would be useless


def plain(data: bytes) -> str:
    """What a clerk reads: the SGR codes taken out, the pty's \\r\\n back to \\n."""
    return SGR.sub(b"", data).decode("utf-8").replace("\r\n", "\n")


@pytest.fixture
def hostile(cli):
    run = cli("register", "--channel", "phone", "--customer", "Li" + HOSTILE, "--summary",
              "Fee" + HOSTILE, "--description", "D" + HOSTILE, as_="clerk")
    assert run.exit_code == 0, run.stderr
    number = run.stdout.strip()
    assert cli("note", number, "N" + HOSTILE, as_="clerk").exit_code == 0
    return number


def _joined(text: str) -> str:
    """The table's text with its borders and line breaks taken out (a long cell folds)."""
    return re.sub(r"[\s│┃┏┓┗┛┡┩└┘├┤┼─━╇╈┳┻┯┷]+", "", text)


def test_list_and_show_on_a_real_terminal_carry_no_live_sequence(cli, hostile):
    url = cli.database.url
    for args in (["list"], ["show", hostile], ["--lang", "zh", "show", hostile]):
        data = on_a_pty("--db", url, "--as", "clerk", *args, columns=1500)  # unfolded
        assert_no_live_sequence(data)
        seen = _joined(plain(data))
        for what, _text, shown in CORPUS:
            assert _joined(shown) in seen, (args, what)


def test_an_error_quoting_a_typed_value_carries_no_live_sequence(cli, hostile):
    data = on_a_pty("--db", cli.database.url, "--as", "sup", "assign", hostile, "--to",
                    "x" + HOSTILE)
    assert_no_live_sequence(data)
    assert "Error:" in plain(data)
    data = on_a_pty("--db", cli.database.url, "--as", "clerk", "list", "--status",
                    "x" + HOSTILE)
    assert_no_live_sequence(data)


def test_json_and_csv_stay_exact(cli, hostile):
    shown = json.loads(cli("show", hostile, "--format", "json", as_="clerk").stdout)
    assert shown["summary"] == "Fee" + HOSTILE
    assert shown["events"][-1]["details"]["text"] == "N" + HOSTILE
    csv_text = cli("list", "--format", "csv", as_="clerk").stdout
    assert "Fee" + HOSTILE in csv_text


def test_a_newline_in_a_cell_keeps_the_table_whole(cli):
    run = cli("register", "--channel", "phone", "--customer", "Li\nNa", "--summary",
              "one\r\ntwo\tthree", as_="clerk")
    assert run.exit_code == 0, run.stderr
    table = cli("list", as_="clerk").stdout
    lines = [line for line in table.splitlines() if line[:1] in "┏┃┡│└┗"]
    assert len({cell_len(line) for line in lines}) == 1
    assert "two    three" in table


def test_markup_in_a_title_prints_literally(cli):
    """A table title built from data (here the mailbox source) is never read as markup."""
    from complaintctl.present import render

    assert render.title_text("[bold]x[/bold]").plain == "[bold]x[/bold]"
    assert render.title_text("\x1b]0;t\x07").plain == "\\x1b]0;t\\x07"


def test_no_module_in_present_prints_a_string_to_rich_without_the_inert_text():
    """Every Rich Text built in present/ goes through ``render.text`` (so through ``inert``):
    a bare ``Text(`` call elsewhere would let a control sequence through."""
    root = Path(__file__).parents[1] / "src" / "complaintctl" / "present"
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<![\w.])Text\(", line) and path.name != "render.py":
                offenders.append(f"{path.name}:{number}")
    assert offenders == []
