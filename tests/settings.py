"""The real settings, imported the way `make test` runs them: DEBUG on at import time.

DEBUG defaults to false (production is the default); the test run needs the demo key and
plain-HTTP cookies, so it sets DEBUG explicitly, as `make run` does. Django still runs every
test with ``settings.DEBUG = False``, so error pages are the production ones.
"""

import os

os.environ.setdefault("DEBUG", "true")
# One connection per test thread, closed after each request: live servers and threads leave
# nothing open when the test database is dropped. Tests that need persistent connections
# start a production server (tests/core/test_production.py).
os.environ.setdefault("DB_CONN_MAX_AGE", "0")

from mlteam.settings import *  # noqa: F403

# No API rate in tests (None turns a throttle off): the suite makes thousands of calls from one
# address within minutes. tests/security/test_throttles.py sets low rates to prove the 429.
API_THROTTLE_RATES = {"token": None, "anon": None}
