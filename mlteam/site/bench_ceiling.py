"""The ceiling ``make bench`` compares with: a bare Django view doing one indexed lookup.

No middleware, no authentication, no ORM: one raw ``SELECT`` on the bench's models by name over
a persistent connection, answered as JSON — the least a Django request on this stack can cost.
``manage.py bench --ceiling`` serves it with gunicorn (the same workers and load as the API) in
its own process: this module configures Django itself, so it is never imported by mlteam's.
"""

import os

import dj_database_url
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "ceiling-bench-only-" + "x" * 40),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)},
)

import django  # noqa: E402 — after configure(), as standalone Django requires

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import Http404, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


def model(request, name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, last_version FROM registry_model WHERE name = %s", [name])
        row = cursor.fetchone()
    if row is None:
        raise Http404(name)
    return JsonResponse({"id": row[0], "name": row[1], "latest_version": row[2]})


urlpatterns = [path("models/<str:name>/", model)]
application = get_wsgi_application()
