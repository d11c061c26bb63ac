from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from investments.models import Cohort, Milestone, Pitch
from network.models import Organisation


class DateInput(forms.DateInput):
    input_type = "date"


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = [
            "name", "phase", "description", "starts_on", "ends_on", "demo_day", "applications_close_on", "sectors",
        ]  # fmt: skip
        widgets = {
            "sectors": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "demo_day": DateInput(),
            "applications_close_on": DateInput(),
        }

    def clean(self):
        cleaned_data = super().clean()
        starts, ends = cleaned_data.get("starts_on"), cleaned_data.get("ends_on")
        demo_day = cleaned_data.get("demo_day")
        if starts and ends and starts > ends:
            self.add_error("ends_on", _("The cohort must end after it starts."))
        if starts and demo_day and demo_day < starts:
            self.add_error("demo_day", _("Demo day comes after the cohort starts."))
        return cleaned_data

    def validate_constraints(self):
        # The date rules above say it in words; the database constraints stay the last guard.
        if not self.errors:
            super().validate_constraints()


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=120)
    description = forms.CharField(label=_("What a 5 looks like"), max_length=300, required=False)
    weight = forms.IntegerField(label=_("Weight (1–5)"), min_value=1, max_value=5, initial=1)


class ReviewerForm(forms.Form):
    email = forms.EmailField(label=_("Reviewer's email address"))


class MentorAssignForm(forms.Form):
    startup = forms.ModelChoiceField(label=_("Startup"), queryset=Organisation.objects.none())
    email = forms.EmailField(label=_("Mentor's email address"))
    office_hours = forms.CharField(
        label=_("Office hours"),
        max_length=200,
        required=False,
        help_text=_("e.g. every other Tuesday, 16:00–17:00 Pakistan time"),
    )

    def __init__(self, *args, startups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["startup"].queryset = startups


class ApplicationForm(forms.Form):
    """The startup to apply for, then one field per question of the cohort."""

    startup = forms.ModelChoiceField(label=_("Startup"), queryset=Organisation.objects.none(), empty_label=None)

    def __init__(self, *args, cohort: Cohort, startups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["startup"].queryset = startups
        for question in cohort.questions.all():
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=question.text,
                help_text=question.help_text,
                required=question.required,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("question_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("question_")
        }


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"{criterion.name} (×{criterion.weight})",
                help_text=criterion.description,
                choices=[(n, str(n)) for n in range(1, 6)],
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.order_fields([f"criterion_{c.pk}" for c in self.criteria] + ["comment"])

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("admit", _("Admit")), ("decline", _("Decline"))])
    note = forms.CharField(label=_("Note to the startup (optional)"), max_length=1000, required=False)


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "kpi", "kpi_label", "target", "due_on"]
        widgets = {"due_on": DateInput()}


class EvidenceForm(forms.Form):
    value = forms.DecimalField(label=_("Figure reached"), min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(
        label=_("Evidence file (PDF, PNG or JPEG, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What is missing?"), max_length=1000)


class TrancheForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=1, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="PKR")
    milestone = forms.ModelChoiceField(
        label=_("Released when this milestone is verified"), queryset=Milestone.objects.none(), required=False
    )

    def __init__(self, *args, milestones=None, **kwargs):
        super().__init__(*args, **kwargs)
        if milestones is not None:
            self.fields["milestone"].queryset = milestones


class PitchForm(forms.ModelForm):
    """The pitch editor. Traction is entered as up to four figures (metric and value)."""

    deck_file = forms.FileField(
        label=_("Deck (PDF, at most 20 MB)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )

    class Meta:
        model = Pitch
        fields = [
            "one_liner", "stage", "sector", "problem", "solution", "market", "team",
            "ask_amount", "currency", "instrument", "valuation_cap", "pre_money", "minimum_ticket",
            "use_of_funds", "video_url", "allow_download",
        ]  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("problem", "solution", "market", "team", "use_of_funds")
        }

    TRACTION_ROWS = 4

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = list(self.instance.traction or []) if self.instance.pk else []
        for n in range(self.TRACTION_ROWS):
            row = existing[n] if n < len(existing) else {}
            self.fields[f"traction_metric_{n}"] = forms.CharField(
                label=_("Traction figure %(n)d: metric") % {"n": n + 1},
                max_length=80,
                required=False,
                initial=row.get("metric", ""),
                help_text=_("e.g. Monthly revenue (USD)") if n == 0 else "",
            )
            self.fields[f"traction_value_{n}"] = forms.CharField(
                label=_("Traction figure %(n)d: value") % {"n": n + 1},
                max_length=40,
                required=False,
                initial=row.get("value", ""),
            )

    def clean(self):
        cleaned_data = super().clean()
        rows = []
        for n in range(self.TRACTION_ROWS):
            metric = (cleaned_data.get(f"traction_metric_{n}") or "").strip()
            value = (cleaned_data.get(f"traction_value_{n}") or "").strip()
            if metric and value:
                rows.append({"metric": metric, "value": value})
            elif metric or value:
                self.add_error(f"traction_value_{n}", _("Give both the metric and its value, or neither."))
        cleaned_data["traction"] = rows
        return cleaned_data

    def pitch_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["traction"] = self.cleaned_data["traction"]
        return data


class PitchActionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    LABELS = {"endorse": _("Endorsement, shown to investors"), "return": _("Comments for the startup")}

    def __init__(self, *args, action: str = "", **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s" if action else "id_%s")
        super().__init__(*args, **kwargs)
        if action in self.LABELS:
            self.fields["comment"].label = self.LABELS[action]
