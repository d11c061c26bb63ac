from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mentorship.models import AvailabilityRule, BlockedDate, ExtraHours, Mentor, SessionType


class MentorForm(forms.ModelForm):
    class Meta:
        model = Mentor
        fields = ["timezone", "expertise", "meeting_url"]
        widgets = {"timezone": forms.TextInput(attrs={"list": "timezone-suggestions", "autocomplete": "off"})}
        help_texts = {
            "timezone": _("Your weekly hours are kept in this zone, e.g. America/Los_Angeles."),
            "meeting_url": _("Optional: your own Zoom, Meet or Teams link, for session types that use it."),
        }


class MentorBecomeForm(MentorForm):
    """Becoming a mentor also asks whether visitors may see the profile (ticked: mentors are public by default)."""

    public_profile = forms.BooleanField(
        label=_("Show my profile on the public mentor list"),
        required=False,
        initial=True,
        help_text=_(
            "Founders who have not signed up yet can then find you. Untick it to be seen only by signed-in "
            "members; you can change this later on your profile."
        ),
    )


class SessionTypeForm(forms.ModelForm):
    class Meta:
        model = SessionType
        fields = [
            "title",
            "description",
            "duration_minutes",
            "requires_approval",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_hours",
            "horizon_days",
            "cancel_window_hours",
            "reschedule_window_hours",
            "reschedule_cap",
            "weekly_cap",
            "per_mentee_cap",
            "location",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "location": forms.RadioSelect}


class TimeInput(forms.TimeInput):
    input_type = "time"


class DateInput(forms.DateInput):
    input_type = "date"


class HoursWindowFormMixin:
    """A clear message for hours that end before they start (instead of the constraint's name)."""

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start_time"), cleaned_data.get("end_time")
        if start is not None and end is not None and start >= end:
            self.add_error("end_time", _("The end time must be after the start time."))
        return cleaned_data


class AvailabilityRuleForm(HoursWindowFormMixin, forms.ModelForm):
    class Meta:
        model = AvailabilityRule
        fields = ["weekday", "start_time", "end_time"]
        widgets = {"start_time": TimeInput(format="%H:%M"), "end_time": TimeInput(format="%H:%M")}


class ExtraHoursForm(HoursWindowFormMixin, forms.ModelForm):
    class Meta:
        model = ExtraHours
        fields = ["date", "start_time", "end_time"]
        widgets = {"date": DateInput(), "start_time": TimeInput(format="%H:%M"), "end_time": TimeInput(format="%H:%M")}


class BlockedDateForm(forms.ModelForm):
    class Meta:
        model = BlockedDate
        fields = ["date", "note"]
        widgets = {"date": DateInput()}


class BookingForm(forms.Form):
    agenda = forms.CharField(
        label=_("What would you like to discuss?"),
        min_length=10,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The mentor reads this before accepting. Share your stage, your question, any links."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the session?"),
        coerce=int,
        choices=[(5, _("5 — excellent")), (4, "4"), (3, "3"), (2, "2"), (1, _("1 — not useful"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    may_feature = forms.BooleanField(label=_("Rabta may feature this session in a success story"), required=False)
    share_review = forms.BooleanField(
        label=_("Show my rating and comment on my mentor's page"),
        help_text=_(
            "Rabta's staff read it first. Members who may see your profile see your name; others see "
            "\u201ca founder on Rabta\u201d. You can take it down at any time."
        ),
        required=False,
    )

    def __init__(self, *args, founder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A mentor's rating of a founder is never public.
        if not founder:
            del self.fields["share_review"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("share_review") and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Write a comment to share it as a review."))
        return cleaned


class EndorsementForm(forms.Form):
    text = forms.CharField(
        label=_("Your endorsement"), max_length=1500, widget=forms.Textarea(attrs={"rows": 4}), min_length=10
    )
