"""XSS payloads and a check that rendered HTML carries none of them in executable form."""

from __future__ import annotations

import re

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
SVG = "<svg/onload=alert(3)>"
LINK = '<a href="javascript:alert(4)">click</a>'
ALL = f"{IMG}{SCRIPT}{SVG}{LINK}"

# Markup a browser would execute: a tag opening with an event handler, a script element, a javascript: URL
# in an attribute. Escaped text (&lt;img ...) and JSON-escaped text (\u003Cimg ...) do not match.
EXECUTABLE = re.compile(
    r"<(img|svg|script)\b[^>]*?(onerror|onload|>alert)|<script>alert|(href|src)\s*=\s*[\"']?\s*javascript:",
    re.IGNORECASE,
)


def executable_markup(html: str | bytes) -> list[str]:
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    return [m.group(0) for m in EXECUTABLE.finditer(text)]
