from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image

from network.models import Introduction, Membership, Organisation, Profile

# Offered as suggestions; any IANA zone is accepted and validated.
COMMON_TIMEZONES = [
    "Asia/Karachi",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Paris",
    "Europe/Stockholm",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Asia/Qatar",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Pacific/Auckland",
    "UTC",
]


def add_validation_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


ALLOWED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PHOTO_PIXELS = 40_000_000


class ProfileForm(forms.ModelForm):
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "headline",
            "bio",
            "photo",
            "city",
            "country",
            "timezone",
            "languages",
            "sectors",
            "skills",
            "website",
            "linkedin",
            "github",
            "lives_abroad",
            "is_mentor",
            "is_founder",
            "is_investor",
            "visibility",
            "contact_email",
            "contact_phone",
            "contact_visibility",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6}),
            "languages": forms.CheckboxSelectMultiple,
            "sectors": forms.CheckboxSelectMultiple,
            "contact_visibility": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "timezone": forms.TextInput(attrs={"list": "timezone-suggestions", "autocomplete": "off"}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }
        help_texts = {
            "timezone": _("Your IANA time zone, e.g. Asia/Karachi, Europe/London, America/Los_Angeles."),
            "headline": _("One line: what you do, e.g. “Staff engineer at a payments company in London”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Photo removal has its own checkbox; the widget's "clear" box would duplicate it.
        self.fields["photo"].widget = forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        self.fields["photo"].required = False

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo or photo == self.initial.get("photo"):
            return None
        if photo.size > settings.RABTA["PHOTO_MAX_BYTES"]:
            raise ValidationError(
                _("The photo is too large (%(size).1f MB). Upload one of at most %(max)d MB.")
                % {"size": photo.size / 1_048_576, "max": settings.RABTA["PHOTO_MAX_BYTES"] // 1_048_576}
            )
        try:
            photo.seek(0)
            with Image.open(photo) as image:
                image_format = image.format
                width, height = image.size
                image.verify()
        except Exception:
            raise ValidationError(
                _("This file is not an image we can read. Upload a JPEG, PNG or WebP photo.")
            ) from None
        if image_format not in ALLOWED_PHOTO_FORMATS:
            raise ValidationError(_("Upload a JPEG, PNG or WebP photo."))
        if width * height > MAX_PHOTO_PIXELS:
            raise ValidationError(_("The photo has too many pixels. Upload a smaller one."))
        photo.seek(0)
        return photo


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "tagline", "description", "website", "city", "country", "founded_year", "sectors"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "sectors": forms.CheckboxSelectMultiple,
        }


class MembershipAddForm(forms.Form):
    email = forms.EmailField(label=_("Member's email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class IntroductionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why would you like to be introduced?"),
        min_length=20,
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("They will read this before deciding. Be specific: what you hope to learn or offer."),
    )


class IntroductionDeclineForm(forms.Form):
    note = forms.CharField(label=_("A short note (optional)"), max_length=500, required=False)


class IntroductionOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What came of it?"), choices=[c for c in Introduction.Outcome.choices if c[0]])
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class AccountDeleteForm(forms.Form):
    """Deleting an account cannot be undone: the member types their email address to confirm."""

    confirm_email = forms.CharField(
        label=_("Type your email address to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip().lower()
        if typed != self.user.email.lower():
            raise ValidationError(
                _("That is not the email address of this account (%(email)s). Type it exactly to confirm.")
                % {"email": self.user.email}
            )
        return typed
