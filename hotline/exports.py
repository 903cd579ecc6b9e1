"""Cells of the CSV and XLSX files the site hands out, safe to open in a spreadsheet.

Names, units and labels are typed by users. A cell that starts like a formula (`=`, `+`,
`-`, `@`, a tab or a carriage return) would be run by Excel or LibreOffice when the file is
opened, e.g. `=HYPERLINK(...)` sending data away (OWASP "CSV injection"). Every export goes
through this module so that such text stays text; numbers and dates are left as they are.
"""

import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_row(values) -> list:
    """A row for csv.writer: text that looks like a formula gets a leading quote, which
    spreadsheets read as "this is text" and do not show."""
    return ["'" + value if looks_like_formula(value) else value for value in values]


def xlsx_bytes(book) -> bytes:
    """The workbook as an .xlsx file, every cell that looks like a formula turned into text.

    openpyxl stores any string starting with `=` as a formula, so the cell is typed back
    to a string; the quote prefix style is what Excel itself sets for text typed with a
    leading quote, so editing the cell later does not turn it into a formula either.
    Checking the finished sheets, rather than each value as it is written, leaves no cell
    of an export forgotten.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if looks_like_formula(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
