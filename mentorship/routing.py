from django.urls import path

from mentorship.consumers import SessionRoomConsumer

websocket_urlpatterns = [
    path("ws/sessions/<id:booking_id>/room/", SessionRoomConsumer.as_asgi()),
]
