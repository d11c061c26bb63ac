"""Finding a mentor and booking a time: the mentor list, a mentor's page with its slot picker, the booking form."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from core.converters import parse_id
from core.keyset import keyset_page, query_without_position
from core.pagecache import cache_for_visitors, cached_form, cached_fragment
from core.ratelimits import limited, searching
from mentorship import selectors, services
from mentorship.filters import MentorFilter
from mentorship.forms import (
    BookingForm,
)
from mentorship.models import Booking, SessionType
from mentorship.permissions import (
    access_booking,
    access_listed_mentor,
    can_book,
    reschedule_refusal,
)
from mentorship.views.times import START_FORMAT, dst_notices, slot_picker_url, viewer_zone, week_bounds, week_of
from network.audit import client_ip
from network.forms import add_validation_errors
from network.permissions import is_member


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
        ordering = selectors.MENTOR_ORDERINGS[mentor_filter.ordering]
        page = keyset_page(mentor_filter.qs, ordering=ordering, per_page=20, after=after, before=before)
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
        timezone.get_current_timezone_name(),  # the viewer's zone, the cards' "next free" is in
        depends_on=("profiles", "mentors"),
        render=render_results,
    )
    # Suggestions are the member's own: worked out for them on the first page of the unfiltered list.
    suggestions = (
        selectors.mentor_suggestions(viewer=request.user, viewer_tz=viewer_zone(request))
        if audience == "members" and not after and not before and not _narrowed(mentor_filter)
        else []
    )
    return render(
        request,
        "mentorship/mentor_list.html",
        {"filter_form": cached_form(mentor_filter.form), "results": results, "suggestions": suggestions},
    )


def _narrowed(mentor_filter: MentorFilter) -> bool:
    """Whether the viewer narrowed the list: any filter given a value (the order alone narrows nothing)."""
    return any(mentor_filter.form.data.get(name) for name in mentor_filter.form.fields if name != "sort")


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
        reschedule = access_booking(request.user, parse_id(request.GET["reschedule"]) or 0)
        chosen = reschedule.session_type
        refusal = reschedule_refusal(reschedule, timezone.now())
        if refusal is not None:
            messages.error(request, refusal)
            return redirect(reschedule)
    viewer_tz = viewer_zone(request)
    mentor_tz = ZoneInfo(mentor.timezone)
    days: OrderedDict = OrderedDict()
    if chosen is not None:
        start, end = week_bounds(viewer_tz, week)
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
    week_start = week_bounds(viewer_tz, week)[0].astimezone(viewer_tz)
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
        "reviews": None if request.htmx else selectors.mentor_reviews(mentor=mentor),
        # Up to the end of the week shown: browsing to the week of a change, the times move by an hour.
        "notices": dst_notices(mine=viewer_tz, theirs=mentor_tz, until=week_bounds(viewer_tz, week)[1])
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
                return redirect(slot_picker_url(mentor.pk, session_type.pk, week_of(viewer_zone(request), start)))
            add_validation_errors(form, error)
        else:
            if booking.status == Booking.Status.CONFIRMED:
                messages.success(request, _("Your session is booked and confirmed."))
            else:
                hours = int(selectors.request_ttl().total_seconds() // 3600)
                messages.success(
                    request,
                    ngettext(
                        "Your request was sent. The mentor has %(hours)d hour to accept.",
                        "Your request was sent. The mentor has %(hours)d hours to accept.",
                        hours,
                    )
                    % {"hours": hours},
                )
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
