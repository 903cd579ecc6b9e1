"""The roster as an administrative document ("Lịch trực", Decree 30/2020/NĐ-CP layout) and as
a spreadsheet: both show days × shifts with names and phone numbers."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hotline.exports import xlsx_bytes
from roster.models import Assignment
from roster.names import name_key

# The document is Vietnamese whatever the screen's language: it is signed and filed.
MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


@dataclass
class RosterGrid:
    line: object
    start: datetime.date
    end: datetime.date
    slots: list = field(default_factory=list)  # [(start time, end time)]
    rows: list = field(default_factory=list)  # [(day, [[(name, phone)], …one list a slot])]

    @property
    def title(self) -> str:
        return f"LỊCH TRỰC {self.line.hotline.name.upper()}"

    @property
    def subtitle(self) -> str:
        return (
            f"Nhánh {self.line.digit}: {self.line.label} — từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"
        )


def roster_grid(line, shifts, start, end) -> RosterGrid:
    slots = sorted({(timezone.localtime(s.start).time(), timezone.localtime(s.end).time()) for s in shifts})
    by_day = {}
    for shift in shifts:
        day = timezone.localtime(shift.start).date()
        slot = slots.index((timezone.localtime(shift.start).time(), timezone.localtime(shift.end).time()))
        cells = by_day.setdefault(day, [[] for _ in slots])
        holding = [a for a in shift.assignments.all() if a.status not in Assignment.NOT_HOLDING]
        cells[slot].extend((a.agent.full_name, a.agent.phone_display) for a in holding)
    rows = []
    day = start
    while day <= end:
        cells = by_day.get(day, [[] for _ in slots])
        rows.append((day, [sorted(cell, key=lambda person: name_key(person[0])) for cell in cells]))
        day += datetime.timedelta(days=1)
    return RosterGrid(line, start, end, slots, rows)


WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def weekday_name(day: datetime.date) -> str:
    return WEEKDAYS[day.weekday()]


def roster_xlsx(grid: RosterGrid, unit, parent, today: datetime.date, place: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Nhanh {grid.line.digit}"
    width = 2 + len(grid.slots)
    bold = Font(bold=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append([(parent.name.upper() if parent else "")])
    sheet.append([unit.name.upper()])
    sheet["A2"].font = bold
    sheet.cell(row=1, column=width - 1, value=MOTTO_1).font = bold
    sheet.cell(row=2, column=width - 1, value=MOTTO_2).font = bold
    sheet.cell(row=3, column=width - 1, value=f"{place}, ngày {today:%d} tháng {today:%m} năm {today:%Y}").font = Font(
        italic=True
    )
    sheet.append([])
    sheet.append([grid.title])
    sheet.cell(row=5, column=1).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=5, start_column=1, end_row=5, end_column=width)
    sheet.cell(row=5, column=1).alignment = centred
    sheet.append([grid.subtitle])
    sheet.merge_cells(start_row=6, start_column=1, end_row=6, end_column=width)
    sheet.cell(row=6, column=1).alignment = centred
    sheet.append([])
    header = ["Thứ", "Ngày", *(f"Ca {a:%H:%M}–{b:%H:%M}" for a, b in grid.slots)]
    sheet.append(header)
    thin = Side(style="thin")
    for column in range(1, width + 1):
        cell = sheet.cell(row=8, column=column)
        cell.font, cell.alignment = bold, centred
    for day, cells in grid.rows:
        sheet.append(
            [weekday_name(day), day.strftime("%d/%m/%Y"), *("\n".join(f"{n} ({p})" for n, p in cell) for cell in cells)]
        )
    for row in sheet.iter_rows(min_row=8, max_row=sheet.max_row, max_col=width):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 12
    for column in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 36
    return xlsx_bytes(book)
