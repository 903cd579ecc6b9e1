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
