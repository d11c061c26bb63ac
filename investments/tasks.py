"""Background work of investments: rendering decks' pages off the request."""

from __future__ import annotations

from django.tasks import task

from investments.dealroom import decks
from investments.models import Pitch


@task
def render_deck_slides(pitch_id: int, deck_name: str) -> int:
    """Render every page of the pitch's deck once (``decks.deck_render``), unless the deck was
    replaced since it was queued (the new one has a task of its own). Returns the pages drawn."""
    pitch = Pitch.objects.filter(pk=pitch_id, deck=deck_name).first()
    if pitch is None:
        return 0
    try:
        return decks.deck_render(pitch)
    except decks.DeckUnreadableError:
        return 0  # the viewer explains a deck that cannot be drawn (``deck_state``)
