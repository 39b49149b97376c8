"""Text that starts like a formula stays text in the spreadsheets the app hands out (CSV and XLSX).

A cell that starts with "=", "+", "-" or "@" runs as a formula when a spreadsheet opens the file;
so does one that starts with a tab or a carriage return followed by one (a typed username such as
"=HYPERLINK(...)" in a failed sign-in, a task's content, a meeting's title). One rule for both
formats: the CSV cell gets a leading apostrophe, the XLSX cell is stored as a string and marked as
text (Excel's "quote prefix", which shows the text as typed).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise_formula(value: Any) -> str:
    """A CSV cell: ``value`` as text, with a leading apostrophe if it starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if starts_like_formula(text) else text


def neutralise_formula_cell(cell: Any) -> None:
    """An openpyxl cell whose text starts like a formula: stored as a string, marked as text."""
    if isinstance(cell.value, str) and starts_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
