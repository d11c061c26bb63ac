from django.urls import path

from investments.dealroom import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="deal-list"),
    path("join/", views.join, name="join"),
    path("terms/", views.terms, name="terms"),
    path("<int:pk>/", views.deal_detail, name="deal-detail"),
    path("<int:pk>/deck/", views.deck_viewer, name="deck-viewer"),
    path("<int:pk>/deck/<int:page>.jpg", views.deck_slide, name="deck-slide"),
    path("<int:pk>/deck/download/", views.deck_download, name="deck-download"),
    path("<int:pk>/questions/", views.question_create, name="question-create"),
    path("<int:pk>/interest/", views.interest_update, name="interest-update"),
    path("<int:pk>/interest/reconfirm/", views.interest_reconfirm, name="interest-reconfirm"),
    path("<int:pk>/analytics/", views.analytics, name="analytics"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question-answer"),
    path("investors/", views.investor_list, name="investor-list"),
    path("investors/<int:pk>/", views.investor_detail, name="investor-detail"),
]
