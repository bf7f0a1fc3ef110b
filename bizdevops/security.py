"""Response headers that limit what injected markup could do: a Content-Security-Policy on every page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Adds settings.CONTENT_SECURITY_POLICY to HTML responses, except under the exempt path prefixes.

    Scripts only from our own origin (no inline script, no eval): a stored XSS payload that slipped past
    escaping still cannot run. A MiddlewareMixin with only process_response, so the API's flat middleware
    chain (bizdevops.api.asgi) runs it in its loop.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.policy = "; ".join(f"{name} {value}" for name, value in settings.CONTENT_SECURITY_POLICY.items())
        self.exempt = tuple(getattr(settings, "CONTENT_SECURITY_POLICY_EXEMPT_PATHS", ()))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if (
            self.policy
            and not request.path.startswith(self.exempt)
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = self.policy
        return response
