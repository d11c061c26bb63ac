from django.urls import path

from investments import views

app_name = "investments"

urlpatterns = [
    path("incubators/<slug:slug>/", views.incubator_dashboard, name="incubator-dashboard"),
    path("incubators/<slug:slug>/cohorts/new/", views.cohort_create, name="cohort-create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<int:pk>/manage/", views.cohort_manage, name="cohort-manage"),
    path("cohorts/<int:pk>/apply/", views.application_create, name="application-create"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/review/", views.review_create, name="review-create"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application-decide"),
    path("cohorts/<int:pk>/startups/<slug:slug>/", views.enrolment_detail, name="enrolment-detail"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence-file"),
    path("startups/<slug:slug>/pitches/new/", views.pitch_create, name="pitch-create"),
    path("pitches/<int:pk>/", views.pitch_detail, name="pitch-detail"),
    path("pitches/<int:pk>/edit/", views.pitch_edit, name="pitch-edit"),
    path("pitches/<int:pk>/action/", views.pitch_action, name="pitch-action"),
    path("pitches/<int:pk>/deck/", views.pitch_deck, name="pitch-deck"),
]
