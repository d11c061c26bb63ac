"""The deal room keeps a deactivated investor's questions and deck views, attributed to "a former member"."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from investments.models import Question
from network.services import user_deactivate

pytestmark = pytest.mark.django_db


def test_questions_and_views_show_a_former_member_without_their_email(room, reauthenticated):
    Question.objects.create(pitch=room.pitch, asker=room.investor, text="What is the churn?")
    analytics = reverse("deals:analytics", args=[room.pitch.pk])
    assert "Angel" in reauthenticated(room.founder).get(analytics).content.decode()

    with TestCase.captureOnCommitCallbacks(execute=True):
        user_deactivate(actor=None, user=room.investor)

    page = reauthenticated(room.founder).get(analytics).content.decode()
    assert "What is the churn?" in page
    assert "Angel," not in page
    assert room.investor.email not in page
    assert "a former member" in page
