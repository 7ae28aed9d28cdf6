"""Chinese help laid out by terminal columns (see ``usage_i18n``): under zh, text breaks
between Chinese characters (never before a closing mark such as ，。）, nor after an opening one
such as （), lines are measured in terminal columns, and a summary is the first sentence, cut to
fit. Other text is wrapped exactly as Click wraps it."""

from __future__ import annotations

import re
import textwrap

from complaintctl.i18n import language


def by_columns(text: str) -> bool:
    """Whether ``text`` is laid out by terminal columns: Chinese characters, under zh."""
    return language() == "zh" and any(wide(c) for c in text)


#: marks that never begin a line (they close what precedes them) and that never end one
_CLOSING = frozenset("，。、；：！？）］】」』》〉｝…%％")
_OPENING = frozenset("（［【「『《〈｛")


def wide(char: str) -> bool:
    """Whether a terminal gives ``char`` two columns (a Chinese character)."""
    import unicodedata

    return unicodedata.east_asian_width(char) in ("W", "F")


def _columns(text: str) -> int:
    """The columns a terminal gives ``text``: two for each wide (Chinese) character."""
    return sum(2 if wide(c) else 1 for c in text)


def _breakable(chunks: list[str]) -> list[str]:
    """``chunks`` (words and spaces) cut further so a line may break between two Chinese
    characters, but never before a closing mark nor after an opening one."""
    pieces: list[str] = []
    for chunk in chunks:
        if chunk.isspace() or not any(wide(c) for c in chunk):
            pieces.append(chunk)
            continue
        run = ""
        for char in chunk:
            if wide(char):
                if run:
                    pieces.append(run)
                    run = ""
                pieces.append(char)
            else:
                run += char
        if run:
            pieces.append(run)
    glued: list[str] = []
    for piece in pieces:
        if glued and not glued[-1].isspace() and not piece.isspace() and (
                piece[0] in _CLOSING or glued[-1][-1] in _OPENING or _open_note(glued[-1])):
            glued[-1] += piece
        else:
            glued.append(piece)
    return glued


def _open_note(text: str) -> bool:
    """Whether ``text`` is the start of a short note Click appends in brackets ([默认：table],
    [必填]), which is kept on one line."""
    return text.startswith("[") and "]" not in text and _columns(text) < 24


def first_sentence(help: str, room: int) -> str:
    """A command's one-line summary in Chinese: its first sentence, cut where a line may
    break to fit ``room`` columns, with an ellipsis, when it is longer."""
    words = help.split("\n\n")[0].split()
    text = " ".join(words[1:] if words and words[0] == "\b" else words)
    end = text.find("。")
    if end != -1:
        text = text[:end + 1]
    if _columns(text) <= room:
        return text
    cut = ""
    for piece in _breakable(re.split(r"(\s+)", text)):
        if _columns(cut + piece) > room - 1:
            break
        cut += piece
    return cut.rstrip(" ，、；：") + "…"


def wrap_text(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """Click's ``wrap_text`` (paragraphs, ``\\b`` blocks kept as they are) with
    ``WideTextWrapper``: the lines of a Chinese help under zh."""
    text = text.expandtabs()
    wrapper = WideTextWrapper(width, initial_indent=initial_indent,
                              subsequent_indent=subsequent_indent, replace_whitespace=False)
    if not preserve_paragraphs:
        return wrapper.fill(text)
    paragraphs: list[tuple[int, bool, str]] = []
    lines: list[str] = []
    indent = None

    def flush() -> None:
        if lines:
            if lines[0].strip() == "\b":
                paragraphs.append((indent or 0, True, "\n".join(lines[1:])))
            else:
                paragraphs.append((indent or 0, False, " ".join(lines)))
            lines.clear()

    for line in text.splitlines():
        if not line:
            flush()
            indent = None
        else:
            if indent is None:
                indent = len(line) - len(line.lstrip())
                line = line.lstrip()
            lines.append(line)
    flush()
    out = []
    for indent, raw, paragraph in paragraphs:
        extra = " " * indent
        wrapper.initial_indent, wrapper.subsequent_indent = (initial_indent + extra,
                                                             subsequent_indent + extra)
        if raw:
            out.append("\n".join((wrapper.subsequent_indent if i else wrapper.initial_indent)
                                  + line for i, line in enumerate(paragraph.splitlines())))
        else:
            out.append(wrapper.fill(paragraph))
    return "\n\n".join(out)


class WideTextWrapper(textwrap.TextWrapper):
    """Click's TextWrapper, which under zh breaks lines between Chinese characters and
    measures them in terminal columns; other text is wrapped as Click wraps it."""

    def _handle_long_word(self, reversed_chunks, cur_line, cur_len, width):
        """A word longer than the line is cut where the line ends (as Click does)."""
        space_left = max(width - cur_len, 1)
        last = reversed_chunks[-1]
        cur_line.append(last[:space_left])
        reversed_chunks[-1] = last[space_left:]

    def _split(self, text):
        chunks = super()._split(text)
        if language() != "zh" or not any(wide(c) for c in text):
            return chunks
        return _breakable(chunks)

    def _wrap_chunks(self, chunks):
        if language() != "zh" or not any(wide(c) for chunk in chunks for c in chunk):
            return super()._wrap_chunks(chunks)
        lines: list[str] = []
        chunks.reverse()
        while chunks:
            indent = self.subsequent_indent if lines else self.initial_indent
            width = self.width - _columns(indent)
            if self.drop_whitespace and lines and chunks[-1].isspace():
                del chunks[-1]
            line: list[str] = []
            used = 0
            while chunks and used + _columns(chunks[-1]) <= width:
                used += _columns(chunks[-1])
                line.append(chunks.pop())
            if chunks and _columns(chunks[-1]) > width:  # longer than a line: cut it
                last, cut = chunks[-1], ""
                for char in last:
                    if used + _columns(cut + char) > width and (cut or line):
                        break
                    cut += char
                line.append(cut)
                chunks[-1] = last[len(cut):]
                if not chunks[-1]:
                    chunks.pop()
            if self.drop_whitespace and line and line[-1].isspace():
                line.pop()
            if line:
                lines.append(indent + "".join(line))
        return lines
