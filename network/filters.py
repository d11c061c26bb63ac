from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from network.models import Language, Organisation, Profile, Sector


class AnyYesNoWidget(django_filters.widgets.BooleanWidget):
    """Yes / no / any, worded for people rather than for three-valued logic."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", _("Any")), ("true", _("Yes")), ("false", _("No")))


class MemberFilter(django_filters.FilterSet):
    ROLE_CHOICES = [
        ("mentor", _("Mentors")),
        ("founder", _("Founders")),
        ("investor", _("Investors")),
        ("incubator_staff", _("Incubator staff")),
    ]

    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=ROLE_CHOICES, method="filter_role", empty_label=_("Any role")
    )
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        field_name="sectors",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        empty_label=_("Any sector"),
    )
    country = django_filters.ChoiceFilter(label=_("Country"), choices=countries, empty_label=_("Any country"))
    city = django_filters.CharFilter(label=_("City"), field_name="city", lookup_expr="iexact")
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        field_name="languages",
        to_field_name="code",
        queryset=Language.objects.all(),
        empty_label=_("Any language"),
    )
    lives_abroad = django_filters.BooleanFilter(
        label=_("Lives abroad"),
        widget=AnyYesNoWidget(),
    )

    class Meta:
        model = Profile
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Profile], name: str, value: str) -> QuerySet[Profile]:
        """Each word anywhere in the name, headline, skills or city (``Profile.search_text``)."""
        for term in value.split()[:5]:
            queryset = queryset.filter(search_text__icontains=term)
        return queryset

    def filter_role(self, queryset: QuerySet[Profile], name: str, value: str) -> QuerySet[Profile]:
        if value == "incubator_staff":
            return queryset.filter(is_incubator_staff=True)
        return queryset.filter(**{f"is_{value}": True})


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Organisation.Kind.choices, empty_label=_("Any kind"))
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        field_name="sectors",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        empty_label=_("Any sector"),
    )
    city = django_filters.CharFilter(label=_("City"), field_name="city", lookup_expr="iexact")

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        for term in value.split()[:5]:
            queryset = queryset.filter(Q(name__icontains=term) | Q(tagline__icontains=term) | Q(city__icontains=term))
        return queryset
