"""The mentor's own pages: becoming a mentor and the settings, the mentoring dashboard, weekly hours, session types."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.converters import parse_id
from mentorship import selectors, services
from mentorship.forms import (
    AvailabilityRuleForm,
    BlockedDateForm,
    ExtraHoursForm,
    MentorBecomeForm,
    MentorForm,
    SessionTypeForm,
)
from mentorship.models import Booking, Mentor, SessionType
from mentorship.permissions import (
    access_own_mentor,
)
from mentorship.views.times import dst_notices, week_bounds
from network.forms import COMMON_TIMEZONES, add_validation_errors


@login_required
@require_http_methods(["GET", "POST"])
def mentor_settings(request: HttpRequest) -> HttpResponse:
    mentor = selectors.mentor_get_for_user(user=request.user)
    initial = (
        {} if mentor else {"timezone": request.user.profile.timezone if hasattr(request.user, "profile") else "UTC"}
    )
    form_class = MentorForm if mentor else MentorBecomeForm
    form = form_class(request.POST or None, instance=mentor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if mentor is None:
                mentor = services.mentor_become(
                    user=request.user,
                    timezone_name=form.cleaned_data["timezone"],
                    expertise=form.cleaned_data["expertise"],
                    meeting_url=form.cleaned_data["meeting_url"],
                    public_profile=form.cleaned_data["public_profile"],
                )
                if mentor.status == Mentor.Status.PENDING:
                    messages.success(request, _("Welcome! Staff will review your mentor profile before it is listed."))
                else:
                    messages.success(request, _("You are now a mentor. Add your hours and session types."))
            else:
                services.mentor_update(mentor=access_own_mentor(request.user), data=form.cleaned_data)
                messages.success(request, _("Your mentor settings were saved."))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            return redirect("mentorship:mentor-dashboard")
    return render(
        request, "mentorship/mentor_settings.html", {"form": form, "mentor": mentor, "timezones": COMMON_TIMEZONES}
    )


@login_required
@require_GET
def mentor_dashboard(request: HttpRequest) -> HttpResponse:
    try:
        mentor = access_own_mentor(request.user)
    except Http404:
        # Ticking "I mentor founders" on the profile shows the Mentoring link before there is a
        # mentor record: the first step is setting one up, not a page that is not there.
        messages.info(request, _("Set up your mentor profile first: your time zone, expertise and video link."))
        return redirect("mentorship:mentor-settings")
    now = timezone.now()
    tz = ZoneInfo(mentor.timezone)
    week_start, week_end = week_bounds(tz, 0)
    bookings = selectors.booking_list_for_mentor(mentor=mentor)
    upcoming = list(bookings.filter(end__gt=now, status__in=Booking.ACTIVE_STATUSES)[:50])
    # Founders' zones, and home's even before the first booking: the gap to Pakistan moves too.
    zones = {b.mentee_timezone for b in upcoming} | {settings.RABTA["DEFAULT_VIEWER_TIMEZONE"]}
    return render(
        request,
        "mentorship/mentor_dashboard.html",
        {
            "mentor": mentor,
            "requests": [b for b in upcoming if b.status == Booking.Status.REQUESTED],
            "upcoming": [b for b in upcoming if b.status == Booking.Status.CONFIRMED],
            "this_week": bookings.filter(
                start__gte=week_start, start__lt=week_end, status__in=[*Booking.ACTIVE_STATUSES, "completed"]
            ).count(),
            "stats": selectors.mentor_stats(mentor=mentor),
            "recent_feedback": selectors.feedback_list_received(mentor=mentor)[:5],
            "notices": [
                n
                for zone in sorted(zones)
                if zone != mentor.timezone
                for n in dst_notices(mine=tz, theirs=ZoneInfo(zone))
            ],
            "tz": tz,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mentor_availability(request: HttpRequest) -> HttpResponse:
    mentor = access_own_mentor(request.user)
    forms = {
        "rule": AvailabilityRuleForm(prefix="rule"),
        "extra": ExtraHoursForm(prefix="extra"),
        "blocked": BlockedDateForm(prefix="blocked"),
    }
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = None
        try:
            if kind == "rule":
                form = forms["rule"] = AvailabilityRuleForm(request.POST, prefix="rule")
                if form.is_valid():
                    services.availability_rule_add(mentor=mentor, **form.cleaned_data)
            elif kind == "extra":
                form = forms["extra"] = ExtraHoursForm(request.POST, prefix="extra")
                if form.is_valid():
                    services.extra_hours_add(mentor=mentor, **form.cleaned_data)
            elif kind == "blocked":
                form = forms["blocked"] = BlockedDateForm(request.POST, prefix="blocked")
                if form.is_valid():
                    services.blocked_date_add(mentor=mentor, **form.cleaned_data)
            elif kind in {"delete-rule", "delete-extra", "delete-blocked"}:
                form = None
                item = parse_id(request.POST.get("id"))
                if item is None:
                    raise ValidationError(_("Choose what to remove."))
                {
                    "delete-rule": lambda: services.availability_rule_delete(mentor=mentor, rule_id=item),
                    "delete-extra": lambda: services.extra_hours_delete(mentor=mentor, extra_id=item),
                    "delete-blocked": lambda: services.blocked_date_delete(mentor=mentor, blocked_id=item),
                }[kind]()
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            if form is not None:
                add_validation_errors(form, error)
            else:
                messages.error(request, " ".join(error.messages))
        else:
            if form is None or form.is_valid():
                messages.success(request, _("Your hours were saved."))
                return redirect("mentorship:mentor-availability")
    today = timezone.now().astimezone(ZoneInfo(mentor.timezone)).date()
    return render(
        request,
        "mentorship/mentor_availability.html",
        {
            "mentor": mentor,
            "rules": mentor.rules.all(),
            "extra_hours": mentor.extra_hours.filter(date__gte=today),
            "blocked_dates": mentor.blocked_dates.filter(date__gte=today),
            **{f"{name}_form": form for name, form in forms.items()},
        },
    )


@login_required
@require_GET
def session_type_list(request: HttpRequest) -> HttpResponse:
    mentor = access_own_mentor(request.user)
    return render(
        request,
        "mentorship/session_type_list.html",
        {"mentor": mentor, "session_types": selectors.session_type_list(mentor=mentor, active_only=False)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_type_edit(request: HttpRequest, type_id: int | None = None) -> HttpResponse:
    mentor = access_own_mentor(request.user)
    session_type = get_object_or_404(SessionType, pk=type_id, mentor=mentor) if type_id else None
    form = SessionTypeForm(request.POST or None, instance=session_type)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_type_save(
                mentor=mentor,
                session_type=get_object_or_404(SessionType, pk=type_id, mentor=mentor) if type_id else None,
                data=form.cleaned_data,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The session type was saved."))
            return redirect("mentorship:session-type-list")
    return render(request, "mentorship/session_type_form.html", {"form": form, "session_type": session_type})
