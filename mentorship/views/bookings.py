"""A member's sessions: the list, one session's page, and what either side does to it (accept,
decline, cancel, move, mark held or no-show, feedback, endorse)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship import selectors, services
from mentorship.forms import (
    EndorsementForm,
    FeedbackForm,
    OptionalReasonForm,
    ReasonForm,
)
from mentorship.models import Booking
from mentorship.permissions import (
    access_booking,
    can_endorse_founder,
    can_reschedule_booking,
    can_share_review,
    can_withdraw_review,
    cancel_is_late,
    reschedule_refusal,
    room_state,
)
from mentorship.views.times import dst_notices, slot_picker_url, viewer_zone, week_of
from network.audit import client_ip


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
    return _render_booking_detail(request, booking)


def _render_booking_detail(
    request: HttpRequest, booking: Booking, *, feedback_form: FeedbackForm | None = None, status: int = 200
) -> HttpResponse:
    """One session's page; ``feedback_form`` is a submitted form shown again with its errors."""
    is_mentor = booking.mentor.user_id == request.user.pk
    other = booking.mentee if is_mentor else booking.mentor.user
    now = timezone.now()
    my_feedback = selectors.feedback_get(booking=booking, author=request.user)
    viewer_tz = viewer_zone(request)
    moves, latest = selectors.booking_moves(booking=booking)
    if feedback_form is None and booking.status == Booking.Status.COMPLETED and not my_feedback:
        feedback_form = FeedbackForm(founder=not is_mentor)
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
            "cancel_is_late": cancel_is_late(booking, now),
            "has_ended": booking.end <= now,
            "has_started": booking.start <= now,
            "my_feedback": my_feedback,
            "feedback_form": feedback_form,
            "can_share_review": can_share_review(request.user, my_feedback),
            "can_withdraw_review": can_withdraw_review(request.user, my_feedback),
            "endorsement_form": EndorsementForm() if can_endorse_founder(request.user, booking) else None,
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
        status=status,
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
                    slot_picker_url(
                        booking.mentor_id, booking.session_type_id, week_of(viewer_zone(request), start), booking.pk
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
    form = FeedbackForm(request.POST, founder=booking.mentee_id == request.user.pk)
    if not form.is_valid():
        # Shown again with what they wrote and the errors beside the fields.
        return _render_booking_detail(request, booking, feedback_form=form, status=400)
    try:
        services.feedback_submit(author=request.user, booking=booking, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect(booking)


@login_required
@require_POST
def review_update(request: HttpRequest, pk: int) -> HttpResponse:
    """The founder shares their feedback on the session as a review of the mentor, or takes it down."""
    booking = access_booking(request.user, pk)
    feedback = selectors.feedback_get(booking=booking, author=request.user)
    if feedback is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "share":
            services.review_share(actor=request.user, feedback=feedback)
            messages.success(request, _("Thank you. Your review appears on the mentor's page once staff have read it."))
        elif action == "withdraw":
            services.review_withdraw(actor=request.user, feedback=feedback)
            messages.success(request, _("Your review is taken down. Your rating still counts."))
        else:
            return HttpResponseBadRequest()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(booking)


@login_required
@require_POST
def endorsement_create(request: HttpRequest, pk: int) -> HttpResponse:
    booking = access_booking(request.user, pk)
    form = EndorsementForm(request.POST)
    if booking.mentor.user_id != request.user.pk:
        raise Http404  # the founder's side of the session: there is nothing to endorse from here
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
