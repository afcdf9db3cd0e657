"""Talking to the REST API: authentication, the error shape, pagination and exit codes."""

from collections.abc import Iterator
from typing import Any

import click
import httpx

# Exit codes (documented in the README): 0 success, 1 the server refused (bad input, not
# allowed, not found, conflict, bad token), 2 usage error, 3 server unreachable or broken.
EXIT_REFUSED, EXIT_USAGE, EXIT_SERVER = 1, 2, 3


class Refused(click.ClickException):
    """The server said no; its message is shown as is."""

    exit_code = EXIT_REFUSED

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(f"{detail} ({code}, HTTP {status})")
        self.status, self.code, self.detail = status, code, detail

    def show(self, file=None) -> None:
        click.echo(f"mlteam: {self.message}", err=True)


class ServerProblem(click.ClickException):
    exit_code = EXIT_SERVER

    def show(self, file=None) -> None:
        click.echo(f"mlteam: {self.message}", err=True)


class BadUsage(click.ClickException):
    """Bad input on our side (a setting, a file): exit 2 with a message, no usage text."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"mlteam: {self.message}", err=True)


JSON = "application/json"


def check_url(url: str) -> str:
    """The server's address, or a usage error that says what is wrong with it."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise BadUsage(f"MLTEAM_URL/--url {url!r} is not a URL ({error}).") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BadUsage(
            f"MLTEAM_URL/--url {url!r} is not an http(s) address, e.g. http://127.0.0.1:8000."
        )
    return url


def check_token(token: str) -> str:
    """API tokens are printable ASCII (``mlt_…``); anything else cannot go in a header."""
    token = token.strip()
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise BadUsage(
            "MLTEAM_TOKEN/--token holds characters no API token has (only printable ASCII, no "
            "spaces; tokens look like mlt_…): copy it again from the API tokens page or "
            "`manage.py create_token USER`."
        )
    return token


class Api:
    def __init__(self, url: str, token: str, timeout: float = 30.0):
        self.base = check_url(url).rstrip("/") + "/api/v1/"
        self.http = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {check_token(token)}", "User-Agent": "mlteam-cli"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, *, expect: str = JSON, **kwargs) -> httpx.Response:
        """Send one request; a success must come as ``expect`` (a media type)."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.InvalidURL as error:
            raise BadUsage(f"cannot build a URL for {path!r}: {error}") from None
        except httpx.HTTPError as error:
            raise ServerProblem(f"cannot reach {self.base}: {error}") from None
        status = response.status_code
        if status >= 500:
            raise ServerProblem(f"the server failed (HTTP {status}); try again later.")
        if status >= 400:
            raise _refusal(response)
        if 300 <= status < 400:
            location = response.headers.get("Location")
            raise ServerProblem(
                f"{response.request.url} answered HTTP {status}, "
                + (
                    f"redirecting to {location}: set MLTEAM_URL to that server's address "
                    "(e.g. https:// instead of http://)."
                    if location
                    else "a redirect without a Location."
                )
            )
        media_type = _media_type(response)
        if media_type != expect:
            raise ServerProblem(
                f"{response.request.url} answered HTTP {status} with "
                f"{media_type or 'no content type'}, not {expect}: is MLTEAM_URL "
                f"({self.base.removesuffix('/api/v1/')}) the mlteam server?"
            )
        return response

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ServerProblem(
                f"{response.request.url} answered HTTP {response.status_code} with a body that "
                "is not valid JSON; is MLTEAM_URL the mlteam server?"
            ) from None

    def get(self, path: str, **params) -> Any:
        params = {k: v for k, v in params.items() if v not in (None, "", False)}
        return self.json(self.request("GET", path, params=params))

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.json(self.request("POST", path, json=body or {}))

    def pages(self, path: str, limit: int, **params) -> Iterator[dict]:
        """Items of a cursor-paginated list, following ``next`` until ``limit`` items."""
        params = {k: v for k, v in params.items() if v not in (None, "", False)}
        params["page_size"] = min(limit, 500)
        page = self.json(self.request("GET", path, params=params))
        seen = 0
        while True:
            for item in _results(page):
                if seen >= limit:
                    return
                seen += 1
                yield item
            if not page.get("next") or seen >= limit:
                return
            page = self.json(self.request("GET", page["next"]))


def _results(page) -> list:
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise ServerProblem("the server answered a list without `results`; is it the mlteam API?")
    return page["results"]


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _refusal(response: httpx.Response) -> Refused:
    try:
        body = response.json()
        return Refused(response.status_code, body["error"], body["detail"])
    except (ValueError, KeyError, TypeError):
        media_type = _media_type(response) or "no content type"
        return Refused(
            response.status_code,
            "http_error",
            f"{response.request.url} answered {response.reason_phrase or 'an error'} "
            f"({media_type}, not the mlteam API's JSON error)",
        )
