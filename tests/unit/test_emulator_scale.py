"""The emulator at other sizes: ``EmulatorConfig.users`` / ``emulator --users``.

Covers: the default stays the six-person demo team; entries and dimensions grow with the users;
generation is deterministic by seed and independent of the order days are first used; paging over a
larger workspace returns every row exactly once and the rows add up to the totals; cached answers
follow edits of the data.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import requests

from toggl_warehouse.cli import _parser
from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator

START, END = date(2026, 1, 5), date(2026, 3, 29)  # 12 weeks, ending on the eve of the DST change


def make(users: int, seed: int = 7, **kw) -> TogglEmulator:
    return TogglEmulator(EmulatorConfig(seed=seed, users=users, start=START, end=END, **kw))


def fetch_all(emu: TogglEmulator, key: str, body: dict) -> tuple[list[dict], list[dict]]:
    """Every row of a detailed report, following X-Next-Row-Number; (rows, totals of each page).
    Checks that X-Next-ID names the first entry of the page that follows."""
    url = f"{emu.base_url}/reports/api/v3/shared/{emu.reports[key].token}"
    rows, totals, next_ids, body = [], [], [], dict(body)
    with requests.Session() as session:
        while True:
            response = session.post(url, json=body, auth=(emu.api_token, "api_token"), timeout=30)
            assert response.status_code == 200, response.text
            page = response.json()["detailed_results"]
            if next_ids:
                assert page["report"][0]["time_entries"][0]["id"] == next_ids[-1]
            rows += page["report"]
            totals.append(page["totals"])
            if "X-Next-Row-Number" not in response.headers:
                return rows, totals
            next_ids.append(int(response.headers["X-Next-ID"]))
            body["first_row_number"] = int(response.headers["X-Next-Row-Number"])


def test_default_is_the_demo_team():
    ws = make(6).workspace
    assert EmulatorConfig().users == 6
    assert len(ws.users) == 6 and len(ws.projects) == 9 and len(ws.clients) == 5 and len(ws.tags) == 7
    assert ws.users[0].name == "Zoë Müller" and len(ws.user_groups) == 2


def test_entries_and_dimensions_grow_with_the_users():
    small, large = make(6).workspace, make(60).workspace
    ratio = len(large.entries()) / len(small.entries())
    assert 7 < ratio < 13  # about ten times the people, about ten times the entries
    assert len(large.users) == 60 and len({u.email for u in large.users}) == 60
    assert len({u.api_token for u in large.users}) == 60
    assert len(large.projects) > len(small.projects) and len(large.clients) > len(small.clients)
    assert {p.currency for p in large.projects} == {"USD", "EUR"}
    assert sorted(u for g in large.user_groups for u in g.user_ids) == sorted(u.id for u in large.users)
    assert {e.user_id for e in large.entries()} == {u.id for u in large.users}


def test_a_larger_workspace_keeps_the_realism():
    emu = make(40)
    entries = emu.workspace.entries()
    assert len({e.id for e in entries}) == len(entries)
    assert {e.date for e in entries} == {START + timedelta(days=i) for i in range((END - START).days + 1)}
    assert [e for e in entries if e.stop is None] == [entries[-1]]
    assert max(e.id for e in entries) == entries[-1].id  # the running timer was created last
    assert any(e.project_id is None for e in entries) and any(e.task_id is not None for e in entries)
    assert any(e.seconds == 0 for e in entries) and any(e.billable for e in entries)
    assert any(not e.billable for e in entries) and any(e.tag_ids for e in entries)
    assert any(e.stop and e.stop.date() != e.date for e in entries)  # midnight-crossing
    assert any(e.stop and e.start.utcoffset() != e.stop.utcoffset() for e in entries)  # DST eve
    days = sorted({e.date for e in entries})
    for earlier, later in zip(days, days[1:]):  # a day's ids come before the next day's
        assert max(e.id for e in entries if e.date == earlier and e.stop) < min(
            e.id for e in entries if e.date == later)


def test_same_seed_same_data_whatever_order_days_are_used_in():
    a, b, c = make(30), make(30), make(30, seed=8)
    middle = START + timedelta(days=40)
    assert b.workspace.entries_between(middle, middle)  # b generates a day from the middle first
    assert a.workspace.entries() == b.workspace.entries()
    assert [u.api_token for u in a.workspace.users] == [u.api_token for u in b.workspace.users]
    assert a.workspace.entries() != c.workspace.entries()


@pytest.mark.parametrize("key", ["team_detailed", "grouped_detailed"])
def test_paging_a_larger_workspace_returns_every_row_once_and_adds_up(key):
    with make(40, quota_per_hour=10_000) as emu:
        body = {"start_date": START.isoformat(), "end_date": END.isoformat(), "page_size": 250}
        rows, totals = fetch_all(emu, key, body)
        ws = emu.workspace
        assert rows == emu.report_rows(key, START, END)
        assert [r["row_number"] for r in rows] == list(range(1, len(rows) + 1))
        ids = [e["id"] for r in rows for e in r["time_entries"]]
        assert len(ids) == len(set(ids)) and set(ids) == {e.id for e in ws.entries_between(START, END)}
        assert all(t == totals[0] for t in totals)
        total = totals[0]
        assert total == emu.report_totals(key, START, END)
        assert total["seconds"] == sum(e["seconds"] for r in rows for e in r["time_entries"])
        assert total["billable_amount_in_cents"] == sum(r["billable_amount_in_cents"] for r in rows)
        assert total["labour_cost_in_cents"] == sum(ws.labour_cost_of(ws.entry(i)) for i in ids)
        for measure in ("seconds", "billable_amount_in_cents", "labour_cost_in_cents"):
            assert sum(b[measure] for b in total["graph"]) == total[measure]


def test_cached_answers_follow_edits():
    with make(12) as emu:
        ws = emu.workspace
        body = {"start_date": "2026-02-02", "end_date": "2026-02-08", "page_size": 1000}
        before, _ = fetch_all(emu, "team_detailed", body)
        first = ws.entry(before[0]["time_entries"][0]["id"])
        ws.update_entry(first.id, description="edited after caching")
        ws.delete_entry(before[1]["time_entries"][0]["id"])
        twin = replace(ws.entry(before[2]["time_entries"][0]["id"]), id=first.id + 10**9)
        ws._entries[twin.id] = twin  # written straight into the table, as an integration test does
        after, totals = fetch_all(emu, "team_detailed", body)
        assert after[0]["description"] == "edited after caching"
        assert len(after) == len(before) and twin.id in {e["id"] for r in after for e in r["time_entries"]}
        assert totals[0]["seconds"] == sum(e["seconds"] for r in after for e in r["time_entries"])


def test_cli_takes_users():
    assert _parser().parse_args(["emulator", "--users", "300"]).users == 300
    assert _parser().parse_args(["emulator"]).users == 6


def test_at_least_one_user():
    with pytest.raises(ValueError):
        make(0)
