"""WebSocket routes of every app, gathered in one list for ``config.asgi``."""

from mentorship.routing import websocket_urlpatterns as mentorship_routes

websocket_urlpatterns: list = [*mentorship_routes]
