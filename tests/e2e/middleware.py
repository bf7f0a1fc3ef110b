"""Test-only middleware for the live server used by browser tests.

Transactional tests flush the database between tests, which can give content types new ids while the server
process still caches the old ones (Django's and guardian's caches). Clearing the cache per
request keeps the live server consistent with the database. Never used outside the test settings.
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from guardian.shortcuts import clear_ct_cache


def clear_content_type_cache(get_response: Callable[[HttpRequest], HttpResponse]):  # type: ignore[no-untyped-def]
    def middleware(request: HttpRequest) -> HttpResponse:
        ContentType.objects.clear_cache()
        clear_ct_cache()  # guardian keeps its own lru_cache of content types by permission
        return get_response(request)

    return middleware
