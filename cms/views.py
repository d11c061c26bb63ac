"""The home page. It reads across every app, so it lives at the top layer."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from network.models import Introduction, Organisation, Profile


def home(request: HttpRequest) -> HttpResponse:
    figures = Profile.objects.listed().aggregate(
        members=Count("id"),
        mentors=Count("id", filter=Q(is_mentor=True)),
        abroad=Count("id", filter=Q(lives_abroad=True)),
        countries=Count("country", distinct=True, filter=Q(lives_abroad=True)),
    )
    figures["startups"] = Organisation.objects.filter(kind=Organisation.Kind.STARTUP).count()
    figures["introductions"] = Introduction.objects.filter(status=Introduction.Status.ACCEPTED).count()
    return render(request, "cms/home.html", {"figures": figures})
