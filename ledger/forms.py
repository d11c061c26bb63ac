"""Forms of the export ledger."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ledger.models import ExportReport
from network.models import Organisation


class ExportReportForm(forms.ModelForm):
    """A quarter's export revenue, for one of my startups or for myself as a freelancer."""

    reporter = forms.ChoiceField(label=_("Whose exports"))
    evidence_file = forms.FileField(
        label=_("Evidence (PDF, PNG or JPEG, at most 5 MB)"),
        required=False,
        help_text=_("An invoice summary, a bank statement or a payment platform's report."),
    )

    class Meta:
        model = ExportReport
        fields = ["centre", "year", "quarter", "amount", "currency", "markets", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, startups=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(s.pk), s.name) for s in startups] + [("self", _("Myself, as a freelancer"))]
        self.fields["reporter"].choices = choices
        self.fields["centre"].queryset = Organisation.objects.exclude(kind=Organisation.Kind.STARTUP).order_by("name")
        self.fields["currency"].help_text = _("Three letters, e.g. USD, GBP, EUR, AED, PKR.")
        if editing:
            for name in ("reporter", "centre", "year", "quarter"):
                del self.fields[name]

    def _post_clean(self):
        pass  # the service validates the report once it knows who reports it

    def export_data(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ("year", "quarter", "amount", "currency", "markets", "note")
            if k in self.cleaned_data
        }


class ExportQueryForm(forms.Form):
    reason = forms.CharField(
        label=_("Question for the reporter"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
