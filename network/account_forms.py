"""allauth's forms, as Rabta uses them (``ACCOUNT_FORMS``)."""

from __future__ import annotations

import zoneinfo

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, answering a known address as slowly as a new one.

    For an address that already has an account allauth creates nothing and emails its owner
    instead, with the same page and message as for a new address; but a new account costs a
    password hash (a third of a second by design), so a known address answered ten times faster and
    told anyone with a stopwatch that it was registered. The known address now pays the same hash.
    """

    # The browser's own zone, filled in by static/js/browser_zone.js: times show in the member's zone
    # from their first page. Without JavaScript (or with a zone Python does not know) the profile's
    # default stays, and the profile page lets them choose.
    timezone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-zone": ""}))

    def clean_timezone(self) -> str:
        zone = self.cleaned_data.get("timezone", "").strip()
        return zone if zone and zone in zoneinfo.available_timezones() else ""

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")  # the time a new account's hash takes
        return super().try_save(request)
