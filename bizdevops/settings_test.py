"""Settings for the test suite: the production settings with plain HTTP and the clock API on."""

import os

os.environ.setdefault("BIZDEVOPS_INSECURE_HTTP", "1")
os.environ.setdefault("BIZDEVOPS_CLOCK_API", "1")

from bizdevops.settings import *  # noqa: E402,F403
