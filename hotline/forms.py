"""Forms of the hotline pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.calls import FORMATS


class CallImportForm(forms.Form):
    file = forms.FileField(label=_("Call records file"))
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
