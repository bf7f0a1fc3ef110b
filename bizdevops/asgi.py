"""ASGI entry point: HTTP through Django, WebSockets through Channels (served by daphne)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizdevops.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from bizdevops.api.asgi import ApiRouter  # noqa: E402
from bizdevops.routing import websocket_urlpatterns  # noqa: E402
from bizdevops.runtime import freeze_startup_heap  # noqa: E402

application = ProtocolTypeRouter(
    {
        # /v2, /engine-rest, /oauth/token: one pool thread per request (bizdevops.api.asgi); the rest as usual
        "http": ApiRouter(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

freeze_startup_heap()  # the site's start-up heap, out of every full collection's way
