from django.urls import path

from investments import views

app_name = "investments"

urlpatterns = [
    path("open-calls/", views.open_calls, name="open-calls"),
    path("incubators/<slug:slug>/", views.incubator_dashboard, name="incubator-dashboard"),
    path("incubators/<slug:slug>/cohorts/new/", views.cohort_create, name="cohort-create"),
    path("cohorts/<id:pk>/", views.cohort_detail, name="cohort-detail"),
    path("cohorts/<id:pk>/manage/", views.cohort_manage, name="cohort-manage"),
    path("cohorts/<id:pk>/apply/", views.application_create, name="application-create"),
    path("applications/<id:pk>/", views.application_detail, name="application-detail"),
    path("applications/<id:pk>/review/", views.review_create, name="review-create"),
    path("applications/<id:pk>/decide/", views.application_decide, name="application-decide"),
    path("cohorts/<id:pk>/startups/<slug:slug>/", views.enrolment_detail, name="enrolment-detail"),
    path("evidence/<id:pk>/file/", views.evidence_file, name="evidence-file"),
    path("startups/<slug:slug>/pitches/new/", views.pitch_create, name="pitch-create"),
    path("pitches/<id:pk>/", views.pitch_detail, name="pitch-detail"),
    path("pitches/<id:pk>/edit/", views.pitch_edit, name="pitch-edit"),
    path("pitches/<id:pk>/action/", views.pitch_action, name="pitch-action"),
    path("pitches/<id:pk>/deck/", views.pitch_deck, name="pitch-deck"),
]
