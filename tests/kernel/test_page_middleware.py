"""The JSON API skips the page-only middleware (mlteam/kernel/page_middleware.py) and keeps
every header the other layers give; pages and the API's own docs page keep them all."""

import pytest
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

from mlteam.api.services import token_create
from mlteam.kernel import page_middleware
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

EVERY_RESPONSE = ("X-Request-ID", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options")


def test_each_wrapped_layer_is_still_the_library_class_in_its_place():
    loaded = [import_string(path) for path in settings.MIDDLEWARE]
    assert any(issubclass(cls, MessageMiddleware) for cls in loaded)  # the admin's check
    assert any(issubclass(cls, CsrfViewMiddleware) for cls in loaded)
    wrapped = [cls for cls in loaded if cls.__module__ == page_middleware.__name__]
    assert len(wrapped) == 4 and all("Skipped by /api/v1/" in cls.__doc__ for cls in wrapped)


def test_an_api_call_skips_the_page_layers_and_keeps_every_header():
    member = MemberFactory()
    _, raw = token_create(user=member.user)
    response = APIClient().get("/api/v1/models/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    for header in EVERY_RESPONSE:
        assert header in response, header
    assert response["Cache-Control"] == "private, no-store"
    assert "Content-Security-Policy" in response
    assert not hasattr(response.wsgi_request, "htmx")  # django-htmx did not run
    assert not hasattr(response.wsgi_request, "_messages")  # no message storage was made


def test_pages_and_the_api_docs_still_run_every_layer(client):
    member = MemberFactory()
    client.force_login(member.user)
    for path in ("/", "/api/docs/"):
        response = client.get(path, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, path
        assert response.wsgi_request.htmx, path
        assert hasattr(response.wsgi_request, "_messages"), path
        assert "csrftoken" in response.cookies or response.wsgi_request.META.get("CSRF_COOKIE")


def test_a_page_without_a_login_is_still_sent_to_the_login_page(client):
    assert client.get("/").status_code == 302
    api = client.get("/api/v1/models/")
    assert api.status_code == 401 and api["Content-Type"].startswith("application/json")
