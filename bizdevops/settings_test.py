"""Settings for the test suite: the production settings with plain HTTP and the clock API on."""

import os

os.environ.setdefault("BIZDEVOPS_INSECURE_HTTP", "1")
os.environ.setdefault("BIZDEVOPS_CLOCK_API", "1")

from bizdevops.settings import *  # noqa: E402,F403

if os.environ.get("BIZDEVOPS_E2E_SERVER") == "1":
    MIDDLEWARE = ["tests.e2e.middleware.clear_content_type_cache", *MIDDLEWARE]  # noqa: F405
