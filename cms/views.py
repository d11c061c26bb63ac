"""Public pages that read across every app: the home page and the impact dashboard."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from cms import selectors
from core.pagecache import cache_for_visitors
from core.ratelimits import limited
from network.models import Organisation


@cache_for_visitors("stories", "impact")
def home(request: HttpRequest) -> HttpResponse:
    """The site root is Wagtail's home page (editors change it in the admin); this keeps its URL name."""
    return wagtail_serve(request, "")


@require_GET
@cache_for_visitors("impact")
def impact(request: HttpRequest) -> HttpResponse:
    return render(request, "cms/impact.html", {"figures": selectors.impact_figures()})


@require_GET
@cache_for_visitors("impact")
def impact_centre(request: HttpRequest, slug: str) -> HttpResponse:
    centre = Organisation.objects.filter(slug=slug).exclude(kind=Organisation.Kind.STARTUP).first()
    if centre is None:
        raise Http404
    return render(request, "cms/impact.html", {"figures": selectors.impact_figures(centre=centre), "centre": centre})


@require_GET
@cache_for_visitors("impact")
@limited("export", methods=("GET",))
def impact_csv(request: HttpRequest) -> HttpResponse:
    """The dashboard's export figures as CSV: one row per quarter, sector and centre."""
    exports = selectors.impact_figures()["exports"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rabta-verified-exports.csv"'
    writer = csv.writer(response)
    writer.writerow(["breakdown", "key", "verified_exports_usd"])
    for row in exports["by_quarter"]:
        writer.writerow(["quarter", f"{row['year']}-Q{row['quarter']}", f"{row['usd']:.2f}"])
    for row in exports["by_sector"]:
        writer.writerow(["sector", row["name"], f"{row['usd']:.2f}"])
    for row in exports["by_centre"]:
        writer.writerow(["centre", row["name"], f"{row['usd']:.2f}"])
    writer.writerow(["total", "all", f"{exports['total']:.2f}"])
    return response


# Every Wagtail page (the story index, stories) for signed-out visitors, until a page is published,
# unpublished, moved or deleted, or a profile changes: a story lists the mentors it is about, and a
# mentor's name, visibility or account ("profiles") changes what visitors may see there.
_serve_page = cache_for_visitors("stories", "profiles")(wagtail_serve)


def serve_page(request: HttpRequest, path: str) -> HttpResponse:
    """A Wagtail page, GET only. Another method gets 405 where there is a page, and 404 where there
    is none, as a GET would: this catch-all also answers every address no other route took (a
    malformed id or slot in a booking's URL, say), and 405 would tell a client that something is
    there."""
    if request.method == "GET":
        return _serve_page(request, path)
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    site.root_page.localized.specific.route(request, [part for part in path.split("/") if part])  # Http404
    return HttpResponseNotAllowed(["GET"])
