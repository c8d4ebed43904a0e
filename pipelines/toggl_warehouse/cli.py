"""The `toggl-warehouse` command: demo, dev, backfill, replay, prune, migrate, emulator, db, doctor and capture.

`backfill` runs the code location's job through Dagster (recorded in the Dagster instance), one run per
chunk of days, with a progress bar on a terminal; chunks already materialized are skipped, so an interrupted
backfill resumes where it stopped. `demo` runs the whole product against the local Toggl emulator in its own
database and Dagster home; `dev` starts `dagster dev` on the real set-up, or on the demo when there is none.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dotenv import load_dotenv

from toggl_warehouse.settings import Settings, SettingsError
from toggl_warehouse.warehouse.errors import WarehouseError

DEFAULT_CHUNK_DAYS = 366
"""A year per run: one pass over the API per report (Toggl serves at most 366 days a request); a failed
fetch resumes from its next page, so smaller chunks are no longer needed as resume points."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args, passed_on = parser.parse_known_args(argv)
    if passed_on and args.command != "dev":
        parser.error(f"unrecognized arguments: {' '.join(passed_on)}")
    args.dagster_args = passed_on  # `dev` hands the rest to `dagster dev` (e.g. -p 3001)
    if not args.no_dotenv:
        load_dotenv(override=False)
    _quiet_dagster_warnings()
    try:
        return args.handler(args)
    except (SettingsError, ValueError) as exc:
        print(f"toggl-warehouse: {exc}", file=sys.stderr)
        return 2
    except WarehouseError as exc:
        print(f"toggl-warehouse: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ntoggl-warehouse: interrupted; run the same command again to resume.", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toggl-warehouse", description=__doc__.splitlines()[0])
    # The demo's backfill runs this command with the demo's variables only (never the real .env's TOGGL_*).
    parser.add_argument("--no-dotenv", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the whole product against a local Toggl emulator")
    demo.add_argument("--days", type=int, default=30, help="how many recent days to backfill (default 30)")
    demo.add_argument(
        "--remove", "--clean", action="store_true", help="delete the demo: its database, .dagster_home_demo and .env.demo"
    )
    demo.set_defaults(handler=_cmd_demo)

    dev = commands.add_parser(
        "dev", help="dagster dev: the UI on your set-up, or on the demo when nothing is configured (what `./run dev` runs)"
    )
    dev.set_defaults(handler=_cmd_dev)

    backfill = commands.add_parser("backfill", help="materialize a date range through Dagster")
    backfill.add_argument("--start", required=True, type=date.fromisoformat, help="first date, YYYY-MM-DD")
    backfill.add_argument("--end", required=True, type=date.fromisoformat, help="last date (inclusive), YYYY-MM-DD")
    backfill.add_argument("--select", default=None, help="comma-separated assets or report names (default: all sources)")
    backfill.add_argument(
        "--chunk-days", type=int, default=DEFAULT_CHUNK_DAYS, help=f"days per run (default {DEFAULT_CHUNK_DAYS}); fewer days = more, shorter runs and a few more API calls"
    )
    backfill.add_argument("--refresh", action="store_true", help="reload chunks that were already materialized")
    backfill.add_argument("--verbose", action="store_true", help="print the full error (stack trace) of a failed run")
    backfill.set_defaults(handler=_cmd_backfill)

    replay = commands.add_parser("replay", help="rebuild the tables for a date range from stored fetches, with zero API calls")
    replay.add_argument("--start", required=True, type=date.fromisoformat, help="first date, YYYY-MM-DD")
    replay.add_argument("--end", required=True, type=date.fromisoformat, help="last date (inclusive), YYYY-MM-DD")
    replay.add_argument("--select", default=None, help="comma-separated assets or report names (default: all sources)")
    replay.add_argument("--verbose", action="store_true", help="print the full error (stack trace) of a failed run")
    replay.set_defaults(handler=_cmd_replay)

    prune = commands.add_parser(
        "prune", help="remove raw fetches replay does not need and older than --keep-days (what the daily run does after a load)"
    )
    prune.add_argument("--keep-days", type=int, default=None, help="keep every fetch younger than this (default TOGGL_RAW_KEEP_DAYS, 30)")
    prune.add_argument("--dry-run", action="store_true", help="print what would be removed and the bytes freed; remove nothing")
    prune.set_defaults(handler=_cmd_prune)

    migrate = commands.add_parser("migrate", help="apply sql/ migrations to the warehouse")
    migrate.add_argument("--bi-role", default=None, help="also create this read-only role for BI tools (e.g. toggl_bi)")
    migrate.add_argument(
        "--bi-login", default=None, help="also create this login, a member of --bi-role; its password is read from TOGGL_BI_PASSWORD"
    )
    migrate.set_defaults(handler=_cmd_migrate)

    emulator = commands.add_parser("emulator", help="serve the Toggl API emulator on loopback")
    emulator.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    emulator.add_argument("--seed", type=int, default=7, help="seed of the generated workspace")
    emulator.add_argument("--users", type=int, default=6, help="people in the generated workspace (default 6, the demo team)")
    emulator.add_argument("--dialect", choices=("swagger", "enriched"), default="swagger",
                          help="swagger: as Toggl's spec and real captures (ids only, keyset paging; default); "
                               "enriched: names in every row")
    emulator.add_argument("--replay", type=Path, default=None, metavar="FILE", help="serve the answers of a capture file instead")
    emulator.set_defaults(handler=_cmd_emulator)

    capture = commands.add_parser(
        "capture", help="record what Toggl answers to a backfill's requests, secrets removed and names faked, for a bug report"
    )
    source = capture.add_mutually_exclusive_group(required=True)
    source.add_argument("--report", default=None, help="a shared report's name from TOGGL_SHARED_REPORTS")
    source.add_argument("--workspace", type=int, default=None, help="a workspace id: capture its profitability export")
    capture.add_argument("--start", required=True, type=date.fromisoformat, help="first date, YYYY-MM-DD")
    capture.add_argument("--end", required=True, type=date.fromisoformat, help="last date (inclusive), YYYY-MM-DD")
    capture.add_argument("--pages", type=int, default=None, help="at most this many pages, or export files (default 3); retries are recorded too")
    capture.add_argument("--format", choices=("csv", "xlsx"), default=None, help="the export's format (default TOGGL_PROFITABILITY_FORMAT)")
    capture.add_argument("--out", type=Path, default=None, help="the file to write (default toggl-capture-<report>-<start>-<end>.json)")
    capture.set_defaults(handler=_cmd_capture)

    db = commands.add_parser("db", help="start (or find) the warehouse Postgres and print a URL for psql and BI tools")
    db.add_argument("--stop", action="store_true", help="stop the embedded server that `db` started")
    db.set_defaults(handler=_cmd_db)

    doctor = commands.add_parser("doctor", help="check credentials, reports, workspaces, quota, database and migrations")
    doctor.set_defaults(handler=_cmd_doctor)
    return parser


# ---- commands -----------------------------------------------------------------------------------


def _cmd_migrate(args: argparse.Namespace) -> int:
    from toggl_warehouse.warehouse.roles import BI_STATEMENT_TIMEOUT, bi_password, create_login_role, create_readonly_role

    if args.bi_login and not args.bi_role:
        raise ValueError("--bi-login needs --bi-role: the read-only role the login becomes a member of")
    password = bi_password(os.environ) if args.bi_login else None  # checked before anything is created
    from toggl_warehouse.resources import warehouse_engine
    from toggl_warehouse.warehouse.migrations import apply_migrations

    settings = Settings.from_env()
    engine, described = warehouse_engine(settings.database_url)
    applied = apply_migrations(engine)
    print(f"warehouse: {described}; " + (f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "migrations are up to date"))
    if args.bi_role:
        create_readonly_role(engine, args.bi_role)
        print(f"read-only role {args.bi_role!r} can read schema reporting (grant it to a login user)")
    if args.bi_login:
        create_login_role(engine, args.bi_role, args.bi_login, password)
        print(f"login {args.bi_login!r} (member of {args.bi_role!r}, read-only, statement_timeout {BI_STATEMENT_TIMEOUT}) "
              "has the password in TOGGL_BI_PASSWORD")
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from toggl_warehouse.extract.retention import prune
    from toggl_warehouse.resources import migrated_engine

    settings = Settings.from_env()
    keep_days = settings.raw_keep_days if args.keep_days is None else args.keep_days
    plan = prune(migrated_engine(settings.database_url), keep_days, datetime.now(UTC), dry_run=args.dry_run)
    print(plan.line(args.dry_run))
    return 0


def _cmd_backfill(args: argparse.Namespace) -> int:
    from toggl_warehouse.backfill import record_row_changes, run_backfill

    settings = Settings.from_env()
    report = run_backfill(
        settings,
        args.start,
        args.end,
        selection=[s.strip() for s in args.select.split(",")] if args.select else None,
        chunk_days=args.chunk_days,
        refresh=args.refresh,
        instance_home=_dagster_home(),
        progress=sys.stderr.isatty(),  # no bar glued to the log lines in a file or CI log
    )
    record_row_changes(report, _dagster_home())
    return _print_report(report, args.verbose)


def _cmd_replay(args: argparse.Namespace) -> int:
    from toggl_warehouse.backfill import record_row_changes, run_replay

    settings = Settings.from_env()
    report = run_replay(
        settings,
        args.start,
        args.end,
        selection=[s.strip() for s in args.select.split(",")] if args.select else None,
        instance_home=_dagster_home(),
    )
    record_row_changes(report, _dagster_home())
    return _print_report(report, args.verbose)


def _print_report(report, verbose: bool) -> int:
    """The summary of a backfill or replay; with `verbose`, the full error of each failed run first."""
    if verbose:
        for chunk in report.chunks:
            if chunk.stack:
                print(chunk.stack, file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_emulator(args: argparse.Namespace) -> int:
    if args.replay is not None:
        return _serve_replay(args)
    from toggl_warehouse.demo import emulator_environment
    from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator

    emulator = TogglEmulator(EmulatorConfig(seed=args.seed, port=args.port, users=args.users, dialect=args.dialect))
    base_url = emulator.start()
    print(f"Toggl API emulator on {base_url} (Ctrl-C to stop). Point toggl-warehouse at it with:\n")
    for name, value in emulator_environment(emulator).items():
        print(f"  export {name}='{value}'")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()
    return 0


def _serve_replay(args: argparse.Namespace) -> int:
    from toggl_warehouse.capture.recording import CaptureError
    from toggl_warehouse.toggl.emulator.replay import ReplayBook, ReplayServer

    try:
        book = ReplayBook.from_file(args.replay)
    except CaptureError as exc:
        print(f"toggl-warehouse: {exc}", file=sys.stderr)
        return 2
    server = ReplayServer(book, args.port)
    base_url = server.start()
    print(f"replaying {args.replay} ({len(book.exchanges)} recorded answers) on {base_url} (Ctrl-C to stop). "
          "Point toggl-warehouse at it with:\n", flush=True)
    for name, value in book.environment(base_url).items():
        print(f"  export {name}='{value}'", flush=True)
    print("\n(any credentials and report token pass; a request the capture does not hold gets a 404 naming it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


def _cmd_capture(args: argparse.Namespace) -> int:
    from toggl_warehouse.capture.command import CaptureRequest, run_capture

    result = run_capture(Settings.from_env(), CaptureRequest(
        start=args.start, end=args.end, report=args.report, workspace_id=args.workspace, file_format=args.format,
        out=args.out, **({"pages": args.pages} if args.pages is not None else {}),
    ))
    for line in result.lines():
        print(line, file=sys.stderr if line.startswith("capture stopped") else sys.stdout)
    return 1 if result.stopped else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from toggl_warehouse.demo import DemoError, remove_demo, run_demo

    try:
        if args.remove:
            for line in remove_demo(Path.cwd(), os.environ):
                print(line)
            return 0
        return run_demo(days=args.days, root=Path.cwd(), prepare_home=_prepared_home)
    except DemoError as exc:
        print(f"toggl-warehouse: {exc}", file=sys.stderr)
        return 1


def _cmd_dev(args: argparse.Namespace) -> int:
    """`dagster dev` on the real set-up; without one, on the demo (its database, home, and its emulator served)."""
    from toggl_warehouse.demo import DemoError, dev_plan, serve_demo_emulator

    try:
        plan = dev_plan(Path.cwd(), os.environ)
        if plan.note:
            print(plan.note, file=sys.stderr)
        _prepared_home(plan.dagster_home)
        # Started in DAGSTER_HOME (where its dagster.yaml is) with the project's workspace.yaml: Dagster then
        # does not warn that ./dagster.yaml "will not be used"; the code server still runs in the project root.
        workspace = Path.cwd() / "workspace.yaml"
        if not workspace.is_file():
            print(f"toggl-warehouse: no workspace.yaml in {Path.cwd()}; run `toggl-warehouse dev` (or `./run dev`) "
                  "from the project directory", file=sys.stderr)
            return 2
        command = [sys.executable, "-m", "dagster", "dev", "-w", str(workspace), *args.dagster_args]
        os.chdir(plan.dagster_home)
        # Started in the background by a script or `nohup` (`./run dev &`), this process inherits SIGINT ignored;
        # dagster dev then maps SIGTERM to "ignore" as well and only SIGKILL stopped it, leaving its webserver,
        # daemon and code servers behind. With the interrupt handler back, `kill <pid>` shuts it all down.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if plan.emulator_port is None:
            os.execve(sys.executable, command, plan.environment)
        with serve_demo_emulator(plan.emulator_port):
            return _wait_for(subprocess.Popen(command, env=plan.environment))
    except DemoError as exc:
        print(f"toggl-warehouse: {exc}", file=sys.stderr)
        return 1


def _wait_for(process: subprocess.Popen, grace_seconds: float = 15) -> int:
    """The exit code of `process`. Ctrl-C on a terminal reaches it too: give it time to stop its own children,
    and ask it to stop (SIGTERM) when it is still running then, or when only this process was signalled."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill <pid>` stops dagster dev too
    try:
        return process.wait()
    except KeyboardInterrupt:
        try:
            return process.wait(timeout=grace_seconds)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            process.terminate()
            return process.wait()


def _cmd_db(args: argparse.Namespace) -> int:
    """Print the warehouse URL alone on stdout (so `psql "$(toggl-warehouse db)"` works); notes go to stderr."""
    from toggl_warehouse.warehouse import database

    try:
        if args.stop:
            stopped = database.stop_detached_server()
            where = database.default_data_dir()
            print(f"stopped the embedded Postgres of {where}" if stopped else f"no embedded Postgres is running in {where}", file=sys.stderr)
            return 0
        resolved = database.database_for_tools(Settings.from_env().database_url)
    except database.ServerError as exc:
        print(f"toggl-warehouse: {exc}", file=sys.stderr)
        return 1
    notes = {
        "DATABASE_URL": "the warehouse named by DATABASE_URL (its password is not printed)",
        "local": f"the Postgres on {database.LOCAL_HOST}:{database.LOCAL_PORT}",
        "db": f"the embedded Postgres (data in {database.default_data_dir()}); it keeps running: "
              "stop it with `toggl-warehouse db --stop`",
    }
    print(database.redact_url(resolved.url) if resolved.origin == "DATABASE_URL" else resolved.url)
    print(f"warehouse: {notes[resolved.origin]}; every toggl-warehouse command and `./run dev` use it", file=sys.stderr)
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from toggl_warehouse.doctor import run_doctor

    findings = run_doctor(Settings.from_env())
    for finding in findings:
        print(finding.line())
    failed = sum(finding.status == "FAIL" for finding in findings)
    print(f"{failed} problem(s) found" if failed else "all checks passed")
    return 1 if failed else 0


# ---- helpers ------------------------------------------------------------------------------------


def _quiet_dagster_warnings() -> None:
    """Dagster flags single-run backfill policies and pools as beta; that is known and not the user's concern."""
    import warnings

    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning):
        warnings.filterwarnings("ignore", category=category)


def _dagster_home() -> Path:
    """DAGSTER_HOME when set; else ./.dagster_home with the project's dagster.yaml copied in. A home left without
    a dagster.yaml gets a minimal one (`instance_config`), said in one line."""
    from toggl_warehouse.instance_config import ensure_instance_config

    home = Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else _prepared_home(Path.cwd() / ".dagster_home")
    note = ensure_instance_config(home)
    if note:
        print(note, file=sys.stderr)
    return home


def _prepared_home(home: Path) -> Path:
    """`home` created, with the project's dagster.yaml copied in (atomically, and only when it changed: two
    commands started at once must never read a half-written file)."""
    home.mkdir(parents=True, exist_ok=True)
    project_config = Path.cwd() / "dagster.yaml"
    target = home / "dagster.yaml"
    if project_config.is_file() and (not target.is_file() or target.read_bytes() != project_config.read_bytes()):
        staging = home / f".dagster.yaml.{os.getpid()}"
        shutil.copyfile(project_config, staging)
        os.replace(staging, target)
    return home


if __name__ == "__main__":
    sys.exit(main())
