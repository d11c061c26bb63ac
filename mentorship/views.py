"""Pages of mentorship. Access rules come from ``permissions``, writes from ``services``."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship import selectors, services
from mentorship.calendar import calendar_for
from mentorship.filters import MentorFilter
from mentorship.forms import (
    AvailabilityRuleForm,
    BlockedDateForm,
    BookingForm,
    EndorsementForm,
    ExtraHoursForm,
    FeedbackForm,
    MentorBecomeForm,
    MentorForm,
    OptionalReasonForm,
    ReasonForm,
    SessionTypeForm,
)
from mentorship.models import Booking, CalendarFeed, Endorsement, Feedback, Mentor, SessionNotes, SessionType
from mentorship.permissions import (
    RoomState,
    access_booking,
    access_listed_mentor,
    access_own_mentor,
    access_room,
    can_book,
    can_reschedule_booking,
    reschedule_refusal,
    room_state,
)
from mentorship.realtime import broadcast_message, broadcast_notes
from mentorship.slots import offset_changes
from network.audit import client_ip
from network.converters import SLOT_FORMAT
from network.forms import COMMON_TIMEZONES, add_validation_errors
from network.keyset import keyset_page, query_without_position
from network.pagecache import cache_for_visitors, cached_form, cached_fragment
from network.permissions import is_member
from network.ratelimits import limited, searching

START_FORMAT = SLOT_FORMAT  # a slot's token in URLs (the ``slot`` path converter parses it)


def viewer_zone(request: HttpRequest) -> ZoneInfo:
    """The zone the viewer sees times in (activated for the request by ``MemberTimezoneMiddleware``)."""
    return ZoneInfo(timezone.get_current_timezone_name())


def dst_notices(*, mine: ZoneInfo, theirs: ZoneInfo, days: int = 35, until: datetime | None = None) -> list[dict]:
    """Dates on which the gap between two zones changes by a daylight-saving switch: within
    ``days`` of now, or up to ``until`` when that is later (the end of the week a page shows)."""
    now = timezone.now()
    if until is not None:
        days = max(days, (until - now).days + 1)
    notices = []
    for day, old, new in offset_changes(theirs, mine, now, days):
        notices.append(
            {
                "date": day,
                "their_zone": str(theirs),
                "my_zone": str(mine),
                "earlier": new < old,
                "hours": abs((new - old).total_seconds()) / 3600,
            }
        )
    return notices


# --- Finding mentors -----------------------------------------------------------


@require_GET
@cache_for_visitors("profiles", "mentors")
@limited("search", methods=("GET",), when=searching)
def mentor_list(request: HttpRequest) -> HttpResponse:
    """Mentors to choose from. A page of results is shared by everyone who asks for it until a
    profile or a mentor's settings, hours, sessions or ratings change (and at midnight, for the
    "has hours in the next 7 days" filter)."""
    mentor_filter = MentorFilter(request.GET, queryset=selectors.mentor_list(viewer=request.user))
    # Visitors see only mentors whose profile is public: their pages of results are kept apart.
    audience = "members" if is_member(request.user) else "visitors"
    query = query_without_position(request, mentor_filter.form.fields)
    after, before = request.GET.get("after"), request.GET.get("before")

    def render_results() -> str:
        page = keyset_page(
            mentor_filter.qs, ordering=("user__profile__display_name", "id"), per_page=20, after=after, before=before
        )
        with_hours = selectors.mentor_has_hours_ids([m.pk for m in page])
        return render_to_string(
            "mentorship/includes/mentor_results.html", {"page": page, "query": query, "with_hours": with_hours}
        )

    results = cached_fragment(
        "mentors",
        audience,
        query,
        after or "",
        before or "",
        timezone.now().date(),  # the availability filter's "next 7 days"
        depends_on=("profiles", "mentors"),
        render=render_results,
    )
    return render(
        request, "mentorship/mentor_list.html", {"filter_form": cached_form(mentor_filter.form), "results": results}
    )


def _week_of(tz: ZoneInfo, moment: datetime) -> int:
    """Which week of the slot picker (0 = this week, in ``tz``) holds ``moment``."""
    today = timezone.now().astimezone(tz).date()
    day = moment.astimezone(tz).date()
    weeks = ((day - timedelta(days=day.weekday())) - (today - timedelta(days=today.weekday()))).days // 7
    return max(0, min(weeks, 52))


def _slot_picker_url(mentor_pk: int, session_type_pk: int, week: int, reschedule_pk: int | None = None) -> str:
    query = f"?type={session_type_pk}&week={week}"
    if reschedule_pk is not None:
        query += f"&reschedule={reschedule_pk}"
    return f"{reverse('mentorship:mentor-detail', args=[mentor_pk])}{query}"


def _week_bounds(tz: ZoneInfo, week: int) -> tuple[datetime, datetime]:
    today = timezone.now().astimezone(tz).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@require_GET
def mentor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = access_listed_mentor(pk, request.user)
    session_types = list(selectors.session_type_list(mentor=mentor))
    try:
        chosen = next(st for st in session_types if str(st.pk) == request.GET.get("type", str(session_types[0].pk)))
    except (StopIteration, IndexError):
        chosen = None
    try:
        week = max(0, min(int(request.GET.get("week", 0)), 52))
    except ValueError:
        week = 0
    reschedule = None
    if request.GET.get("reschedule") and request.user.is_authenticated:
        reschedule = access_booking(
            request.user, int(request.GET["reschedule"]) if request.GET["reschedule"].isdigit() else 0
        )
        chosen = reschedule.session_type
        refusal = reschedule_refusal(reschedule, timezone.now())
        if refusal is not None:
            messages.error(request, refusal)
            return redirect(reschedule)
    viewer_tz = viewer_zone(request)
    mentor_tz = ZoneInfo(mentor.timezone)
    days: OrderedDict = OrderedDict()
    if chosen is not None:
        start, end = _week_bounds(viewer_tz, week)
        slots = selectors.mentor_slots(
            session_type=chosen,
            range_start=start,
            range_end=end,
            exclude_booking_pk=reschedule.pk if reschedule else None,
        )
        for slot in slots:
            local = slot.start.astimezone(viewer_tz)
            days.setdefault(local.date(), []).append(
                {
                    "token": slot.start.strftime(START_FORMAT),
                    "viewer": local,
                    "mentor": slot.start.astimezone(mentor_tz),
                }
            )
    week_start = _week_bounds(viewer_tz, week)[0].astimezone(viewer_tz)
    context = {
        "mentor": mentor,
        "profile": mentor.user.profile,
        "session_types": session_types,
        "chosen": chosen,
        "days": days,
        "week": week,
        "week_start": week_start,
        "week_end": week_start + timedelta(days=6),
        "max_week": (chosen.horizon_days // 7) if chosen else 0,
        "viewer_tz": str(viewer_tz),
        "mentor_tz": str(mentor_tz),
        "same_zone": str(viewer_tz) == str(mentor_tz),
        "can_book": can_book(request.user, mentor),
        "stats": selectors.mentor_stats(mentor=mentor),
        # Up to the end of the week shown: browsing to the week of a change, the times move by an hour.
        "notices": dst_notices(mine=viewer_tz, theirs=mentor_tz, until=_week_bounds(viewer_tz, week)[1])
        if str(viewer_tz) != str(mentor_tz)
        else [],
        "rules": mentor.rules.all(),
        "reschedule": reschedule,
    }
    template = "mentorship/includes/slot_picker.html" if request.htmx else "mentorship/mentor_detail.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
@limited("booking_request")
def booking_create(request: HttpRequest, pk: int, type_id: int, start: datetime) -> HttpResponse:
    mentor = access_listed_mentor(pk, request.user)
    session_type = get_object_or_404(SessionType, pk=type_id, mentor=mentor, is_active=True)
    if not can_book(request.user, mentor):
        messages.error(request, _("You cannot book a session with yourself."))
        return redirect(mentor)
    form = BookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_request(
                mentee=request.user,
                session_type=session_type,
                start=start,
                agenda=form.cleaned_data["agenda"],
                mentee_timezone=str(viewer_zone(request)),
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            if error.code == "slot_taken":
                # Back to the week they were choosing in, not to this week.
                messages.error(request, error.messages[0])
                return redirect(_slot_picker_url(mentor.pk, session_type.pk, _week_of(viewer_zone(request), start)))
            add_validation_errors(form, error)
        else:
            if booking.status == Booking.Status.CONFIRMED:
                messages.success(request, _("Your session is booked and confirmed."))
            else:
                messages.success(request, _("Your request was sent. The mentor has 48 hours to accept."))
            return redirect(booking)
    viewer_tz = viewer_zone(request)
    return render(
        request,
        "mentorship/booking_form.html",
        {
            "form": form,
            "mentor": mentor,
            "session_type": session_type,
            "start_viewer": start.astimezone(viewer_tz),
            "start_mentor": start.astimezone(ZoneInfo(mentor.timezone)),
            "viewer_tz": str(viewer_tz),
        },
    )


# --- My sessions -------------------------------------------------------------


@login_required
@require_GET
def booking_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    bookings = selectors.booking_list_for(user=request.user)
    upcoming = list(bookings.filter(end__gt=now, status__in=Booking.ACTIVE_STATUSES).order_by("start")[:100])
    past = list(bookings.exclude(end__gt=now, status__in=Booking.ACTIVE_STATUSES).order_by("-start")[:50])
    to_answer = [b for b in upcoming if b.status == Booking.Status.REQUESTED and b.mentor.user_id == request.user.pk]
    viewer_tz = viewer_zone(request)
    zones = {b.mentor.timezone if b.mentee_id == request.user.pk else b.mentee_timezone for b in upcoming}
    notices = [
        n
        for zone in sorted(zones)
        if zone != str(viewer_tz)
        for n in dst_notices(mine=viewer_tz, theirs=ZoneInfo(zone))
    ]
    return render(
        request,
        "mentorship/booking_list.html",
        {"upcoming": upcoming, "past": past, "to_answer": to_answer, "viewer_tz": viewer_tz, "notices": notices},
    )


@login_required
@require_GET
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    is_mentor = booking.mentor.user_id == request.user.pk
    other = booking.mentee if is_mentor else booking.mentor.user
    now = timezone.now()
    my_feedback = Feedback.objects.filter(booking=booking, author=request.user).first()
    can_endorse = (
        is_mentor
        and booking.status == Booking.Status.COMPLETED
        and not Endorsement.objects.filter(mentor=booking.mentor, founder=booking.mentee).exists()
    )
    viewer_tz = viewer_zone(request)
    moves, latest = selectors.booking_moves(booking=booking)
    return render(
        request,
        "mentorship/booking_detail.html",
        {
            "booking": booking,
            "is_mentor": is_mentor,
            "other": other,
            "other_reliability": selectors.reliability(user=other),
            "start_viewer": booking.start.astimezone(viewer_tz),
            "end_viewer": booking.end.astimezone(viewer_tz),
            "start_other": booking.start.astimezone(
                ZoneInfo(booking.mentee_timezone if is_mentor else booking.mentor.timezone)
            ),
            "other_tz": booking.mentee_timezone if is_mentor else booking.mentor.timezone,
            "viewer_tz": str(viewer_tz),
            "can_move": can_reschedule_booking(request.user, booking, now),
            "move_refusal": reschedule_refusal(booking, now) if booking.is_active else None,
            "cancel_is_late": booking.status == Booking.Status.CONFIRMED
            and booking.start - now < timedelta(hours=booking.session_type.cancel_window_hours),
            "has_ended": booking.end <= now,
            "has_started": booking.start <= now,
            "my_feedback": my_feedback,
            "feedback_form": FeedbackForm() if booking.status == Booking.Status.COMPLETED and not my_feedback else None,
            "endorsement_form": EndorsementForm() if can_endorse else None,
            "cancel_form": ReasonForm(),
            "decline_form": OptionalReasonForm(),
            "moves": [
                {
                    "old_start": move.old_start.astimezone(viewer_tz),
                    "new_start": move.new_start.astimezone(viewer_tz),
                    "by": move.by,
                    "at": move.at.astimezone(viewer_tz),
                    "booking": move.booking,
                }
                for move in moves
            ],
            "latest": latest if latest.pk != booking.pk else None,
            "room_state": room_state(booking, now),
            "room_opens": (booking.start - timedelta(minutes=settings.RABTA["ROOM_OPENS_MINUTES_BEFORE"])).astimezone(
                viewer_tz
            ),
        },
    )


def _booking_action(request: HttpRequest, pk: int, action, success: str, **kwargs) -> HttpResponse:
    booking = access_booking(request.user, pk)
    try:
        result = action(actor=request.user, booking=booking, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(booking)
    messages.success(request, success)
    return redirect(result if isinstance(result, Booking) else booking)


@login_required
@require_POST
def booking_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_action(
        request, pk, services.booking_accept, _("The session is confirmed."), ip_address=client_ip(request)
    )


@login_required
@require_POST
def booking_decline(request: HttpRequest, pk: int) -> HttpResponse:
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _booking_action(
        request,
        pk,
        services.booking_decline,
        _("You declined the request."),
        reason=reason,
        ip_address=client_ip(request),
    )


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _booking_action(
        request,
        pk,
        services.booking_cancel,
        _("The session was cancelled."),
        reason=reason,
        ip_address=client_ip(request),
    )


@login_required
@require_POST
def booking_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_action(request, pk, services.booking_complete, _("Marked as held. Thank you!"))


@login_required
@require_POST
def booking_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_action(request, pk, services.booking_mark_no_show, _("The no-show was recorded."))


@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, pk: int, start: datetime) -> HttpResponse:
    booking = access_booking(request.user, pk)
    refusal = reschedule_refusal(booking, timezone.now())
    if request.method == "GET" and refusal is not None:
        messages.error(request, refusal)
        return redirect(booking)
    if request.method == "POST":
        try:
            moved = services.booking_reschedule(
                actor=request.user, booking=booking, new_start=start, ip_address=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            if error.code == "slot_taken" and reschedule_refusal(booking, timezone.now()) is None:
                # Back to choosing another time, in the week they were looking at.
                return redirect(
                    _slot_picker_url(
                        booking.mentor_id, booking.session_type_id, _week_of(viewer_zone(request), start), booking.pk
                    )
                )
            return redirect(booking)
        messages.success(request, _("The session was moved."))
        return redirect(moved)
    viewer_tz = viewer_zone(request)
    return render(
        request,
        "mentorship/booking_reschedule.html",
        {
            "booking": booking,
            "new_viewer": start.astimezone(viewer_tz),
            "old_viewer": booking.start.astimezone(viewer_tz),
        },
    )


@login_required
@require_POST
def feedback_create(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
        return redirect(booking)
    try:
        services.feedback_submit(author=request.user, booking=booking, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect(booking)


@login_required
@require_POST
def endorsement_create(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    form = EndorsementForm(request.POST)
    if booking.mentor.user_id != request.user.pk:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Write a sentence or two (10 characters at least)."))
        return redirect(booking)
    try:
        services.endorsement_create(mentor=booking.mentor, founder=booking.mentee, text=form.cleaned_data["text"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your endorsement is on the founder's profile."))
    return redirect(booking)


# --- Calendar ----------------------------------------------------------------


@login_required
@require_GET
def booking_ics(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    response = HttpResponse(calendar_for([booking], name="Rabta session"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rabta-session-{booking.pk}.ics"'
    return response


# How often calendar apps are asked to fetch the feed again.
FEED_REFRESH_EVERY = timedelta(hours=1)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private subscription feed. The token is the only credential: calendar apps send no cookies."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404
    since = timezone.now() - timedelta(days=90)
    bookings = (
        Booking.objects.involving(feed.user)
        .exclude(status__in=[Booking.Status.RESCHEDULED, Booking.Status.DECLINED, Booking.Status.EXPIRED])
        .filter(end__gte=since)
        .select_related("mentor__user__profile", "mentee__profile", "session_type")
        .order_by("start")
    )
    response = HttpResponse(
        calendar_for(bookings, name="Rabta sessions", refresh_every=FEED_REFRESH_EVERY),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.calendar_feed_revoke(user=request.user)
        messages.success(request, _("A new private address was made. The old one no longer works."))
        return redirect("mentorship:calendar-settings")
    feed = services.calendar_feed_get_or_create(user=request.user)
    return render(
        request,
        "mentorship/calendar_settings.html",
        # The address calendar apps keep for good: the public origin, not the host this request named.
        {"feed_url": f"{settings.SITE_URL}{feed.get_absolute_url()}"},
    )


# --- Mentor's own pages ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mentor_settings(request: HttpRequest) -> HttpResponse:
    mentor = Mentor.objects.filter(user=request.user).first()
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
    week_start, week_end = _week_bounds(tz, 0)
    bookings = Booking.objects.filter(mentor=mentor).select_related("mentee__profile", "session_type").order_by("start")
    upcoming = list(bookings.filter(end__gt=now, status__in=Booking.ACTIVE_STATUSES)[:50])
    zones = {b.mentee_timezone for b in upcoming} | {"Asia/Karachi"}
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
            "recent_feedback": Feedback.objects.filter(booking__mentor=mentor)
            .exclude(author=mentor.user)
            .select_related("author__profile")
            .order_by("-created_at")[:5],
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
                item = request.POST.get("id", "")
                if not item.isdigit():
                    raise ValidationError(_("Choose what to remove."))
                {
                    "delete-rule": lambda: services.availability_rule_delete(mentor=mentor, rule_id=int(item)),
                    "delete-extra": lambda: services.extra_hours_delete(mentor=mentor, extra_id=int(item)),
                    "delete-blocked": lambda: services.blocked_date_delete(mentor=mentor, blocked_id=int(item)),
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


# --- Session room ------------------------------------------------------------


def _room_or_refusal(request: HttpRequest, pk: int):
    """The booking and room state, or a page explaining why the room is not open (participants only)."""
    booking = access_booking(request.user, pk)
    try:
        return access_room(request.user, pk), None
    except PermissionDenied as refusal:
        opens = booking.start - timedelta(minutes=settings.RABTA["ROOM_OPENS_MINUTES_BEFORE"])
        response = render(
            request,
            "mentorship/room_closed.html",
            {"booking": booking, "reason": str(refusal), "opens": opens},
            status=403,
        )
        return None, response


@login_required
@require_GET
def booking_room(request: HttpRequest, pk: int) -> HttpResponse:
    room, refusal = _room_or_refusal(request, pk)
    if refusal is not None:
        return refusal
    booking, state = room
    is_mentor = booking.mentor.user_id == request.user.pk
    messages_ = selectors.room_latest_messages(booking_id=booking.pk)
    notes = SessionNotes.objects.filter(booking=booking).select_related("updated_by__profile").first()
    return render(
        request,
        "mentorship/room.html",
        {
            "booking": booking,
            "state": state,
            "other": booking.mentee if is_mentor else booking.mentor.user,
            "room_messages": messages_,
            "last_seq": messages_[-1].seq if messages_ else 0,
            "new_client_id": uuid.uuid4(),
            "notes": notes,
            "notes_version": notes.version if notes else 0,
            "has_ended": booking.end <= timezone.now(),
        },
    )


@login_required
@require_POST
def booking_room_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Sending without JavaScript: the form carries its own client id, so a resubmission stores nothing twice."""
    room, refusal = _room_or_refusal(request, pk)
    if refusal is not None:
        return refusal
    booking, state = room
    if state != RoomState.OPEN:
        messages.error(request, _("This room is read-only now."))
        return redirect("mentorship:booking-room", pk=pk)
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
        message, _created = services.room_message_post(
            booking=booking, author=request.user, client_id=client_id, body=request.POST.get("body", "")
        )
    except ValueError:
        messages.error(request, _("Your message could not be sent; please try again."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        # Sent again too (a resubmission): the first broadcast may have been lost; clients draw each number once.
        broadcast_message(booking.pk, message)
    return redirect(f"{reverse('mentorship:booking-room', args=[pk])}#composer")


@login_required
@require_POST
def booking_room_notes(request: HttpRequest, pk: int) -> HttpResponse:
    room, refusal = _room_or_refusal(request, pk)
    if refusal is not None:
        return refusal
    booking, state = room
    if state != RoomState.OPEN:
        messages.error(request, _("This room is read-only now."))
        return redirect("mentorship:booking-room", pk=pk)
    try:
        base_version = int(request.POST.get("version", ""))
        notes, saved = services.session_notes_save(
            booking=booking, author=request.user, text=request.POST.get("text", ""), base_version=base_version
        )
    except ValueError:
        messages.error(request, _("Reload the page and save the notes again."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if saved:
            broadcast_notes(booking.pk, notes)
            messages.success(request, _("Notes saved."))
        else:
            messages.error(
                request,
                _("Someone saved the notes after you opened them. Their version is shown; add your changes again."),
            )
    return redirect(f"{reverse('mentorship:booking-room', args=[pk])}#notes")
