"""Form fields for what people type on pages: days as dd/mm/yyyy, a day and time as
dd/mm/yyyy HH:MM, months as "Tháng 12/2026", numbers with a decimal comma, percentages.

A native <input type=date> follows the browser's language, and office browsers are English:
it shows 12/02/2026 for 2 December. These fields are plain text inputs with the format
written in them, the same whatever the browser. ISO (2026-12-02) stays accepted, since links,
bookmarks and scripts use it, and a value that came as ISO is shown back as dd/mm/yyyy.
The API keeps its own fields (ISO dates, fractions such as 0.8): these are for pages only."""

import datetime
import math
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.fields import date_problem
from config.formats.vi.formats import DATE_INPUT_FORMATS

DAY_FORMAT = "%d/%m/%Y"
MOMENT_FORMAT = "%d/%m/%Y %H:%M"
# strptime's %d and %m take one digit as well: 2/12/2026 reads as 02/12/2026. The days read
# are those Django's own date fields read (the admin's), in both languages.
DAY_INPUT_FORMATS = list(DATE_INPUT_FORMATS)
MOMENT_INPUT_FORMATS = [MOMENT_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
# What the browser lets through before the server reads it (the server says why it refuses).
DAY_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}"


def parse_day(text: str) -> datetime.date | None:
    for format in DAY_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), format).date()
        except ValueError:
            continue
    return None


def parse_moment(text: str) -> datetime.datetime | None:
    for format in MOMENT_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(text.strip(), format)
        except ValueError:
            continue
    return None


def typed_right_but_impossible(value) -> str | None:
    """Why text in the right shape (dd/mm/yyyy, with hh:mm) is still no day or time, such as
    31/02/2026 or 25:00: saying "type it as dd/mm/yyyy" would send the reader looking for a typo."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2}))?", str(value or "").strip())
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    if not 1 <= int(month) <= 12:
        return None  # 12/31/2026: typed month first, which the format's example answers
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return gettext("There is no day %(day)s in the calendar.") % {"day": f"{int(day):02}/{int(month):02}/{year}"}
    if hour is not None and not (int(hour) < 24 and int(minute) < 60):
        return gettext("Type the time from 00:00 to 23:59, in 24 hours.")
    return None


class DayInput(forms.DateInput):
    def __init__(self, attrs=None):
        attrs = {
            "placeholder": "dd/mm/yyyy",
            "inputmode": "numeric",
            "pattern": DAY_PATTERN,
            "title": _("A day as dd/mm/yyyy, for example 02/12/2026"),
            "autocomplete": "off",
            "size": 10,
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format=DAY_FORMAT)

    def format_value(self, value):
        # Typed or from a query string: shown as dd/mm/yyyy when it reads as a day.
        if isinstance(value, str):
            day = parse_day(value)
            return day.strftime(DAY_FORMAT) if day else value
        return super().format_value(value)


class DayField(forms.DateField):
    """A day typed as dd/mm/yyyy or d/m/yyyy (or ISO yyyy-mm-dd), from 2000 to 2099."""

    widget = DayInput
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {"invalid": _("Type the day as dd/mm/yyyy, for example 02/12/2026.")}

    def to_python(self, value):
        if problem := typed_right_but_impossible(value):
            raise forms.ValidationError(problem, code="invalid")
        day = super().to_python(value)
        if day is not None and (problem := date_problem(day)):
            raise forms.ValidationError(problem, code="out_of_range")
        return day


class MomentInput(forms.DateTimeInput):
    def __init__(self, attrs=None):
        attrs = {
            "placeholder": "dd/mm/yyyy hh:mm",
            "title": _("A day and time as dd/mm/yyyy hh:mm, for example 02/12/2026 19:00"),
            "autocomplete": "off",
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format=MOMENT_FORMAT)

    def format_value(self, value):
        if isinstance(value, str):
            moment = parse_moment(value)
            return moment.strftime(MOMENT_FORMAT) if moment else value
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return super().format_value(value)


class MomentField(forms.DateTimeField):
    """A day and a 24-hour time typed as dd/mm/yyyy HH:MM (or ISO), in the site's time zone."""

    widget = MomentInput
    input_formats = MOMENT_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("Type the day and time as dd/mm/yyyy hh:mm, for example 02/12/2026 19:00."),
    }

    def to_python(self, value):
        if problem := typed_right_but_impossible(value):
            raise forms.ValidationError(problem, code="invalid")
        moment = super().to_python(value)
        if moment is not None and (problem := date_problem(moment)):
            raise forms.ValidationError(problem, code="out_of_range")
        return moment


# Months ---------------------------------------------------------------------------------------------


def month_label(first_day: datetime.date) -> str:
    return gettext("Month %(month)s/%(year)s") % {"month": first_day.month, "year": first_day.year}


def parse_month(value) -> datetime.date | None:
    """The first day of the month in "2026-12" (the value the picker sends) or "12/2026"."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4})", str(value or "").strip())
    if not match:
        return None
    year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
    try:
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        return None


def add_months(first_day: datetime.date, months: int) -> datetime.date:
    index = first_day.year * 12 + first_day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


class MonthSelect(forms.Select):
    """The months around this one, labelled "Tháng 12/2026" and valued "2026-12"."""

    def __init__(self, attrs=None, back=24, ahead=0):
        super().__init__(attrs=attrs)
        self.back, self.ahead = back, ahead

    def format_value(self, value):
        month = parse_month(value)
        return [f"{month:%Y-%m}"] if month else []

    def get_context(self, name, value, attrs):
        this_month = timezone.localdate().replace(day=1)
        months = {add_months(this_month, k) for k in range(-self.back, self.ahead + 1)}
        if chosen := parse_month(value):
            months.add(chosen)
        self.choices = [("", "—")] if not self.is_required else []
        self.choices += [(f"{month:%Y-%m}", month_label(month)) for month in sorted(months)]
        return super().get_context(name, value, attrs)


class MonthField(forms.Field):
    """A month, as the first day of it."""

    widget = MonthSelect
    default_error_messages = {"invalid": _("Choose a month, for example 12/2026.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if problem := date_problem(month):
            raise forms.ValidationError(problem, code="out_of_range")
        return month


# Numbers --------------------------------------------------------------------------------------------


def parse_number(text: str) -> float | None:
    """A number with a decimal comma or point ("0,8", "0.8"); spaces are ignored."""
    text = re.sub(r"\s", "", text).replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)", text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def show_number(number) -> str:
    return f"{float(number):g}".replace(".", ",")


class DecimalInput(forms.TextInput):
    """A text input, not type=number: an English browser refuses "0,8" in a number input."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, str):
            number = parse_number(value)
            return show_number(number) if number is not None else value
        return None if value is None else show_number(value)


class DecimalCommaField(forms.Field):
    """A number typed with a decimal comma (0,8) or point (0.8)."""

    widget = DecimalInput
    default_error_messages = {
        "invalid": _("Type a number, with a comma before the decimals, for example 0,8."),
        "out_of_range": _("Type a number from %(min)s to %(max)s."),
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = value if isinstance(value, float | int | Decimal) else parse_number(str(value))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return float(number)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        low = -math.inf if self.min_value is None else self.min_value
        high = math.inf if self.max_value is None else self.max_value
        if not low <= value <= high:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"min": self.show(self.min_value), "max": self.show(self.max_value)},
            )

    def show(self, number) -> str:
        return "…" if number is None else show_number(number)


def parse_percent(text: str) -> float | None:
    """A share typed as a percentage ("80 %", "80%", "80", "99,9") as a fraction (0.8).

    A bare number below 1 is already a fraction ("0,8", "0.8"), as links and the API write
    it: nobody means a service level or a shrinkage of less than one percent."""
    text = text.strip()
    percent_sign = text.endswith("%")
    number = parse_number(text.removesuffix("%"))
    if number is None:
        return None
    if percent_sign or number >= 1:
        number = round(number / 100, 10)
    return number


def show_percent(fraction) -> str:
    return f"{show_number(round(float(fraction) * 100, 6))} %"


class PercentInput(DecimalInput):
    def format_value(self, value):
        if isinstance(value, str):
            fraction = parse_percent(value)
            return show_percent(fraction) if fraction is not None else value
        return None if value is None else show_percent(value)


class PercentField(DecimalCommaField):
    """A share typed as a percentage ("80 %"), kept as a fraction (0.8); min and max are fractions."""

    widget = PercentInput
    default_error_messages = {
        "invalid": _("Type a percentage, for example 80 %."),
        "out_of_range": _("Type a percentage from %(min)s to %(max)s."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        fraction = value if isinstance(value, float | int | Decimal) else parse_percent(str(value))
        if fraction is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return float(fraction)

    def show(self, fraction) -> str:
        return "…" if fraction is None else show_percent(fraction)
