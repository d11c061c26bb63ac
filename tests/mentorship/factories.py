from __future__ import annotations

from datetime import time, timedelta

import factory
from django.utils import timezone

from mentorship.models import AvailabilityRule, Booking, Mentor, SessionType
from tests.network.factories import ProfileFactory


class MentorFactory(factory.django.DjangoModelFactory):
    """An approved mentor in Los Angeles (their profile comes with them, public as mentors' are by default)."""

    class Meta:
        model = Mentor

    user = factory.LazyFunction(
        lambda: (
            ProfileFactory(
                city="San Francisco", country="US", timezone="America/Los_Angeles", is_mentor=True, visibility="public"
            ).user
        )
    )
    timezone = "America/Los_Angeles"
    status = Mentor.Status.APPROVED
    expertise = "Payments, system design"


class SessionTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionType

    mentor = factory.SubFactory(MentorFactory)
    title = "Office hours"
    duration_minutes = 60
    requires_approval = False
    min_notice_hours = 0
    horizon_days = 56
    per_mentee_cap = 5


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    mentor = factory.SubFactory(MentorFactory)
    weekday = 5  # Saturday
    start_time = time(9)
    end_time = time(11)


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session_type = factory.SubFactory(SessionTypeFactory)
    mentor = factory.LazyAttribute(lambda o: o.session_type.mentor)
    mentee = factory.LazyFunction(lambda: ProfileFactory().user)
    start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=3))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.session_type.duration_minutes))
    status = Booking.Status.CONFIRMED
    agenda = "How to price our product for customers in the US."
    meeting_url = "https://meet.example.org/Rabta-test"
