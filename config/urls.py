from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.contrib.sitemaps.views import sitemap

from cms import views as cms_views
from core import admin_views, health, wellknown
from investments.sitemaps import OpenCohortSitemap
from mentorship.sitemaps import MentorSitemap
from network import views as network_views
from network.sitemaps import OrganisationSitemap

# The sitemap's sections: Wagtail's pages (stories, the home page), then each app's public pages.
SITEMAPS = {
    "pages": WagtailSitemap,
    "open-calls": OpenCohortSitemap,
    "mentors": MentorSitemap,
    "organisations": OrganisationSitemap,
}

# One way in: the admin's, Wagtail's and Django's own sign-in, password reset and password change
# pages send everyone to allauth's, so two-factor authentication, email verification and rate
# limits apply to every door (allauth's documented way for the admin: secure_admin_login).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", wellknown.robots_txt, name="robots-txt"),
    path(".well-known/security.txt", wellknown.security_txt, name="security-txt"),
    path("favicon.ico", wellknown.favicon, name="favicon"),
    path("manifest.webmanifest", wellknown.manifest, name="manifest"),
    path("admin/password_change/", network_views.password_change_elsewhere),
    path("admin/tasks/", admin.site.admin_view(admin_views.task_queue), name="admin-tasks"),
    path("admin/", admin.site.urls),
    path("editors/login/", network_views.sign_in_elsewhere),
    re_path(r"^editors/password_reset/", network_views.password_reset_elsewhere),
    path("_util/login/", network_views.sign_in_elsewhere),
    path("editors/", include(wagtailadmin_urls)),
    path("accounts/", include("allauth.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("network.urls")),
    path("", include("ledger.urls")),
    path("", include("mentorship.urls")),
    path("deals/", include("investments.dealroom.urls")),
    path("", include("investments.urls")),
    path("", include("cms.urls")),
]

if settings.SERVE_MEDIA:
    from django.views.decorators.cache import cache_control
    from django.views.static import serve

    # Wagtail renditions get a new name whenever the image changes, so a day of caching is safe.
    # Renditions only: an original (/media/original_images/) is the file as the editor uploaded it,
    # at full size, and never needed by a page; photos and private files go through views.
    urlpatterns.append(
        re_path(
            r"^media/(?P<path>images/[^/]+)$",
            cache_control(public=True, max_age=86400)(serve),
            {"document_root": settings.MEDIA_ROOT},
        )
    )

if settings.RABTA_BENCH_BARE_VIEW:  # only while manage.py bench_pages runs (devtools is then installed)
    urlpatterns += [path("bench/", include("devtools.urls"))]

# Wagtail's pages (stories) answer every path nothing above claimed, so they come last; signed-out
# visitors get them from the page cache.
urlpatterns += [
    re_path(r"^((?:[\w\-]+/)*)$", cms_views.serve_page, name="page"),
    path("", include(wagtail_urls)),
]
