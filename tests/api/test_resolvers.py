"""The API's segment-indexed URL resolver resolves every path as Django's plain include() would."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, get_resolver, path, re_path, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from bizdevops.api.errors import not_found
from bizdevops.api.resolvers import SegmentIndexedResolver


def _view(name: str):  # type: ignore[no-untyped-def]
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(name)

    view.__name__ = name
    return view


PATTERNS = [
    path("jobs/activation", _view("activate"), name="activate"),
    path("<str:kind>/search", _view("search"), name="search"),  # a converter first: tried for every segment
    path("jobs/<str:key>", _view("job"), name="job"),
    re_path(r"^jobs-legacy/(?P<key>\d+)$", _view("legacy"), name="legacy"),
    path("jobsx", _view("jobsx"), name="jobsx"),
    path("jobs/search", _view("never"), name="never"),  # shadowed by the converter route before it
]


@pytest.mark.parametrize(
    "path_",
    [
        "v2/jobs/activation",
        "v2/jobs/search",
        "v2/things/search",
        "v2/jobs/123",
        "v2/jobs-legacy/5",
        "v2/jobsx",
        "v2/jobsx/1",
        "v2/jobs",
        "v2/",
        "v2/nothing/here",
        "v3/jobs/123",
    ],
)
def test_the_indexed_resolver_matches_what_the_plain_include_matches(path_: str) -> None:
    plain = URLResolver(RoutePattern("v2/"), PATTERNS)
    indexed = SegmentIndexedResolver("v2/", PATTERNS)

    def outcome(resolver: URLResolver) -> object:
        try:
            match = resolver.resolve(path_)
        except Resolver404:
            return None
        return (match.func.__name__, match.kwargs, match.url_name, match.route, match.args)

    assert outcome(indexed) == outcome(plain)


@pytest.mark.parametrize(
    "name", sorted(k for k in get_resolver().reverse_dict if isinstance(k, str) and k[:3] in ("v2-", "c7-"))
)
def test_every_api_route_resolves_back_to_itself(name: str) -> None:
    resolver = get_resolver()
    _, _, _, converters = resolver.reverse_dict[name]
    url = reverse(name, kwargs=dict.fromkeys(converters, "123"))
    match = resolver.resolve(url)
    assert match.url_name == name
    assert match.route.startswith(("v2/", "engine-rest/"))


@pytest.mark.parametrize(
    "url",
    ["/v2", "/v2/", "/v2/jobs", "/v2/jobsearch", "/v2/jobs/1/completion/", "/engine-rest/x", "/engine-rest"],
)
def test_unknown_api_paths_reach_the_problem_json_catch_all(url: str) -> None:
    assert get_resolver().resolve(url).func is not_found
