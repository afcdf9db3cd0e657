"""The HTTP layer: authentication, the error shape, media types and cursor pagination."""

from collections.abc import Iterator
from typing import Any

import httpx

from .errors import ConfigurationError, ServerError, api_error

JSON = "application/json"
MARKDOWN = "text/markdown"


class Transport:
    """One authenticated ``httpx.Client`` on ``<url>/api/v1/``.

    ``URL_NAME`` and ``TOKEN_NAME`` name the settings in error messages; the CLI names its
    environment variables there.
    """

    URL_NAME = "url"
    TOKEN_NAME = "token"
    USER_AGENT = "mlteam-client"

    def __init__(self, url: str, token: str, *, timeout: float = 30.0):
        self.base = self.check_url(url).rstrip("/") + "/api/v1/"
        self.http = httpx.Client(
            base_url=self.base,
            headers={
                "Authorization": f"Bearer {self.check_token(token)}",
                "User-Agent": self.USER_AGENT,
            },
            timeout=timeout,
        )

    # -- settings ---------------------------------------------------------------------------------
    def check_url(self, url: str) -> str:
        """The server's address, or a ConfigurationError that says what is wrong with it."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            raise ConfigurationError(f"{self.URL_NAME} {url!r} is not a URL ({error}).") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigurationError(
                f"{self.URL_NAME} {url!r} is not an http(s) address, e.g. http://127.0.0.1:8000."
            )
        return url

    def check_token(self, token: str) -> str:
        """API tokens are printable ASCII (``mlt_…``); anything else cannot go in a header."""
        token = (token or "").strip()
        if not token or not token.isascii() or not token.isprintable() or " " in token:
            raise ConfigurationError(
                f"{self.TOKEN_NAME} holds characters no API token has (only printable ASCII, no "
                "spaces; tokens look like mlt_…): copy it again from the API tokens page or "
                "`manage.py create_token USER`."
            )
        return token

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, expect: str = JSON, **kwargs) -> httpx.Response:
        """Send one request; a success must come as ``expect`` (a media type)."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.InvalidURL as error:
            raise ConfigurationError(f"cannot build a URL for {path!r}: {error}") from None
        except httpx.HTTPError as error:
            raise ServerError(f"cannot reach {self.base}: {error}") from None
        status = response.status_code
        if status >= 500:
            raise ServerError(f"the server failed (HTTP {status}); try again later.", status)
        if status >= 400:
            raise refusal(response)
        if 300 <= status < 400:
            location = response.headers.get("Location")
            raise ServerError(
                f"{response.request.url} answered HTTP {status}, "
                + (
                    f"redirecting to {location}: set {self.URL_NAME} to that server's address "
                    "(e.g. https:// instead of http://)."
                    if location
                    else "a redirect without a Location."
                ),
                status,
            )
        media_type = media_type_of(response)
        if media_type != expect:
            raise ServerError(
                f"{response.request.url} answered HTTP {status} with "
                f"{media_type or 'no content type'}, not {expect}: is {self.URL_NAME} "
                f"({self.base.removesuffix('/api/v1/')}) the mlteam server?",
                status,
            )
        return response

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ServerError(
                f"{response.request.url} answered HTTP {response.status_code} with a body that "
                f"is not valid JSON; is {self.URL_NAME} the mlteam server?",
                response.status_code,
            ) from None

    def get(self, path: str, **params) -> Any:
        return self.json(self.request("GET", path, params=_given(params)))

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.json(self.request("POST", path, json=body or {}))

    def pages(self, path: str, limit: int, **params) -> Iterator[dict]:
        """Items of a cursor-paginated list, following ``next`` until ``limit`` items."""
        params = _given(params)
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


def _given(params: dict) -> dict:
    """Query parameters that were given (``None``, ``""`` and ``False`` mean "not asked")."""
    return {k: v for k, v in params.items() if v not in (None, "", False)}


def _results(page) -> list:
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise ServerError("the server answered a list without `results`; is it the mlteam API?")
    return page["results"]


def media_type_of(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def refusal(response: httpx.Response):
    """The ApiError for a 4xx: the API's own code and detail, or ``http_error`` for a 4xx that
    is not the API's JSON (a proxy's HTML page)."""
    try:
        body = response.json()
        fields = body.get("fields") if isinstance(body.get("fields"), dict) else None
        return api_error(response.status_code, str(body["error"]), str(body["detail"]), fields)
    except (ValueError, KeyError, TypeError, AttributeError):
        media_type = media_type_of(response) or "no content type"
        return api_error(
            response.status_code,
            "http_error",
            f"{response.request.url} answered {response.reason_phrase or 'an error'} "
            f"({media_type}, not the mlteam API's JSON error)",
        )
