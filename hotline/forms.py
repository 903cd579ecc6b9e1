"""Forms of the hotline pages."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hotline.calls import FORMATS
from hotline.fields import DecimalCommaField, MonthField, PercentField
from hotline.models import Line


def within_upload_limit(upload):
    """Refuse a file over UPLOAD_MAX_MB. Django has only spooled it to a temporary file
    so far; nothing has read it into memory or imported a row of it."""
    limit = settings.UPLOAD_MAX_MB
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(limit)s MB, the most accepted. Split it into smaller files."),
            params={"limit": limit},
            code="too_large",
        )


class CallImportForm(forms.Form):
    file = forms.FileField(
        label=_("Call records file"),
        help_text=_("Master.csv may be separated by commas, or by semicolons as Excel saves it in Vietnamese."),
        validators=[within_upload_limit],
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("asterisk-queue-log", _("Asterisk queue_log")),
            ("asterisk-csv", _("Asterisk CDR (Master.csv)")),
            ("json", "JSON"),
        ],
    )
    hotline = forms.ModelChoiceField(label=_("Hotline"), queryset=None, required=False)

    def __init__(self, *args, hotlines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotline"].queryset = hotlines
        assert {value for value, _label in self.fields["format"].choices} == set(FORMATS)


class CalculatorForm(forms.Form):
    calls_per_hour = DecimalCommaField(label=_("Calls per hour"), min_value=0, max_value=10_000, initial=200)
    aht_seconds = DecimalCommaField(
        label=_("Average handling time (seconds)"), min_value=1, max_value=3600, initial=180
    )
    target_answer_seconds = DecimalCommaField(
        label=_("Answer within (seconds)"), min_value=0, max_value=3600, initial=20
    )
    target_service_level = PercentField(
        label=_("Share of calls answered that fast"), min_value=0.01, max_value=0.999, initial=0.8
    )
    shrinkage = PercentField(label=_("Shrinkage (breaks, training, leave)"), min_value=0, max_value=0.9, initial=0.3)


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))


class LineAdminForm(forms.ModelForm):
    """A line's settings in the admin, with its service level target typed as a percentage."""

    target_service_level = PercentField(
        label=_("service level target"),
        min_value=0.01,
        max_value=0.99,
        help_text=_("The share of calls to answer within that time, e.g. 80 %."),
    )

    class Meta:
        model = Line
        fields = [
            "hotline",
            "digit",
            "label",
            "description",
            "unit",
            "queue",
            "active",
            "target_answer_seconds",
            "target_service_level",
            "missed_alert_calls",
            "missed_alert_minutes",
        ]

    def clean_target_service_level(self):
        # The column keeps two decimals: whole percentages.
        return Decimal(f"{self.cleaned_data['target_service_level']:.2f}")
