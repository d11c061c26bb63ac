from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap

urlpatterns = [
    path("admin/", admin.site.urls),
    path("editors/", include(wagtailadmin_urls)),
    path("accounts/", include("allauth.urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("", include("network.urls")),
    path("", include("mentorship.urls")),
    path("deals/", include("investments.dealroom.urls")),
    path("", include("investments.urls")),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's pages (stories) answer every path nothing above claimed, so this comes last.
urlpatterns.append(path("", include(wagtail_urls)))
