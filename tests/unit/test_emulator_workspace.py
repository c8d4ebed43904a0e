"""The emulator's generated workspace: determinism, realism, canonical money and mutations."""

from __future__ import annotations

from datetime import date, timedelta

from toggl_warehouse.toggl.emulator import EmulatorConfig, TogglEmulator

START, END = date(2026, 2, 15), date(2026, 4, 15)


def make(seed=7):
    return TogglEmulator(EmulatorConfig(seed=seed, start=START, end=END))


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = make(), make(), make(seed=8)
    assert a.workspace.entries() == b.workspace.entries()
    assert {k: r.token for k, r in a.reports.items()} == {k: r.token for k, r in b.reports.items()}
    assert a.api_token == b.api_token and a.workspace_ids == b.workspace_ids
    assert a.workspace.entries() != c.workspace.entries()


def test_generated_data_is_realistic():
    emu = make()
    ws = emu.workspace
    entries = ws.entries()
    assert len(ws.users) >= 6 and len(ws.clients) >= 4 and len(ws.projects) >= 8 and len(ws.tags) >= 6
    assert any("," in c.name and '"' in c.name for c in ws.clients)
    assert any("," in p.name for p in ws.projects) and any("\n" in p.name for p in ws.projects)
    assert any(p.client_id is None for p in ws.projects)
    assert {p.currency for p in ws.projects} >= {"USD", "EUR"}
    assert any(p.hourly_rate_in_cents % 100 for p in ws.projects)
    assert {e.date for e in entries} == {START + timedelta(days=i) for i in range((END - START).days + 1)}
    assert [e for e in entries if e.stop is None] == [max(entries, key=lambda e: e.start)]
    running = ws.running_entry()
    assert running.seconds == int((emu.config.now - running.start).total_seconds())
    assert any(e.project_id is None for e in entries) and any(e.task_id is None for e in entries)
    assert any(e.seconds == 0 for e in entries) and any(e.seconds % 60 for e in entries)
    assert any("\n" in e.description for e in entries) and any('"' in e.description for e in entries)
    assert len({e.id for e in entries}) == len(entries)
    per_user_day = {}
    for e in entries:
        per_user_day[(e.user_id, e.date)] = per_user_day.get((e.user_id, e.date), 0) + 1
    assert max(per_user_day.values()) <= 6  # 0-5, plus the DST-eve entry of the owner


def test_dst_shows_in_offsets():
    ws = make().workspace
    spanning = [e for e in ws.entries() if e.stop and e.start.utcoffset() != e.stop.utcoffset()]
    assert spanning and spanning[0].start_str.endswith("+01:00") and spanning[0].stop_str.endswith("+02:00")


def test_mutations_bump_at():
    ws = make().workspace
    entry = ws.entries_between(date(2026, 3, 3), date(2026, 3, 3))[0]
    updated = ws.update_entry(entry.id, seconds=entry.seconds + 61, billable=True)
    assert updated.at > entry.at and updated.stop > entry.stop
    assert ws.amount_of(updated) == (2 * updated.seconds * ws.rate_of(updated)[0] + 3600) // 7200
    ws.delete_entry(entry.id)
    assert entry.id not in {e.id for e in ws.entries()}
