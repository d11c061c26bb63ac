from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("exports/", views.export_list, name="export-list"),
    path("exports/<id:pk>/", views.export_detail, name="export-detail"),
    path("exports/<id:pk>/evidence/", views.export_evidence, name="export-evidence"),
    path("organisations/<slug:slug>/exports/", views.centre_exports, name="centre-exports"),
]
