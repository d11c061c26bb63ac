from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import django_filters
from django.db.models import Case, DateField, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from mentorship import selectors
from mentorship.models import AvailabilityRule, BlockedDate, ExtraHours, Mentor
from network.filters import AnyYesNoWidget
from network.models import Language, Sector


class MentorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, expertise, skill or sector"), method="filter_q")
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        field_name="user__profile__sectors",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        empty_label=_("Any sector"),
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        field_name="user__profile__languages",
        to_field_name="code",
        queryset=Language.objects.all(),
        empty_label=_("Any language"),
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"), field_name="user__profile__country", choices=countries, empty_label=_("Any country")
    )
    available = django_filters.BooleanFilter(
        label=_("Has hours in the next 7 days"), method="filter_available", widget=AnyYesNoWidget()
    )
    hours = django_filters.ChoiceFilter(
        label=_("Weekly hours in my day"),
        choices=[
            ("morning", _("Mornings, 8–12")),
            ("afternoon", _("Afternoons, 12–17")),
            ("evening", _("Evenings, 17–22")),
        ],
        empty_label=_("Any time"),
        method="filter_hours",
    )
    # Read by the view for the page's order (``selectors.MENTOR_ORDERINGS``); filters nothing.
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=[
            ("soonest", _("Soonest free time")),
            ("sessions", _("Most sessions held")),
            ("rating", _("Highest rated")),
        ],
        empty_label=_("Name"),
        method="keep",
    )

    class Meta:
        model = Mentor
        fields: list[str] = []

    def keep(self, queryset, name, value):
        return queryset

    @property
    def ordering(self) -> str:
        """The order the viewer chose ("" for by name), once the form is valid."""
        return (self.form.cleaned_data.get("sort") or "") if self.is_valid() else ""

    def filter_q(self, queryset, name, value):
        for term in value.split()[:5]:
            # A sector by its name ("fin" finds FinTech), without joining a row per sector.
            in_sector = Exists(
                Sector.profiles.through.objects.filter(
                    profile_id=OuterRef("user__profile__pk"), sector__name__icontains=term
                )
            )
            queryset = queryset.filter(
                Q(user__profile__display_name__icontains=term)
                | Q(expertise__icontains=term)
                | Q(user__profile__headline__icontains=term)
                | Q(user__profile__skills__icontains=term)
                | in_sector
            )
        return queryset

    def filter_hours(self, queryset, name, value):
        """Mentors with at least half an hour of weekly hours in that part of the viewer's own day (the
        zone activated for the request) over the coming week; exact slots are on the mentor's page."""
        ids = selectors.mentor_ids_with_hours_in(
            mentors=queryset,
            viewer_tz=ZoneInfo(timezone.get_current_timezone_name()),
            part=value,
            now=timezone.now(),
        )
        return queryset.filter(pk__in=ids)

    def filter_available(self, queryset, name, value):
        """Weekly hours on a day of the coming week that is not blocked, or extra hours then.

        An indexed approximation of "has a free slot" (exact slots are
        computed on the mentor's page): each weekday of the next seven days
        maps to one date, checked against the mentor's blocked dates.
        """
        if value is None:
            return queryset
        today = timezone.now().date()
        date_of_weekday = {(today + timedelta(days=n)).weekday(): today + timedelta(days=n) for n in range(7)}
        open_rules = (
            AvailabilityRule.objects.filter(mentor=OuterRef("pk"))
            .annotate(
                day=Case(
                    *[When(weekday=w, then=Value(d)) for w, d in date_of_weekday.items()],
                    output_field=DateField(),
                )
            )
            .filter(~Exists(BlockedDate.objects.filter(mentor=OuterRef("mentor"), date=OuterRef("day"))))
        )
        extra = ExtraHours.objects.filter(mentor=OuterRef("pk"), date__gte=today, date__lte=today + timedelta(days=6))
        condition = Q(Exists(open_rules)) | Q(Exists(extra))
        return queryset.filter(condition) if value else queryset.exclude(condition)
