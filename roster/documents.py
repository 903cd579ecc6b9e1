"""The roster as an administrative document ("Lịch trực", Decree 30/2020/NĐ-CP layout) and as
a spreadsheet: both show days × shifts with names and phone numbers."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone, translation
from openpyxl import Workbook

from hotline import exports
from roster import hours
from roster.models import Assignment
from roster.names import name_key, person_name


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


def roster_xlsx(grid: RosterGrid, unit, parent, today: datetime.date, place: str) -> bytes:
    """The roster as the printed document (templates/roster/print.html), in Vietnamese
    whatever the screen's language since it is signed and filed: heading, title, a row a day
    (the day a real date), the signature block; A4 fitted to the width."""
    book = Workbook()
    sheet = book.active
    sheet.title = exports.sheet_name(f"Lịch trực nhánh {grid.line.digit}")
    width = 2 + len(grid.slots)
    exports.set_widths(sheet, [10, 12, *([36] * len(grid.slots))])
    heading = exports.Heading(
        superior=parent.name if parent else "",
        issuer=unit.name,
        symbol=f"LT-{unit.code.upper()}",
        place=place,
        today=today,
        title=grid.title,
        subtitle=grid.subtitle,
    )
    header_row = exports.write_heading(sheet, heading, width)
    header = ["Thứ", "Ngày", *(f"Ca {a:%H:%M} – {b:%H:%M}" for a, b in grid.slots)]
    rows = [
        [
            exports.weekday_name(day),
            day,
            *("\n".join(f"{name} ({phone})" for name, phone in cell) or "— chưa phân công —" for cell in cells),
        ]
        for day, cells in grid.rows
    ]
    row = exports.write_table(sheet, header_row, header, rows)
    signer = unit.directors.order_by("pk").first()
    exports.write_signature(
        sheet,
        row,
        width,
        recipients=[f"{grid.line.hotline.unit.name} (để b/c);", "Các cán bộ có tên trong lịch;", "Lưu: VT."],
        title="GIÁM ĐỐC",
        signer=person_name(signer) if signer else "",
    )
    exports.set_up_pages(sheet, header_row=header_row, landscape=len(grid.slots) > 2)
    return exports.xlsx_bytes(book)


def hours_xlsx(rows, *, unit, first: datetime.date, last: datetime.date, today: datetime.date, place: str) -> bytes:
    """The hours report (roster/hours.py) as a signed summary: hours as numbers, one row an
    agent in Vietnamese name order, the unit's heading and the signature block."""
    book = Workbook()
    sheet = book.active
    sheet.title = exports.sheet_name(f"Giờ trực {first:%d.%m}-{last:%d.%m.%Y}")
    # The CSV's columns of this period's hours, numbered; in Vietnamese like the rest of the
    # signed document, whatever the screen's language.
    with translation.override("vi"):
        header = ["STT", *(str(title) for title in hours.CSV_HEADER[:8])]
    exports.set_widths(sheet, [6, 28, 14, 30, 8, 10, 10, 10, 10])
    heading = exports.Heading(
        superior=unit.parent.name if unit and unit.parent else "",
        issuer=unit.name if unit else "",
        symbol=f"BC-{unit.code.upper()}" if unit else "BC",
        place=place,
        today=today,
        title="BẢNG TỔNG HỢP GIỜ TRỰC",
        subtitle=f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}",
    )
    header_row = exports.write_heading(sheet, heading, len(header))
    values = [
        [
            number,
            row.agent.full_name,
            row.agent.phone_display,
            row.agent.unit.name,
            row.shifts,
            row.hours,
            row.night_hours,
            row.weekend_hours,
            row.holiday_hours,
        ]
        for number, row in enumerate(rows, start=1)
    ]
    end = exports.write_table(sheet, header_row, header, values)
    for cells in sheet.iter_rows(min_row=header_row + 1, max_row=end - 1, min_col=6, max_col=9):
        for cell in cells:
            cell.number_format = "0.0"
    signer = unit.directors.order_by("pk").first() if unit else None
    exports.write_signature(
        sheet,
        end,
        len(header),
        recipients=["Bộ phận kế toán (để chi trả);", "Lưu: VT."],
        title="THỦ TRƯỞNG ĐƠN VỊ",
        signer=person_name(signer) if signer else "",
    )
    exports.set_up_pages(sheet, header_row=header_row, landscape=False)
    return exports.xlsx_bytes(book)
