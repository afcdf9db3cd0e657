"""Every page needs a login; the few public ones are listed here on purpose."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {
    "/accounts/login/",
    "/health/",
    "/ready/",
    "/favicon.ico",
    "/accounts/logout/",
    "/admin/login/",
}
LOGIN_PAGES = ("/accounts/login/?next=", "/admin/login/?next=")
SAMPLE_VALUES = {
    "int": "1",
    "slug": "demo",
    "str": "demo",
    "path": "demo",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def concrete_paths(patterns=None, prefix=""):
    """Every URL of the project with sample values in its placeholders."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from concrete_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            if "^" in route or "(?P" in route:  # regex routes (admin internals, formats, API 404)
                continue
            yield "/" + re.sub(
                r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES[m.group(1) or "str"], route
            )


def test_the_project_has_pages_to_check():
    assert len(set(concrete_paths())) > 10


@pytest.mark.parametrize("path", sorted(set(concrete_paths()) - PUBLIC))
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    if response.status_code in (401, 403):  # API endpoints answer in JSON instead of redirecting
        assert path.startswith("/api/"), path
        return
    assert response.status_code == 302, path
    assert response["Location"].startswith(LOGIN_PAGES), path


def test_health_answers_without_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_favicon_answers_without_login_so_admin_pages_log_no_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert finders.find("img/favicon.svg")


def test_an_expired_session_during_an_htmx_request_redirects_the_whole_page(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/"


def test_pages_carry_a_strict_content_security_policy(logged_in_client):
    response = logged_in_client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_login_page_and_logout(client, member, password):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": member.user.username, "password": password}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_pages_contain_no_inline_scripts_or_handlers(logged_in_client):
    html = logged_in_client.get("/").content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html)
