from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from investments.models import Interest, InvestorProfile, Pitch
from network.models import Organisation, Sector


class InvestorApplicationForm(forms.ModelForm):
    class Meta:
        model = InvestorProfile
        fields = ["focus", "ticket_min", "ticket_max", "sectors", "country", "attestation"]
        widgets = {
            "focus": forms.Textarea(attrs={"rows": 4}),
            "sectors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attestation"].required = True
        self.fields["sectors"].queryset = Sector.objects.order_by("name")

    def clean(self):
        cleaned_data = super().clean()
        low, high = cleaned_data.get("ticket_min"), cleaned_data.get("ticket_max")
        if low and high and high < low:
            self.add_error("ticket_max", _("The largest ticket cannot be smaller than the smallest."))
        return cleaned_data

    def _post_clean(self):
        # The service validates the instance (it sets the user and status first).
        pass


class TermsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(label=_("I have read the confidentiality terms above and accept them"))


class DealFilterForm(forms.Form):
    SORTS = [
        ("newest", _("Newest")),
        ("raised", _("Most committed")),
        ("ask", _("Smallest ask")),
        ("-ask", _("Largest ask")),
    ]
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.order_by("name"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", _("Any")), *list(Pitch.Stage.choices)], required=False)
    instrument = forms.ChoiceField(
        label=_("Instrument"), choices=[("", _("Any")), *list(Pitch.Instrument.choices)], required=False
    )
    incubator = forms.ModelChoiceField(label=_("Incubator"), queryset=Organisation.objects.none(), required=False)
    ticket = forms.DecimalField(
        label=_("My ticket"),
        min_value=1,
        max_digits=14,
        decimal_places=0,
        required=False,
        help_text=_("Deals whose minimum ticket is at most this."),
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incubator"].queryset = (
            Organisation.objects.filter(incubated_pitches__status=Pitch.Status.READY).distinct().order_by("name")
        )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    slide = forms.IntegerField(label=_("About slide (optional)"), min_value=1, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    private = forms.BooleanField(
        label=_("Keep this question and answer between us and the investor who asked"), required=False
    )

    def __init__(self, *args, question=None, **kwargs):
        if question is not None:
            kwargs.setdefault("auto_id", f"id_q{question.pk}_%s")
            kwargs.setdefault("initial", {"answer": question.answer, "private": question.private})
        super().__init__(*args, **kwargs)


class InterestForm(forms.Form):
    stage = forms.ChoiceField(label=_("My interest"), choices=Interest.Stage.choices)
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=1,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("For a soft or firm commitment, in the round's currency."),
    )


class VetForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("suspend", _("Suspend"))],
    )
    reason = forms.CharField(
        label=_("Reason (shown to the investor; required to reject or suspend)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
