from django.urls import path

from cms import views

app_name = "cms"

urlpatterns = [
    path("", views.home, name="home"),
    path("impact/", views.impact, name="impact"),
    path("impact/exports.csv", views.impact_csv, name="impact-csv"),
    path("impact/centres/<slug:slug>/", views.impact_centre, name="impact-centre"),
]
