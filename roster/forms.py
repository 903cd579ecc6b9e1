"""Forms of the directors' and agents' pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hotline.fields import MomentField
from hotline.forms import within_upload_limit
from roster.models import Agent, DutyLogEntry, Leave
from roster.phones import normalize_phone


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
            "Columns full_name,phone,email,unit,lines,max_hours_per_week, separated by commas or semicolons; "
            "UTF-8 (in Excel: “CSV UTF-8”)."
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


class DutyLogForm(forms.ModelForm):
    class Meta:
        model = DutyLogEntry
        fields = ["kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
