"""Forms of the hotline pages."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hotline.calls import FORMATS


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
    file = forms.FileField(label=_("Call records file"), validators=[within_upload_limit])
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
    calls_per_hour = forms.FloatField(label=_("Calls per hour"), min_value=0, max_value=10_000, initial=200)
    aht_seconds = forms.FloatField(label=_("Average handling time (seconds)"), min_value=1, max_value=3600, initial=180)
    target_answer_seconds = forms.FloatField(
        label=_("Answer within (seconds)"), min_value=0, max_value=3600, initial=20
    )
    target_service_level = forms.FloatField(
        label=_("Share of calls answered that fast"), min_value=0.01, max_value=0.999, initial=0.8
    )
    shrinkage = forms.FloatField(
        label=_("Shrinkage (breaks, training, leave)"), min_value=0, max_value=0.9, initial=0.3
    )
