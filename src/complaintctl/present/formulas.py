"""Text a spreadsheet would run as a formula (OWASP CSV injection): a cell starting with
= + - @, tab, CR or LF, or with their full-width forms ＝ ＋ － ＠ (an IME types them, and some
spreadsheets read them as the ASCII ones), or with any of these behind leading whitespace
(spaces, a no-break or an ideographic space: a spreadsheet may drop it and run the rest).
Every spreadsheet format written here (CSV, XLSX, the reports' CSV and XLSX) passes its text
cells through ``neutralise``; JSON stays exact."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d",
                    "\uff20")


def neutralise(value: str) -> str:
    """``=SUM(A1)``, `` =SUM(A1)``, ``＝SUM(A1)`` -> the same with a leading ``'``: shown as
    text by every spreadsheet, never run."""
    if value and (value[0] in FORMULA_TRIGGERS or value.lstrip()[:1] in FORMULA_TRIGGERS):
        return "'" + value
    return value
