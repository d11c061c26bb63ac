from django.urls import path

from network import account_views, views

app_name = "network"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("accounts/two-factor-required/", views.mfa_required, name="mfa-required"),
    path("profile/edit/", views.profile_edit, name="profile-edit"),
    path("profile/data/", account_views.account_data, name="account-data"),
    path("profile/data/download/", account_views.account_data_download, name="account-data-download"),
    path("profile/delete/", account_views.account_delete, name="account-delete"),
    path("members/", views.member_list, name="member-list"),
    path("members/<id:user_id>/", views.member_detail, name="member-detail"),
    path("members/<id:user_id>/photo/", views.member_photo, name="member-photo"),
    path("members/<id:user_id>/introduce/", views.introduction_request, name="introduction-request"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<slug:slug>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<slug:slug>/members/", views.organisation_members, name="organisation-members"),
    path(
        "organisations/<slug:slug>/members/<id:membership_id>/role/",
        views.membership_role,
        name="membership-role",
    ),
    path(
        "organisations/<slug:slug>/members/<id:membership_id>/remove/",
        views.membership_remove,
        name="membership-remove",
    ),
    path("introductions/", views.introduction_list, name="introduction-list"),
    path("introductions/<id:pk>/", views.introduction_detail, name="introduction-detail"),
    path("introductions/<id:pk>/accept/", views.introduction_accept, name="introduction-accept"),
    path("introductions/<id:pk>/decline/", views.introduction_decline, name="introduction-decline"),
    path("introductions/<id:pk>/withdraw/", views.introduction_withdraw, name="introduction-withdraw"),
    path("introductions/<id:pk>/outcome/", views.introduction_outcome, name="introduction-outcome"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<id:pk>/read/", views.notification_read, name="notification-read"),
]
