"""WebSocket routes of every app, gathered in one list for ``config.asgi``."""

websocket_urlpatterns: list = []
