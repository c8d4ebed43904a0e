"""Detailed-report rows encoded straight to JSON text: the one definition of a detailed row's fields.

A row is assembled from fragments encoded once per user, project, task, description and tag set, and
from its entries' own texts, encoded once per entry; a page is then little more than a join (encoding
row dicts with ``json.dumps`` for every page cost more than the client spends parsing them). Field
order and spacing are what ``json.dumps(row, ensure_ascii=False)`` writes. The ``swagger`` dialect's rows
carry ids only (``user_id``, ``username``, ``project_id``, ``task_id``, ``tag_ids``: no project, client,
task or tag names, no email) and a null amount where no rate applies; ``at_tz`` is in the user's zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable

from .workspace import UTC, TimeEntry, Workspace

BOOLEANS = {True: "true", False: "false"}


def to_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _members(value: dict) -> str:
    """The inside of a JSON object: ``"a": 1, "b": 2``."""
    return to_json(value)[1:-1]


class RowEncoder:
    """Detailed rows of one workspace as JSON object texts (its dimensions must not change meanwhile).

    Each entry is encoded once and kept (about 0.7 kB an entry), so a page served again, or a row served
    by another query, is a join of stored texts. An edited entry is a new object and is encoded afresh.
    """

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.enriched = ws.dialect.enriched_rows
        self._fragments: dict[tuple[str, Hashable], str] = {}
        self._entries: dict[int, tuple[TimeEntry, str, int, str, str]] = {}

    def rows(self, groups: list[list[TimeEntry]], first_number: int) -> list[str]:
        """Consecutive rows (each a group of entries), the first one numbered ``first_number``."""
        return [self.row(group, number) for number, group in enumerate(groups, start=first_number)]

    def row(self, group: list[TimeEntry], number: int) -> str:
        encoded = [self._entry(e) for e in group]
        _, head, first_amount, tail, _ = encoded[0]
        amount = "null" if first_amount is None else sum(e[2] for e in encoded)  # a row shares one rate
        entries = ", ".join(e[4] for e in encoded)
        return (f'{{{head}, "billable_amount_in_cents": {amount}, {tail}, "row_number": {number}, '
                f'"time_entries": [{entries}]}}')

    def _entry(self, e: TimeEntry) -> tuple[TimeEntry, str, int, str, str]:
        """(entry, row fields before the amount, its amount, row fields after it, its time_entries item)."""
        encoded = self._entries.get(e.id)
        if encoded is None or encoded[0] is not e:
            head = (f"{self._fragment('user', e.user_id, self._user)}, "
                    f"{self._fragment('project', e.project_id, self._project)}, "
                    f"{self._fragment('task', e.task_id, self._task)}, "
                    f"\"description\": {self._fragment('text', e.description, to_json)}, "
                    f"\"billable\": {BOOLEANS[e.billable]}")
            tail = (f"{self._fragment('rate', self.ws.rate_of(e), self._rate)}, "
                    f"{self._fragment('tags', e.tag_ids, self._tags if self.enriched else self._tag_ids)}")
            encoded = self._entries[e.id] = (e, head, self.ws.amount_of(e), tail, self._time_entry(e))
        return encoded

    def _fragment(self, kind: str, key: Hashable, build: Callable[[Hashable], str]) -> str:
        fragment = self._fragments.get((kind, key))
        if fragment is None:
            fragment = self._fragments[(kind, key)] = build(key)
        return fragment

    def _time_entry(self, e: TimeEntry) -> str:
        stop = f'"{e.stop.isoformat()}"' if e.stop else "null"
        return (f'{{"id": {e.id}, "seconds": {e.seconds}, "start": "{e.start.isoformat()}", "stop": {stop}, '
                f'"at": "{e.at.astimezone(UTC).isoformat()}", "at_tz": "{e.at.astimezone(e.start.tzinfo).isoformat()}"}}')

    # ---- fragments shared by many entries, each encoded once -----------------------------------------
    def _user(self, user_id: int) -> str:
        user = self.ws.user(user_id)
        if not self.enriched:
            return _members({"user_id": user.id, "username": user.name})
        return _members({"user_id": user.id, "username": user.name, "email": user.email})

    def _project(self, project_id: int | None) -> str:
        project = self.ws.project(project_id)
        if not self.enriched:
            return _members({"project_id": project.id if project else None})
        client = self.ws.client(project.client_id) if project else None
        color = project.color if project else None
        return _members({"project_id": project.id if project else None,
                         "project_name": project.name if project else None,
                         "project_color": color, "project_hex": color,
                         "client_name": client.name if client else None})

    def _task(self, task_id: int | None) -> str:
        task = self.ws.task(task_id)
        if not self.enriched:
            return _members({"task_id": task.id if task else None})
        return _members({"task_id": task.id if task else None, "task_name": task.name if task else None})

    @staticmethod
    def _rate(rate_and_currency: tuple[int, str]) -> str:
        rate, currency = rate_and_currency
        return _members({"hourly_rate_in_cents": rate, "currency": currency})

    @staticmethod
    def _tag_ids(tag_ids: tuple[int, ...]) -> str:
        return _members({"tag_ids": list(tag_ids)})

    def _tags(self, tag_ids: tuple[int, ...]) -> str:
        return _members({"tag_ids": list(tag_ids), "tag_names": [self.ws.tag(t).name for t in tag_ids]})
