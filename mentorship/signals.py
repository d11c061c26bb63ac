"""Signals mentorship sends for apps above it (connected in their ``AppConfig.ready``), after commit."""

from django.dispatch import Signal

# Both sides rated a session highly and agreed that Rabta may feature it. Arguments: booking.
session_featurable = Signal()
