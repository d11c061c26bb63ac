"""A startup's pitch before the deal room: drafting, the incubator's review, and its deck."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from investments import selectors, services
from investments.dealroom import decks
from investments.forms import PitchActionForm, PitchForm
from investments.models import Pitch
from investments.permissions import (
    access_pitch,
    access_startup_to_pitch,
    can_apply_for,
    can_edit_pitch,
    pitch_actions_for,
    pitch_sides,
)
from network.audit import client_ip
from network.forms import add_validation_errors
from network.reauthentication import kept_form_data, reauthentication_required


@login_required
@require_http_methods(["GET", "POST"])
def pitch_create(request: HttpRequest, slug: str) -> HttpResponse:
    startup = access_startup_to_pitch(request.user, slug)
    incubators = selectors.pitch_incubator_list(startup=startup)
    if not incubators.exists():
        messages.error(request, _("Pitches go through an incubator: apply to a cohort first."))
        return redirect(startup)
    form = PitchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            pitch = services.pitch_create(
                actor=request.user,
                startup=startup,
                incubator=incubators.first(),
                data=form.pitch_data(),
                deck=form.cleaned_data["deck_file"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your pitch was saved as a draft. Preview it, then submit it."))
            return redirect(pitch)
    return render(request, "investments/pitch_form.html", {"form": form, "startup": startup})


@login_required
@require_http_methods(["GET", "POST"])
def pitch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pitch, _role = access_pitch(request.user, pk)
    if not can_apply_for(request.user, pitch.startup):
        raise PermissionDenied
    if pitch.status == Pitch.Status.READY:
        # Investors have seen these terms: changing them asks for the password again.
        return _pitch_edit_live(request, pitch)
    return _pitch_edit(request, pitch)


@reauthentication_required(allow_get=True)
def _pitch_edit_live(request: HttpRequest, pitch: Pitch) -> HttpResponse:
    return _pitch_edit(request, pitch)


def _pitch_edit(request: HttpRequest, pitch: Pitch) -> HttpResponse:
    # The form edits a copy: the service compares the stored terms with the new ones.
    form = PitchForm(request.POST or kept_form_data(request) or None, request.FILES or None, instance=copy.copy(pitch))
    if request.method == "POST" and form.is_valid():
        try:
            services.pitch_update(
                actor=request.user,
                pitch=pitch,
                data=form.pitch_data(),
                deck=form.cleaned_data["deck_file"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(pitch)
    return render(request, "investments/pitch_form.html", {"form": form, "startup": pitch.startup, "pitch": pitch})


@login_required
@require_GET
def pitch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pitch, role = access_pitch(request.user, pk)
    sides = pitch_sides(request.user, pitch)
    return render(
        request,
        "investments/pitch_detail.html",
        {
            "pitch": pitch,
            "role": role,
            "can_edit": can_edit_pitch(request.user, pitch, sides=sides),
            "actions": [
                {
                    "name": action,
                    # Each commented action gets its own labelled field (ids stay unique on the page).
                    "form": PitchActionForm(action=action) if action in PitchActionForm.LABELS else None,
                }
                for action in pitch_actions_for(request.user, pitch, sides=sides)
            ],
            "signals": selectors.mentorship_signals(startup=pitch.startup),
            "versions": selectors.pitch_version_history(pitch=pitch),
            "deck_problem": _deck_problem(pitch) if sides else "",
        },
    )


def _deck_problem(pitch: Pitch) -> str:
    """Why investors could not read the stored deck (a file stored before decks were checked), or ""."""
    state = decks.deck_state(pitch)
    return state.message() if pitch.deck and not state.usable else ""


@login_required
@require_POST
def pitch_action(request: HttpRequest, pk: int) -> HttpResponse:
    pitch, _role = access_pitch(request.user, pk)
    form = PitchActionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.pitch_transition(
            actor=request.user,
            pitch=pitch,
            action=request.POST.get("action", ""),
            comment=comment,
            ip_address=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done."))
    return redirect(pitch)


@login_required
@require_GET
def pitch_deck(request: HttpRequest, pk: int) -> HttpResponse:
    """The deck only through this check, never by a public URL; rewritten with its pages only.

    The startup's members and the incubator's staff open it in their browser, so it gets the same
    rewrite as an investor's download: a deck stored before uploads were cleaned carries no script,
    open action, embedded file or form to them either.
    """
    pitch, _role = access_pitch(request.user, pk)
    if not pitch.deck:
        raise Http404
    try:
        pdf = decks.deck_pdf(pitch)
    except decks.DeckUnreadableError:
        messages.error(request, _("The stored deck is damaged and cannot be opened. Upload the deck again."))
        return redirect(pitch)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="pitch-{pitch.pk}.pdf"'
    return response
