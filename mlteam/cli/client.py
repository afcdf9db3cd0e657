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


class Api:
    def __init__(self, url: str, token: str, timeout: float = 30.0):
        self.base = url.rstrip("/") + "/api/v1/"
        self.http = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "mlteam-cli"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ServerProblem(f"cannot reach {self.base}: {error}") from None
        if response.status_code >= 500:
            raise ServerProblem(
                f"the server failed (HTTP {response.status_code}); try again later."
            )
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def get(self, path: str, **params) -> Any:
        params = {k: v for k, v in params.items() if v not in (None, "", False)}
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.request("POST", path, json=body or {}).json()

    def pages(self, path: str, limit: int, **params) -> Iterator[dict]:
        """Items of a cursor-paginated list, following ``next`` until ``limit`` items."""
        params = {k: v for k, v in params.items() if v not in (None, "", False)}
        params["page_size"] = min(limit, 500)
        page = self.request("GET", path, params=params).json()
        seen = 0
        while True:
            for item in page["results"]:
                if seen >= limit:
                    return
                seen += 1
                yield item
            if not page.get("next") or seen >= limit:
                return
            page = self.request("GET", page["next"]).json()


def _refusal(response: httpx.Response) -> Refused:
    try:
        body = response.json()
        return Refused(response.status_code, body["error"], body["detail"])
    except (ValueError, KeyError, TypeError):
        return Refused(
            response.status_code, "http_error", response.text[:200] or response.reason_phrase
        )
