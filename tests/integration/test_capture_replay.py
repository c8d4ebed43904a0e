"""The capture kit through the CLI and real HTTP: `capture` from the emulator, `emulator --replay` of the file,
and a backfill against the replay landing the same tables as against the live emulator.

Covers: a multi-page capture holds one exchange per request a backfill makes, and no API token, password,
report token, real name, email or description (the file is searched for every one of them); a backfill
against the replayed capture (served by the `emulator --replay` command in a subprocess) lands every
toggl table with the same rows, ids, dates, seconds and cents as against the live emulator, the names
replaced one-to-one by fakes; each stored capture under tests/fixtures/captures (detailed, summary,
weekly, profitability CSV and XLSX) replays to the tables of the emulator it was captured from; a request
the capture does not hold fails the backfill with one line naming it; a retried answer (an nginx HTML 429,
then the page) is recorded and replayed in order; a refused capture still writes the refusal; an unreadable
capture file is one line.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from toggl_warehouse.cli import main
from toggl_warehouse.dates import yesterday
from toggl_warehouse.toggl.emulator import Fault, TogglEmulator
from toggl_warehouse.toggl.emulator.generation import DESCRIPTIONS
from toggl_warehouse.toggl.emulator.replay import ReplayBook, ReplayServer
from tests.fixtures.captures import CAPTURES, PAGE_SIZE, StoredCapture, fixture_emulator_config

pytestmark = [pytest.mark.integration, pytest.mark.both_dialects]

ROOT = Path(__file__).resolve().parents[2]
EMPTY_KEY = "md5:" + hashlib.md5(b"").hexdigest()
"""The summary's key of a sub-group without id whose title is empty (an empty description stays empty)."""
VOLATILE_COLUMNS = {"loaded_at", "change_id", "changed_at", "fetch_id"}
"""Columns that say when or by which fetch a row was loaded: never the same in two loads."""


def personal(column: str) -> bool:
    """The columns a capture pseudonymises (names, emails, descriptions, titles), and `sub_group_key`, the md5
    of a summary sub-group's title when it has no id."""
    return (column in {"username", "email", "name", "title", "names", "tag_names", "sub_group_key"}
            or "_name" in column or "_title" in column or column.startswith(("description", "title")))


def warehouse_rows(engine: sa.Engine) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every toggl table: its compared columns and its rows (volatile columns left out)."""
    tables = {}
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'toggl' ORDER BY 1")).scalars().all()
        for table in names:
            result = conn.execute(sa.text(f"SELECT * FROM toggl.{table}"))
            columns = [c for c in result.keys() if c not in VOLATILE_COLUMNS]
            rows = [tuple(row._mapping[c] for c in columns) for row in result]
            tables[table] = (columns, rows)
    return tables


def assert_same_tables_but_names(live: dict, replayed: dict) -> int:
    """Every table has the same rows; the personal columns are equal up to one fixed one-to-one renaming per
    column, and no live name survives. Returns how many rows were compared."""
    assert live.keys() == replayed.keys()
    compared = 0
    for table, (columns, live_rows) in live.items():
        replay_columns, replay_rows = replayed[table]
        assert replay_columns == columns
        assert len(replay_rows) == len(live_rows), table
        kept = [i for i, c in enumerate(columns) if not personal(c)]

        def key(row):
            return tuple(repr(_without_names(row[i])) for i in kept)

        live_sorted, replay_sorted = sorted(live_rows, key=key), sorted(replay_rows, key=key)
        assert [key(r) for r in replay_sorted] == [key(r) for r in live_sorted], f"{table}: ids, dates, seconds or cents differ"
        for index, column in enumerate(columns):
            if index in kept:
                continue
            forward, backward = {}, {}
            for live_row, replay_row in zip(live_sorted, replay_sorted):
                real, fake = _hashable(live_row[index]), _hashable(replay_row[index])
                assert forward.setdefault(real, fake) == fake, f"{table}.{column}: {real!r} got two fakes"
                assert backward.setdefault(fake, real) == real, f"{table}.{column}: two names got the fake {fake!r}"
                if real not in (None, "", (), EMPTY_KEY) and real == fake:
                    pytest.fail(f"{table}.{column}: the real value {real!r} was not pseudonymised")
        compared += len(live_rows)
    return compared


def _without_names(value):
    """A JSON value (jsonb columns keep Toggl's objects) with the strings under name-like keys left out."""
    if isinstance(value, dict):
        return {k: "<name>" if isinstance(v, str) and any(w in k for w in ("name", "email", "description", "title"))
                else _without_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_names(item) for item in value]
    return value


def assert_no_real_name_landed(engine: sa.Engine, emulator: TogglEmulator) -> None:
    """No real name, email or description in any toggl table (what a replayed capture landed)."""
    text = repr(warehouse_rows(engine))
    assert sorted(name for name in real_texts(emulator) if name in text or repr(name)[1:-1] in text) == []


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def real_texts(emulator: TogglEmulator) -> set[str]:
    """Every real name, email and description of the emulator's organization."""
    ws = emulator.workspace
    texts = {u.name for u in emulator.organization.users} | {u.email for u in emulator.organization.users}
    texts |= {item.name for items in (ws.user_groups, ws.clients, ws.projects, ws.tasks, ws.tags) for item in items}
    texts |= set(DESCRIPTIONS) | {ws.name, emulator.organization.name}
    return {text for text in texts if text}


def capture_text(path: Path) -> str:
    """The capture file as text, with the cells of any XLSX body appended (base64 hides them)."""
    text = path.read_text(encoding="utf-8")
    for exchange in json.loads(text)["exchanges"]:
        if "body_base64" in exchange:
            book = load_workbook(io.BytesIO(base64.b64decode(exchange["body_base64"])))
            text = text.replace(exchange["body_base64"], "")
            text += "\n".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)
    return text


def assert_nothing_real(path: Path, emulator: TogglEmulator) -> None:
    text = capture_text(path)
    for secret in (emulator.api_token, emulator.member_api_token, emulator.password,
                   *(report.token for report in emulator.reports.values())):
        assert secret not in text
    leaked = sorted(name for name in real_texts(emulator) if name in text)
    assert leaked == []


class ReplayCommand:
    """`toggl-warehouse emulator --replay FILE --port 0` in a subprocess; `environment` is what it printed."""

    def __init__(self, path: Path, cwd: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "toggl_warehouse.cli", "emulator", "--replay", str(path), "--port", "0"],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")},
        )
        self.lines, self.environment = [], {}
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                self.environment[name] = value.strip("'")
            if line.startswith("(any credentials"):
                break
        assert self.environment, "\n".join(self.lines) + self.process.stderr.read()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def point_at(monkeypatch, environment: dict[str, str], home: Path) -> None:
    """Run the next command with `environment` (the replay's, replacing the sources configured before, when
    given) and its own Dagster home."""
    for name in ("TOGGL_SHARED_REPORTS", "TOGGL_WORKSPACE_IDS", "TOGGL_API_TOKEN", "TOGGL_PAGE_SIZE", "TOGGL_EMAIL",
                 "TOGGL_PASSWORD"):
        if environment:
            monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "dagster.yaml", home / "dagster.yaml")


def empty_warehouse(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname IN ('toggl', 'toggl_raw')")).scalars().all()
        schemas = dict(conn.execute(sa.text("SELECT tablename, schemaname FROM pg_tables WHERE schemaname IN ('toggl', 'toggl_raw')")).all())
        conn.execute(sa.text("TRUNCATE " + ", ".join(f"{schemas[t]}.{t}" for t in tables) + " RESTART IDENTITY"))


def test_capture_round_trip_lands_the_same_tables_to_the_cent(emulator, pipeline_env, clean_warehouse, tmp_path,
                                                               monkeypatch, capsys):
    settings = pipeline_env(emulator, reports=("team_detailed",), TOGGL_PAGE_SIZE=PAGE_SIZE)
    monkeypatch.delenv("TOGGL_API_TOKEN")  # the capture logs in with email and password: neither may be written
    monkeypatch.setenv("TOGGL_EMAIL", emulator.email)
    monkeypatch.setenv("TOGGL_PASSWORD", emulator.password)
    end = yesterday(settings.timezone)
    start = end - timedelta(days=13)
    expected_rows = len(emulator.report_rows("team_detailed", start, end))
    pages = -(-expected_rows // PAGE_SIZE)
    assert pages >= 3
    out = tmp_path / "capture.json"
    before = len(emulator.request_log)

    code = main(["capture", "--report", "team_detailed", "--start", str(start), "--end", str(end),
                 "--pages", str(pages + 5), "--out", str(out)])

    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert printed.out.splitlines()[0] == (f"wrote {out}: {pages} request(s) and response(s), secrets removed, "
                                           "names pseudonymised")
    assert len(emulator.request_log) - before == pages
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [e["status"] for e in document["exchanges"]] == [200] * pages
    assert {e["path"] for e in document["exchanges"]} == {"/reports/api/v3/shared/<report:team_detailed>"}
    assert sum(len(e["body"]["detailed_results"]["report"]) for e in document["exchanges"]) == expected_rows
    assert_nothing_real(out, emulator)

    assert emulator.email not in out.read_text(encoding="utf-8")
    point_at(monkeypatch, {}, tmp_path / "live_home")
    assert main(["backfill", "--start", str(start), "--end", str(end)]) == 0, capsys.readouterr().out
    live = warehouse_rows(clean_warehouse)
    assert len(live["report_time_entries"][1]) == sum(
        len(row["time_entries"]) for row in emulator.report_rows("team_detailed", start, end))
    empty_warehouse(clean_warehouse)
    live_requests = len(emulator.request_log)

    replay = ReplayCommand(out, tmp_path)
    try:
        point_at(monkeypatch, replay.environment, tmp_path / "replay_home")
        assert replay.environment["TOGGL_PAGE_SIZE"] == str(PAGE_SIZE)
        assert main(["backfill", "--start", str(start), "--end", str(end)]) == 0, capsys.readouterr().out
    finally:
        replay.stop()

    assert len(emulator.request_log) == live_requests  # the replay, not the emulator, answered
    assert f"{pages} API request(s)" in capsys.readouterr().out
    assert assert_same_tables_but_names(live, warehouse_rows(clean_warehouse)) > expected_rows
    assert_no_real_name_landed(clean_warehouse, emulator)


@pytest.fixture(scope="module")
def fixture_emulator():
    with TogglEmulator(fixture_emulator_config()) as emulator:
        yield emulator


@pytest.mark.parametrize("stored", CAPTURES, ids=[capture.name for capture in CAPTURES])
def test_a_stored_capture_replays_to_the_tables_of_its_emulator(stored: StoredCapture, fixture_emulator, pipeline_env,
                                                                 clean_warehouse, tmp_path, monkeypatch, capsys):
    emulator = fixture_emulator
    assert_nothing_real(stored.path, emulator)
    book = ReplayBook.from_file(stored.path)
    with ReplayServer(book) as server:
        environment = book.environment(server.base_url)
        pipeline_env(emulator, reports=(stored.report,) if stored.report else (), **{
            k: v for k, v in environment.items() if k not in ("TOGGL_API_URL", "TOGGL_API_TOKEN", "TOGGL_SHARED_REPORTS")})
        if not stored.report:
            monkeypatch.delenv("TOGGL_SHARED_REPORTS")
        point_at(monkeypatch, {}, tmp_path / "live_home")
        assert main(["backfill", "--start", str(stored.start), "--end", str(stored.end)]) == 0, capsys.readouterr().out
        live = warehouse_rows(clean_warehouse)
        empty_warehouse(clean_warehouse)

        point_at(monkeypatch, environment, tmp_path / "replay_home")
        code = main(["backfill", "--start", str(stored.start), "--end", str(stored.end)])
        assert code == 0, capsys.readouterr().out

    assert len(book.request_log) == len(book.exchanges)
    table = "report_time_entries" if stored.report == "team_detailed" else (
        "report_summary" if stored.report == "team_summary" else
        "report_weekly" if stored.report == "team_weekly" else "profitability_projects")
    assert len(live[table][1]) > 0
    assert assert_same_tables_but_names(live, warehouse_rows(clean_warehouse)) >= len(live[table][1])
    assert_no_real_name_landed(clean_warehouse, emulator)


def test_a_request_the_capture_does_not_hold_fails_with_one_line_naming_it(pipeline_env, fixture_emulator,
                                                                           clean_warehouse, tmp_path, monkeypatch, capsys):
    stored = CAPTURES[0]
    book = ReplayBook.from_file(stored.path)
    with ReplayServer(book) as server:
        pipeline_env(fixture_emulator, reports=())
        point_at(monkeypatch, book.environment(server.base_url) | {"TOGGL_MAX_ATTEMPTS": "1"}, tmp_path / "home")
        later = stored.end + timedelta(days=1)
        code = main(["backfill", "--start", str(later), "--end", str(later)])

    output = capsys.readouterr().out
    assert code == 1
    assert (f"shared report 'team_detailed': Toggl answered 404 Not Found: replay of team_detailed.json: the capture "
            f"holds no answer to POST /reports/api/v3/shared/<report> with start_date={later}, end_date={later}, "
            f"page_size={PAGE_SIZE}") in output
    assert len(book.request_log) == 1
    with clean_warehouse.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM toggl.report_time_entries")).scalar() == 0


def test_a_retried_answer_is_recorded_and_replayed_in_order(emulator, pipeline_env, clean_warehouse, tmp_path,
                                                           monkeypatch, capsys):
    settings = pipeline_env(emulator, reports=("team_detailed",))
    day = yesterday(settings.timezone)
    nginx = "<html><head><title>429 Too Many Requests</title></head><body>nginx</body></html>"
    emulator.faults.add(Fault(status=429, body=nginx, content_type="text/html", retry_after=0))
    out = tmp_path / "retried.json"

    assert main(["capture", "--report", "team_detailed", "--start", str(day), "--end", str(day), "--out", str(out)]) == 0

    exchanges = json.loads(out.read_text(encoding="utf-8"))["exchanges"]
    assert [(e["status"], e.get("body_text")) for e in exchanges] == [(429, nginx), (200, None)]
    book = ReplayBook.from_file(out)
    with ReplayServer(book) as server:
        point_at(monkeypatch, book.environment(server.base_url), tmp_path / "home")
        code = main(["backfill", "--start", str(day), "--end", str(day)])

    assert code == 0, capsys.readouterr().out
    assert len(book.request_log) == 2  # the 429 first, then the page, as Toggl answered them
    with clean_warehouse.connect() as conn:
        landed = conn.execute(sa.text("SELECT count(*), sum(seconds) FROM toggl.report_time_entries")).one()
    entries = [entry for row in emulator.report_rows("team_detailed", day, day) for entry in row["time_entries"]]
    assert entries
    assert tuple(landed) == (len(entries), sum(entry["seconds"] for entry in entries))


def test_a_refused_capture_still_writes_the_refusal(emulator, pipeline_env, tmp_path, monkeypatch, capsys):
    pipeline_env(emulator, reports=("team_detailed",))
    monkeypatch.setenv("TOGGL_API_TOKEN", emulator.member_api_token)  # a member may not read a private report
    out = tmp_path / "refused.json"
    day = str(emulator.today - timedelta(days=1))

    code = main(["capture", "--report", "team_detailed", "--start", day, "--end", day, "--out", str(out)])

    printed = capsys.readouterr()
    assert code == 1
    assert printed.out.splitlines()[0] == f"wrote {out}: 1 request(s) and response(s), secrets removed, names pseudonymised"
    assert printed.err.splitlines() == [
        "capture stopped: shared report 'team_detailed': Toggl denied access (403): Invalid token. Check TOGGL_API_TOKEN "
        "(or TOGGL_EMAIL/TOGGL_PASSWORD) and that this user may read it (a private report is readable by its owner and "
        "workspace admins). (that answer is in the file)"]
    exchange = json.loads(out.read_text(encoding="utf-8"))["exchanges"][0]
    assert (exchange["status"], exchange["body"]) == (403, "Invalid token")
    assert_nothing_real(out, emulator)


def test_an_unreadable_capture_file_is_one_line(tmp_path, capsys):
    (tmp_path / "notes.json").write_text('{"hello": 1}', encoding="utf-8")

    assert main(["emulator", "--replay", str(tmp_path / "missing.json")]) == 2
    assert main(["emulator", "--replay", str(tmp_path / "notes.json")]) == 2

    assert capsys.readouterr().err.splitlines() == [
        f"toggl-warehouse: capture file {tmp_path / 'missing.json'} does not exist; give the file `toggl-warehouse capture` wrote",
        f"toggl-warehouse: capture file {tmp_path / 'notes.json'} is not a toggl-warehouse capture (no \"format\": "
        "\"toggl-warehouse capture 1\" with exchanges); give the file `toggl-warehouse capture` wrote",
    ]
