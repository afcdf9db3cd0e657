"""Permissions-Policy on every response; Cache-Control: private, no-store on API responses and
on pages for a signed-in person (anonymous pages and static files keep their own)."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from mlteam.api.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FEATURES = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def assert_permissions_policy(response):
    policy = response["Permissions-Policy"]
    for feature in FEATURES:
        assert feature in policy


def test_signed_in_pages_are_private_and_never_stored(logged_in_client):
    for path in ["/", "/models/", "/account/tokens/", "/admin/"]:
        response = logged_in_client.get(path)
        assert response["Cache-Control"] == "private, no-store", path
        assert_permissions_policy(response)


def test_api_responses_are_never_stored_whoever_asks():
    _, raw = token_create(user=UserFactory())
    client = APIClient()
    anonymous = client.get("/api/v1/models/")
    assert anonymous.status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for response in [anonymous, client.get("/api/v1/models/"), client.get("/api/v1/nothing/")]:
        assert response["Cache-Control"] == "private, no-store"
        assert_permissions_policy(response)


def test_anonymous_public_pages_keep_their_own_cache_headers(client):
    login = client.get("/accounts/login/")
    assert "no-store" in login["Cache-Control"]  # Django's never_cache on the login view
    assert login["Cache-Control"] != "private, no-store"
    assert_permissions_policy(login)
    health = client.get("/health/")
    assert "Cache-Control" not in health or "private" not in health["Cache-Control"]
    assert_permissions_policy(health)


def test_the_health_check_still_touches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert_permissions_policy(response)


@override_settings(DEBUG=True)  # Django's static view serves files only with DEBUG
def test_static_files_get_the_permissions_policy_but_are_cacheable(logged_in_client):
    response = logged_in_client.get("/static/css/mlteam.css")
    if response.status_code == 404:
        pytest.skip("static files are not served by this test setup")
    assert_permissions_policy(response)
    assert response.get("Cache-Control", "") != "private, no-store"


def test_fault_barrier_answers_carry_the_headers_too(client):
    response = client.get("/api/v1/models/?q=%00")
    assert response.status_code == 400
    assert_permissions_policy(response)
    assert response["Cache-Control"] == "private, no-store"
