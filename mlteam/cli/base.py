"""What every ``mlteam`` command shares: settings from the environment, the API client, and
the ``--json`` switch."""

from dataclasses import dataclass

import click

from mlteam.cli.client import Api

STAGES_HINT = "experimental, staging, production or deprecated"


@dataclass
class Settings:
    url: str = "http://127.0.0.1:8000"
    token: str | None = None
    json: bool = False
    _api: Api | None = None

    @property
    def api(self) -> Api:
        if not self.token:
            raise click.UsageError(
                "No API token: set MLTEAM_TOKEN or pass --token (create one on the API tokens page "
                "or with `manage.py create_token USER`)."
            )
        if self._api is None:
            self._api = Api(self.url, self.token)
            click.get_current_context().call_on_close(self._api.close)
        return self._api


pass_settings = click.make_pass_decorator(Settings, ensure=True)


def json_option(command):
    def turn_on(ctx, param, value):
        if value:
            ctx.ensure_object(Settings).json = True

    return click.option(
        "--json", is_flag=True, expose_value=False, callback=turn_on, help="Print JSON for scripts."
    )(command)
