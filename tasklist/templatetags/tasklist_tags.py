"""Small template filters of the Tasklist."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def isodate(value: str | None) -> str:
    """An ISO date-time as `YYYY-MM-DD HH:MM` in the current time zone (the JS re-renders the same way)."""
    if not value:
        return ""
    parsed = parse_datetime(value)
    if parsed is None:
        return value
    return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
