"""Forms of the directors' and agents' pages."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from hotline.fields import DayField, MomentField
from hotline.forms import within_upload_limit
from roster.models import Agent, DutyLogEntry, Leave, UnitRules, Wish
from roster.phones import normalize_phone


def language_choices():
    """Each language named in itself, as the language menu names it: "English" to whoever reads it."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class AgentForm(forms.ModelForm):
    """An agent, as a director edits them: only their own units and lines are offered."""

    class Meta:
        model = Agent
        fields = [
            "full_name",
            "phone",
            "email",
            "extension",
            "unit",
            "lines",
            "max_hours_per_week",
            "min_hours_per_roster",
            "max_hours_per_roster",
            "language",
            "notify_by_sms",
            "notify_by_email",
            "active",
        ]
        widgets = {"lines": forms.CheckboxSelectMultiple}

    def __init__(self, *args, units, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["lines"].queryset = lines.select_related("hotline")
        self.fields["language"].choices = language_choices()

    def clean_phone(self):
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except ValidationError as e:
            raise ValidationError(e.messages) from e
        if Agent.objects.filter(phone=phone).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another agent has this phone number."))
        return phone


class AgentImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns full_name,phone,email,unit,lines,max_hours_per_week (unit: its code or full name; lines: "
            "menu keys such as 2 or 1;2), separated by commas or semicolons; UTF-8 (in Excel: “CSV UTF-8”)."
        ),
        validators=[within_upload_limit],
    )
    skip_bad = forms.BooleanField(label=_("Write the good rows even if some are bad"), required=False)


class LeaveRequestForm(forms.ModelForm):
    class Meta:
        model = Leave
        fields = ["start", "end", "reason"]
        field_classes = {"start": MomentField, "end": MomentField}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The leave must end after it starts."))
        return data


class AgentSettingsForm(forms.ModelForm):
    """What an agent sets for themselves: how they are told, and the site's language."""

    class Meta:
        model = Agent
        fields = ["notify_by_sms", "notify_by_email", "email", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices()


class UnitRulesForm(forms.ModelForm):
    """The optional rules a director sets for the rosters of their unit's agents."""

    class Meta:
        model = UnitRules
        fields = [
            "max_shifts_per_day",
            "no_day_after_night",
            "min_consecutive_days",
            "max_consecutive_days",
            "min_consecutive_days_off",
            "max_weekends",
            "max_night_shifts",
            "min_hours",
            "max_hours",
            "overtime_normal_week",
            "overtime_per_month",
            "overtime_per_year",
            "extra_agents_per_shift",
        ]


class WishForm(forms.ModelForm):
    """A wish an agent enters for a day ahead."""

    class Meta:
        model = Wish
        fields = ["work", "date", "shift_type", "weight"]
        field_classes = {"date": DayField}
        widgets = {"work": forms.RadioSelect, "weight": forms.RadioSelect}

    def __init__(self, *args, agent, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent, self.today = agent, today

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day <= self.today:
            raise ValidationError(_("Wishes are for the days ahead: choose a day after today."))
        return day

    def clean(self):
        data = super().clean()
        day, shift_type = data.get("date"), data.get("shift_type")
        if day and shift_type is not None and self.agent.wishes.filter(date=day, shift_type=shift_type).exists():
            self.add_error("date", _("You already have a wish for this day and shift; remove it first."))
        return data

    def save(self, commit=True):
        self.instance.agent = self.agent
        return super().save(commit)


class DutyLogForm(forms.ModelForm):
    class Meta:
        model = DutyLogEntry
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
