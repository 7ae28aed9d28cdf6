"""Text a spreadsheet would run as a formula (OWASP CSV injection): a cell starting with
= + - @, tab, CR or LF. Every spreadsheet format written here (CSV, XLSX, the reports' CSV and
XLSX) passes its text cells through ``neutralise``; JSON stays exact."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: str) -> str:
    """``=SUM(A1)`` -> ``'=SUM(A1)``: shown as text by every spreadsheet, never run."""
    if value and value[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value
