"""Cells of the CSV and XLSX files the site hands out, safe to open in a spreadsheet.

The roster and the monthly report also go out as spreadsheets laid out as the signed
documents they are (see "Documents as spreadsheets" below).

Names, units and labels are typed by users. A cell that starts like a formula (`=`, `+`,
`-`, `@`, a tab or a carriage return) would be run by Excel or LibreOffice when the file is
opened, e.g. `=HYPERLINK(...)` sending data away (OWASP "CSV injection"). Every export goes
through this module so that such text stays text; numbers and dates are left as they are.
"""

import datetime
import io
import math
import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

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


# Documents as spreadsheets ------------------------------------------------------------------------
#
# The roster and the monthly report are signed and filed as the printed pages are: the same
# heading (Decree 30/2020/NĐ-CP: the issuing unit on the left, the national motto and the
# place and date on the right), title, period and signature block, in Vietnamese whatever the
# screen's language, on A4 fitted to the page's width with the table's header on every page.

MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
# As the printed roster names the days (Django's date filter, in Vietnamese).
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
DATE_FORMAT = "dd/mm/yyyy"
PERCENT_FORMAT = "0.0%"
FONT = "Times New Roman"
# Excel refuses a sheet name longer than 31 characters or with any of these.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def weekday_name(day: datetime.date) -> str:
    return WEEKDAYS[day.weekday()]


def sheet_name(text: str) -> str:
    """A sheet name Excel opens: diacritics kept, forbidden characters made dashes, at most
    31 characters, never starting or ending with an apostrophe."""
    return SHEET_NAME_FORBIDDEN.sub("-", text).strip().strip("'")[:31].strip() or "Sheet1"


@dataclass
class Heading:
    issuer: str
    symbol: str
    place: str
    today: datetime.date
    title: str
    subtitle: str
    superior: str = ""


def set_widths(sheet, widths: list) -> None:
    """Column widths (in characters), set first: the heading fits its text to them."""
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def write_heading(sheet, heading: Heading, width: int) -> int:
    """The document's heading on the first rows of a sheet `width` columns wide; returns the
    first row below it (the table's header goes there)."""
    left = max(1, width // 2)
    issuer_lines = [(heading.superior.upper(), False)] if heading.superior else []
    issuer_lines += [(heading.issuer.upper(), True), (f"Số:        /{heading.symbol}", False)]
    date_line = f"{heading.place}, ngày {heading.today:%d} tháng {heading.today:%m} năm {heading.today:%Y}"
    motto_lines = [(MOTTO_1, True, False), (MOTTO_2, True, False), (date_line, False, True)]
    for row, (text, bold) in enumerate(issuer_lines, start=1):
        merged(sheet, row, 1, left, text, Font(name=FONT, bold=bold))
    for row, (text, bold, italic) in enumerate(motto_lines, start=1):
        merged(sheet, row, left + 1, width, text, Font(name=FONT, bold=bold, italic=italic))
    row = max(len(issuer_lines), len(motto_lines)) + 2
    merged(sheet, row, 1, width, heading.title, Font(name=FONT, bold=True, size=14))
    merged(sheet, row + 1, 1, width, heading.subtitle, Font(name=FONT, bold=True))
    return row + 3


def merged(sheet, row: int, first: int, last: int, value, font) -> None:
    """Text centred across columns `first` to `last`, wrapped. Spreadsheets do not grow a
    row to fit merged cells, so the row is made tall enough for the lines it needs."""
    cell = sheet.cell(row=row, column=first, value=value)
    cell.font = font
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    room = sum(sheet.column_dimensions[get_column_letter(c)].width or 10 for c in range(first, last + 1))
    # Bold capitals take about a fifth more room than the width's average character.
    needed = len(str(value or "")) * (1.2 if font.bold else 1.0) * (font.size or 11) / 11
    lines = max(1, math.ceil(needed / room))
    if lines > 1:
        height = lines * 1.4 * (font.size or 11)
        sheet.row_dimensions[row].height = max(sheet.row_dimensions[row].height or 0, height)


def write_table(sheet, row: int, header: list, rows: list) -> int:
    """A bordered table from `row`: a bold header, then the rows (dates shown dd/mm/yyyy,
    text wrapped); returns the first row below it."""
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, title in enumerate(header, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for number, values in enumerate(rows, start=row + 1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            cell.font = Font(name=FONT)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = border
            if isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
    return row + len(rows) + 1


def write_signature(sheet, row: int, width: int, *, recipients: list, title: str, signer: str) -> int:
    """ "Nơi nhận" on the left, the signer's title, room to sign and name on the right."""
    left = max(1, width // 2)
    row += 1
    merged(sheet, row, 1, left, "Nơi nhận:", Font(name=FONT, bold=True, italic=True))
    merged(sheet, row, left + 1, width, title, Font(name=FONT, bold=True))
    for offset, recipient in enumerate(recipients, start=1):
        cell = sheet.cell(row=row + offset, column=1, value=f"- {recipient}")
        cell.font = Font(name=FONT, size=11)
    name_row = row + max(len(recipients), 3) + 2
    merged(sheet, name_row, left + 1, width, signer, Font(name=FONT, bold=True))
    return name_row + 1


def set_up_pages(sheet, *, header_row: int, landscape: bool) -> None:
    """A4, fitted to the page's width (as many pages down as needed), the table's header
    repeated on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE if landscape else sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True


# The monthly calls report ------------------------------------------------------------------------

OUTSIDE_SHIFTS = "Ngoài ca trực"


def calls_report_xlsx(*, months, total, first, last, today, place, issuer, signer, hotlines, counted_until) -> bytes:
    """The monthly report (templates/hotline/calls_report.html) as a spreadsheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name(f"Báo cáo tháng {first:%m-%Y}")
    width = 12
    set_widths(sheet, [12, 7, 36, 30, 10, 10, 8, 10, 12, 10, 10, 10])
    numbers = ", ".join(f"{h.name} ({h.number})" for h in hotlines)
    heading = Heading(
        superior=issuer.parent.name if issuer and issuer.parent else "",
        issuer=issuer.name if issuer else "",
        symbol="BC",
        place=place,
        today=today,
        title="BÁO CÁO",
        subtitle=f"Tình hình tiếp nhận cuộc gọi {numbers} tháng {first:%m/%Y} "
        f"(từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y})",
    )
    row = write_heading(sheet, heading, width)
    summary = f"1. Tổng hợp: {total.offered} cuộc gọi đến, {total.answered} cuộc được trả lời"
    if total.answer_rate is not None:
        summary += f" ({100 * total.answer_rate:.0f}%)"
    merged(sheet, row, 1, width, f"{summary}, {total.missed} cuộc gọi nhỡ.", Font(name=FONT))
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left", wrap_text=True)
    merged(sheet, row + 1, 1, width, "2. Theo nhánh:", Font(name=FONT, bold=True))
    sheet.cell(row=row + 1, column=1).alignment = Alignment(horizontal="left")
    header_row = row + 2
    header = [
        "Tổng đài",
        "Nhánh",
        "Nội dung",
        "Đơn vị tiếp nhận",
        "Cuộc gọi đến",
        "Đã trả lời",
        "Nhỡ",
        "Tỷ lệ trả lời",
        "Trả lời trong mục tiêu",
        "Giờ cần trực",
        "Giờ đủ người trực",
        "Tỷ lệ giờ đủ người",
    ]
    rows = [
        [
            month.line.hotline.number,
            month.line.digit,
            month.line.label,
            month.line.unit.name,
            month.metrics.offered,
            month.metrics.answered,
            month.metrics.missed,
            month.metrics.answer_rate,
            month.metrics.service_level,
            month.hours_needing,
            month.hours_staffed,
            month.staffed_share,
        ]
        for month in months
    ]
    row = write_table(sheet, header_row, header, rows)
    for cells in sheet.iter_rows(min_row=header_row + 1, max_row=row - 1, min_col=8, max_col=12):
        for cell in cells:
            if cell.column in (8, 9, 12):
                cell.number_format = PERCENT_FORMAT
    if counted_until:
        note = f"Số giờ trực tính đến {counted_until:%H:%M} ngày {counted_until:%d/%m/%Y}."
        merged(sheet, row, 1, width, note, Font(name=FONT, italic=True, size=11))
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left")
        row += 1
    merged(sheet, row + 1, 1, width, "3. Cuộc gọi nhỡ theo ca trực:", Font(name=FONT, bold=True))
    sheet.cell(row=row + 1, column=1).alignment = Alignment(horizontal="left")
    slots = []
    for month in months:
        for label, metrics in month.by_slot:
            slots.append([month.line.hotline.number, month.line.digit, label, metrics.offered, metrics.missed])
        if month.outside_shifts.offered:
            outside = month.outside_shifts
            slots.append([month.line.hotline.number, month.line.digit, OUTSIDE_SHIFTS, outside.offered, outside.missed])
    row = write_table(sheet, row + 2, ["Tổng đài", "Nhánh", "Ca", "Cuộc gọi đến", "Nhỡ"], slots)
    write_signature(
        sheet, row, width, recipients=["UBND tỉnh (để b/c);", "Lưu: VT."], title="THỦ TRƯỞNG ĐƠN VỊ", signer=signer
    )
    set_up_pages(sheet, header_row=header_row, landscape=True)
    return xlsx_bytes(book)
