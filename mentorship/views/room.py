"""The session room's page, and sending and saving notes without JavaScript (the live room itself is
``mentorship.consumers``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mentorship import selectors, services
from mentorship.permissions import (
    RoomState,
    access_booking,
    access_room,
)


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
    notes = selectors.session_notes_get(booking=booking)
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
        services.room_message_post(
            booking=booking,
            author=request.user,
            client_id=client_id,
            body=request.POST.get("body", ""),
            broadcast=True,
        )
    except ValueError:
        messages.error(request, _("Your message could not be sent; please try again."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
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
        _notes, saved = services.session_notes_save(
            booking=booking,
            author=request.user,
            text=request.POST.get("text", ""),
            base_version=base_version,
            broadcast=True,
        )
    except ValueError:
        messages.error(request, _("Reload the page and save the notes again."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if saved:
            messages.success(request, _("Notes saved."))
        else:
            messages.error(
                request,
                _("Someone saved the notes after you opened them. Their version is shown; add your changes again."),
            )
    return redirect(f"{reverse('mentorship:booking-room', args=[pk])}#notes")
