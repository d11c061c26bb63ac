"""Signals investments sends for apps above it (connected in their ``AppConfig.ready``), after commit."""

from django.dispatch import Signal

# An incubator verified a milestone. Arguments: milestone.
milestone_verified = Signal()
# A round closed. Arguments: pitch.
pitch_closed = Signal()
