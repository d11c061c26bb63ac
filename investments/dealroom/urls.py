from django.urls import path

from investments.dealroom import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="deal-list"),
    path("join/", views.join, name="join"),
    path("terms/", views.terms, name="terms"),
    path("<id:pk>/", views.deal_detail, name="deal-detail"),
    path("<id:pk>/deck/", views.deck_viewer, name="deck-viewer"),
    path("<id:pk>/deck/<id:page>.jpg", views.deck_slide, name="deck-slide"),
    path("<id:pk>/deck/download/", views.deck_download, name="deck-download"),
    path("<id:pk>/questions/", views.question_create, name="question-create"),
    path("<id:pk>/interest/", views.interest_update, name="interest-update"),
    path("<id:pk>/interest/reconfirm/", views.interest_reconfirm, name="interest-reconfirm"),
    path("<id:pk>/analytics/", views.analytics, name="analytics"),
    path("questions/<id:pk>/answer/", views.question_answer, name="question-answer"),
    path("investors/", views.investor_list, name="investor-list"),
    path("investors/<id:pk>/", views.investor_detail, name="investor-detail"),
]
