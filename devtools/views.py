"""The floors the page benchmark measures against (``manage.py bench_pages``): the same servers,
settings and middleware as every page, and nothing else."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bare(request: HttpRequest) -> HttpResponse:
    """The floor for the page benchmark: the same stack of middleware, no database, no template."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def bare_member(request: HttpRequest) -> HttpResponse:
    """The floor for a signed-in page: the member and their profile loaded, the site's layout, no content."""
    return render(request, "devtools/bench_member.html")
