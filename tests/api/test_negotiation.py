"""The API views' content negotiation shortcut answers as DRF's negotiation does."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from bizdevops.api.views.base import ApiView


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, ""),
        ("*/*", ""),
        ("application/json", ""),
        ("application/json; indent=4", ""),
        ("application/*", ""),
        ("text/html", ""),
        ("text/html, */*;q=0.1", ""),
        ("", ""),
        ("application/json", "?format=json"),
        ("*/*", "?format=xml"),
    ],
)
def test_negotiation_answers_as_drf_does(accept: str | None, query: str) -> None:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    view = ApiView()
    view.format_kwarg = None
    view.args, view.kwargs, view.headers = (), {}, {}
    request = view.initialize_request(APIRequestFactory().get("/v2/topology" + query, **headers))

    def outcome(negotiate) -> object:  # type: ignore[no-untyped-def]
        try:
            renderer, media_type = negotiate(request)
        except Exception as exc:  # noqa: BLE001 - the same exception is the expected answer
            return type(exc)
        return type(renderer), media_type

    assert outcome(view.perform_content_negotiation) == outcome(
        lambda r: APIView.perform_content_negotiation(view, r)
    )
