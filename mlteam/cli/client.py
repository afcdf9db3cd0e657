"""The CLI's side of the Python client: settings named as the CLI's, and the client's errors as
exit codes.

Exit codes (documented in the README): 0 success, 1 the server refused (bad input, not allowed,
not found, conflict, bad token), 2 usage error, 3 server unreachable or broken.
"""

import click

from mlteam.client import ApiError, Client, ConfigurationError, MLteamError, ServerError

EXIT_REFUSED, EXIT_USAGE, EXIT_SERVER = 1, 2, 3


class _Shown(click.ClickException):
    def show(self, file=None) -> None:
        click.echo(f"mlteam: {self.message}", err=True)


class Refused(_Shown):
    """The server said no; its message is shown as is."""

    exit_code = EXIT_REFUSED

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(f"{detail} ({code}, HTTP {status})")
        self.status, self.code, self.detail = status, code, detail


class ServerProblem(_Shown):
    exit_code = EXIT_SERVER


class BadUsage(_Shown):
    """Bad input on our side (a setting, a file): exit 2 with a message, no usage text."""

    exit_code = EXIT_USAGE


def as_click_error(error: MLteamError) -> click.ClickException:
    """The client's exception as the CLI's: its message, and the exit code for who is at fault."""
    if isinstance(error, ApiError):
        return Refused(error.status, error.code, error.detail)
    if isinstance(error, ConfigurationError):
        return BadUsage(error.message)
    if isinstance(error, ServerError):
        return ServerProblem(error.message)
    return ServerProblem(error.message)


class Api(Client):
    """The one client the CLI uses: the Python client, with the CLI's settings in messages."""

    URL_NAME = "MLTEAM_URL/--url"
    TOKEN_NAME = "MLTEAM_TOKEN/--token"
    USER_AGENT = "mlteam-cli"


class ClientErrors(click.Group):
    """Turns the client's exceptions, raised anywhere in a command, into the CLI's exits."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MLteamError as error:
            raise as_click_error(error) from None
