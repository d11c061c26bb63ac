from django.urls import path

from devtools import views

urlpatterns = [
    path("bare/", views.bare),
    path("member/", views.bare_member),
]
