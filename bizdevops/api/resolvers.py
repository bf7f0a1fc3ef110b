"""A URL resolver for the API's long route lists: it tries only the routes that can match the next segment.

Django's resolver tries an include's patterns one by one (a regex search each, and a `tried` entry for every
miss); /v2 has about fifty, so a job completion near the end cost ~40 pattern tests per request. Indexed by
their first literal path segment, a request tests only the few routes of its segment, in their original
order; routes whose first segment is not literal (a converter, a regex, an include without a slash) are
tried for every segment, in their place. The ResolverMatch (view, kwargs, name, route) is the one the plain
include gives; only its `tried` list (debug output of a 404) lists fewer patterns.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern


def _first_segment(entry: URLPattern | URLResolver) -> str | None:
    """The literal first path segment every path `entry` matches starts with, or None (not known)."""
    pattern = entry.pattern
    if not isinstance(pattern, RoutePattern) or not isinstance(pattern._route, str):
        return None
    head, slash, _ = pattern._route.partition("/")
    if "<" in head or not head:
        return None
    if not slash and not pattern._is_endpoint:
        return None  # an include at "jobs" also matches "jobsearch/..."
    return head


class SegmentIndexedResolver(URLResolver):
    """`path(route, include(patterns))`, resolved through an index of the patterns' first segments."""

    def __init__(self, route: str, patterns: list[URLPattern | URLResolver]) -> None:
        super().__init__(RoutePattern(route, is_endpoint=False), patterns)
        segments = {_first_segment(entry) for entry in patterns} - {None}
        # each subset is a plain resolver at the same route, so its ResolverMatch is the include's own
        self._by_segment = {
            segment: URLResolver(self.pattern, [e for e in patterns if _first_segment(e) in (segment, None)])
            for segment in segments
        }
        self._others = URLResolver(self.pattern, [e for e in patterns if _first_segment(e) is None])

    def resolve(self, path: Any) -> Any:
        path = str(path)
        match = self.pattern.match(path)
        if not match:
            raise Resolver404({"path": path})
        segment = match[0].partition("/")[0]
        return self._by_segment.get(segment, self._others).resolve(path)
