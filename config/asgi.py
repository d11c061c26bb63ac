"""ASGI entry point: one server, one port, for pages and for the session rooms' WebSockets.

- Every HTTP request goes to Django's WSGI handler, run in one thread per
  process by a2wsgi. Measured on the production setup (docs/performance.md): the
  same pages answer two to four times as many requests a second this way as
  through Django's own ASGI handler, which hops between threads several times a
  request; the number of threads is ``WEB_THREADS``.
- WebSocket connections go to the Channels routes, checked against
  ALLOWED_HOSTS (origin) and carrying the Django session, so consumers see
  ``scope["user"]`` (loaded lazily, inside the consumer's own database work: ``network.realtime``).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_wsgi_app = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.websockets import LazySessionAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WSGIMiddleware(django_wsgi_app, workers=int(os.environ.get("WEB_THREADS", "1"))),
        "websocket": AllowedHostsOriginValidator(LazySessionAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
