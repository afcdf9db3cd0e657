"""Every API error is {"error": "<stable code>", "detail": "<message>"} with the right status."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_401_without_credentials():
    assert_error(APIClient().get("/api/v1/models/"), 401, "not_authenticated")


def test_404_for_unknown_objects_and_paths(world, as_user):
    api = as_user(world.reader)
    body = assert_error(api.get("/api/v1/models/nope/"), 404, "not_found")
    assert "nope" in body["detail"]
    assert_error(api.get("/api/v1/models/intent/versions/9/"), 404, "not_found")
    assert_error(api.get("/api/v1/promotions/999/"), 404, "not_found")
    assert_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(api.get("/api/nothing/"), 404, "not_found")


def test_405_for_a_wrong_method(world, as_user):
    assert_error(as_user(world.member).delete("/api/v1/models/intent/"), 405, "method_not_allowed")


def test_415_for_a_body_that_is_not_json(world, as_user):
    response = as_user(world.member).post(
        "/api/v1/models/intent/versions/",
        "artifact_uri=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "unsupported_media_type")


def test_400_for_malformed_json(world, as_user):
    response = as_user(world.member).post(
        "/api/v1/models/intent/versions/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_400_invalid_names_the_fields(world, as_user):
    response = as_user(world.member).post("/api/v1/models/", {"name": "x"}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "team" in body["fields"] and "task" in body["fields"]
    assert "team: This field is required." in body["detail"]


def test_domain_errors_keep_the_engines_code_and_status(world, as_user):
    url = "/api/v1/models/intent/versions/1/promotions/"
    body = assert_error(
        as_user(world.member).post(url, {"to_stage": "orbit"}), 400, "unknown_stage"
    )
    assert "orbit" in body["detail"]
    assert_error(as_user(world.reader).post(url, {"to_stage": "staging"}), 403, "not_team_member")
    assert as_user(world.member).post(url, {"to_stage": "staging"}).status_code == 201
    assert_error(
        as_user(world.member).post(url, {"to_stage": "staging"}), 409, "pending_request_exists"
    )


def test_users_without_a_roster_entry_read_but_do_not_write(world):
    from tests.api.conftest import api_client
    from tests.factories import UserFactory

    api = api_client(UserFactory(username="operator"))
    assert api.get("/api/v1/models/").status_code == 200
    body = assert_error(api.post("/api/v1/models/intent/versions/", {}), 403, "no_roster_entry")
    assert "roster" in body["detail"]


def test_session_login_works_and_needs_csrf_for_writes(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.member.user)
    assert client.get("/api/v1/models/").status_code == 200
    response = client.post("/api/v1/models/intent/versions/", {}, format="json")
    assert_error(response, 403, "csrf_failed")
    assert world.model.artifacts.count() == 1
    client.get("/api/v1/models/")  # any page sets the csrftoken cookie on login-session clients
    token = client.cookies.get("csrftoken")
    if token is None:  # force_login does not create one; fetch a page that uses it
        client.get("/account/tokens/")
        token = client.cookies["csrftoken"]
    response = client.post(
        "/api/v1/models/intent/versions/", {}, format="json", HTTP_X_CSRFTOKEN=token.value
    )
    assert response.status_code == 201
