"""`TogglWarehouseComponent`: toggl-warehouse as a Dagster Component, configured in a `defs.yaml`.

This module owns only the mapping from the YAML fields to `Settings` (validated there, once, as for the
environment variables) and to the resources' secrets, plus the asset-spec overrides (key prefix, group,
`translation`); `build_definitions` builds everything else. `dg scaffold defs toggl_warehouse.TogglWarehouseComponent
<name>` writes the commented template of `SCAFFOLD_TEMPLATE`.

Secrets written as `{{ env.NAME }}` stay environment variables all the way to the run (Dagster `EnvVar`s): their
values are read when a run needs them, and never show in the UI or in run config.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import dagster as dg
from dagster.components.utils.translation import TranslationFn, TranslationFnResolver

from toggl_warehouse.definitions import TogglSource, build_definitions, build_resources
from toggl_warehouse.settings import Settings

ENV_TEMPLATE = re.compile(r"^\s*\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$")


def _secret(context: dg.ResolutionContext, raw: str | None) -> str | None:
    """`{{ env.NAME }}` becomes `EnvVar("NAME")` (read at run time); anything else is resolved as usual."""
    if raw is None:
        return None
    match = ENV_TEMPLATE.match(raw)
    return dg.EnvVar(match.group(1)) if match else context.resolve_value(raw, as_type=str)


Secret = Annotated[
    str | None,
    dg.Resolver(_secret, model_field_type=str | None, inject_before_resolve=False,
                description='A secret; write it as "{{ env.VARIABLE }}" so its value stays out of the YAML and the UI.'),
]


@dataclass
class SharedReportConfig(dg.Resolvable):
    """A saved shared report: its name (in asset keys and tables) and its token."""

    name: str
    token: Secret


SCAFFOLD_TEMPLATE = """\
type: {type_name}

# Toggl Track -> Postgres. Every field is optional: the defaults are those of the TOGGL_* variable of each field
# (README, "Using it with your Toggl account"). Secrets as "{{{{ env.VARIABLE }}}}": read from the environment when a run needs them.
attributes:
  # from_environment: true          # read TOGGL_* and DATABASE_URL (and .env) first; the fields below override
  reports:                          # saved shared reports (Toggl: Reports > Save and share)
    - name: team                    # asset toggl/shared_report_team
      token: "{{{{ env.TOGGL_REPORT_TOKEN_TEAM }}}}"
  workspaces: []                    # workspace ids for the profitability projects export, e.g. [1234567]
  api_token: "{{{{ env.TOGGL_API_TOKEN }}}}"
  # database_url: "{{{{ env.DATABASE_URL }}}}"   # default: Postgres on 127.0.0.1:5432, else an embedded one
  currency: usd
  start_date: "2025-01-01"          # the first daily partition
  timezone: UTC                     # when "yesterday" is complete
  trailing_days: 7                  # the daily run reloads yesterday and this many days before it
  schedule: "30 2 * * *"            # cron of the daily run (in timezone)
  page_size: 1000
  gate: error                       # error: a fetch that disagrees with Toggl's totals is not loaded; warn: load, warn
  # api_url: https://api.track.toggl.com
  # asset_key_prefix: [acme]        # acme/toggl/shared_report_team
  # group: toggl                    # one group for the source assets
  # lineage: true                   # also show Toggl, the toggl.* tables and reporting.* views
  # translation:                    # override any source asset's spec ({{{{ source.kind }}}}, {{{{ source.name }}}})
  #   tags:
  #     team: finance
"""


class TogglWarehouseScaffolder(dg.Scaffolder):
    """Writes a commented `defs.yaml` whose secrets come from environment variables."""

    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        Path(request.target_path).mkdir(parents=True, exist_ok=True)
        (Path(request.target_path) / "defs.yaml").write_text(SCAFFOLD_TEMPLATE.format(type_name=request.type_name))


@dg.scaffold_with(TogglWarehouseScaffolder)
@dataclass
class TogglWarehouseComponent(dg.Component, dg.Resolvable):
    """Toggl Track shared reports and profitability exports, loaded into a Postgres warehouse.

    One daily-partitioned asset per shared report and per workspace, with their checks, a job and a daily
    schedule (the same as the `toggl-warehouse` code location). Unset fields keep the defaults of the
    environment variables (README, "Using it with your Toggl account"); with `from_environment: true` the
    TOGGL_* variables and DATABASE_URL (and a `.env`) are read first and the fields given here override them.
    """

    from_environment: bool = False
    reports: list[SharedReportConfig] = field(default_factory=list)
    workspaces: list[int] = field(default_factory=list)
    currency: str | None = None
    start_date: Annotated[
        str | None,
        dg.Resolver(lambda context, value: None if value is None else str(context.resolve_value(value)),
                    model_field_type=str | None, description="The first daily partition, YYYY-MM-DD."),
    ] = None
    timezone: str | None = None
    trailing_days: int | None = None
    schedule: str | None = None
    page_size: int | None = None
    gate: Literal["error", "warn"] | None = None
    api_url: str | None = None
    api_token: Secret = None
    email: str | None = None
    password: Secret = None
    database_url: Secret = None
    min_request_interval: float | None = None
    asset_key_prefix: list[str] = field(default_factory=list)
    group: str | None = None
    lineage: bool = True
    translation: Annotated[
        TranslationFn[TogglSource] | None,
        TranslationFnResolver(template_vars_for_translation_fn=lambda source: {"source": source}),
    ] = None

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        settings = self.settings()
        return build_definitions(settings, warehouse=self.lineage, asset_spec=self.get_asset_spec,
                                 resources=build_resources(settings, self._secrets()))

    def get_asset_spec(self, spec: dg.AssetSpec, source: TogglSource) -> dg.AssetSpec:
        """The spec of a source asset: the default, under `asset_key_prefix`, in `group`, then `translation`.
        Override it in a subclass to change more (as dagster-fivetran's translator)."""
        if self.asset_key_prefix:
            spec = spec.replace_attributes(key=spec.key.with_prefix(self.asset_key_prefix))
        if self.group:
            spec = spec.replace_attributes(group_name=self.group)
        return self.translation(spec, source) if self.translation else spec

    def settings(self) -> Settings:
        """The Settings these fields (over the environment, with `from_environment`) describe."""
        fields = {name: value for name, value in self._variables().items() if value is not None}
        if self.from_environment:
            return Settings.from_env(environ={**os.environ, **fields})
        return Settings.from_mapping(fields)

    def _variables(self) -> dict[str, str | None]:
        """Each field as the environment variable it stands for (one name per setting, as `Settings` reads it)."""

        def text(value: object) -> str | None:
            return None if value is None else str(value)

        return {
            "TOGGL_SHARED_REPORTS": ",".join(f"{r.name}={_value(r.token, _stand_in(r.token))}" for r in self.reports) or None,
            "TOGGL_WORKSPACE_IDS": ",".join(str(w) for w in self.workspaces) or None,
            "TOGGL_CURRENCY": self.currency,
            "TOGGL_START_DATE": text(self.start_date),
            "TOGGL_TIMEZONE": self.timezone,
            "TOGGL_TRAILING_DAYS": text(self.trailing_days),
            "TOGGL_SCHEDULE_CRON": self.schedule,
            "TOGGL_PAGE_SIZE": text(self.page_size),
            "TOGGL_TOTALS_GATE": self.gate,
            "TOGGL_API_URL": self.api_url,
            "TOGGL_API_TOKEN": _value(self.api_token),
            "TOGGL_EMAIL": self.email,
            "TOGGL_PASSWORD": _value(self.password),
            "DATABASE_URL": _value(self.database_url),
            "TOGGL_MIN_REQUEST_INTERVAL": text(self.min_request_interval),
        }

    def _secrets(self) -> dict[str, str | None]:
        """The resources' secret fields given here; the others come from their environment variables only with
        `from_environment`."""
        given: dict[str, str | None] = {
            name: value for name, value in
            (("api_token", self.api_token), ("password", self.password), ("database_url", self.database_url))
            if value is not None
        }
        if self.reports:
            from_vars = [r for r in self.reports if isinstance(r.token, dg.EnvVar)]
            literal = [r for r in self.reports if not isinstance(r.token, dg.EnvVar)]
            given["shared_reports"] = ",".join(f"{r.name}={r.token}" for r in literal) or None
            given["shared_report_token_vars"] = ",".join(f"{r.name}={r.token.env_var_name}" for r in from_vars) or None
        if not self.from_environment:
            given = {"api_token": None, "password": None, "database_url": None, **given}
        return given


def _value(secret: str | None, stand_in: str | None = None) -> str | None:
    """A secret's text for `Settings`: the literal, or an `EnvVar`'s value when it is set, else `stand_in`. The
    definitions load without the secrets (as `dg check defs` in CI); a run reads the variables and names any unset."""
    if not isinstance(secret, dg.EnvVar):
        return secret
    return secret.get_value() or stand_in


def _stand_in(token: str | None) -> str | None:
    """What `Settings` holds for a report token whose variable is not set here: `${VARIABLE}`."""
    return f"${{{token.env_var_name}}}" if isinstance(token, dg.EnvVar) else None
