from django.urls import path

from investments.views import applications, enrolments, pitches, programmes

app_name = "investments"

urlpatterns = [
    path("open-calls/", programmes.open_calls, name="open-calls"),
    path("incubators/<slug:slug>/", programmes.incubator_dashboard, name="incubator-dashboard"),
    path("incubators/<slug:slug>/cohorts/new/", programmes.cohort_create, name="cohort-create"),
    path("cohorts/<id:pk>/", programmes.cohort_detail, name="cohort-detail"),
    path("cohorts/<id:pk>/manage/", programmes.cohort_manage, name="cohort-manage"),
    path("cohorts/<id:pk>/apply/", applications.application_create, name="application-create"),
    path("applications/<id:pk>/", applications.application_detail, name="application-detail"),
    path("applications/<id:pk>/review/", applications.review_create, name="review-create"),
    path("applications/<id:pk>/decide/", applications.application_decide, name="application-decide"),
    path("cohorts/<id:pk>/startups/<slug:slug>/", enrolments.enrolment_detail, name="enrolment-detail"),
    path("evidence/<id:pk>/file/", enrolments.evidence_file, name="evidence-file"),
    path("startups/<slug:slug>/pitches/new/", pitches.pitch_create, name="pitch-create"),
    path("pitches/<id:pk>/", pitches.pitch_detail, name="pitch-detail"),
    path("pitches/<id:pk>/edit/", pitches.pitch_edit, name="pitch-edit"),
    path("pitches/<id:pk>/action/", pitches.pitch_action, name="pitch-action"),
    path("pitches/<id:pk>/deck/", pitches.pitch_deck, name="pitch-deck"),
]
