"""Test-only middleware for the live server used by browser tests.

Transactional tests flush the database between tests, which can give content types new ids while the server
process still caches the old ones (guardian looks permissions up by content type). Clearing the cache per
request keeps the live server consistent with the database. Never used outside the test settings.
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse


def clear_content_type_cache(get_response: Callable[[HttpRequest], HttpResponse]):  # type: ignore[no-untyped-def]
    def middleware(request: HttpRequest) -> HttpResponse:
        ContentType.objects.clear_cache()
        return get_response(request)

    return middleware
