"""Names a detailed row lacks, from the response's own `dictionaries`: this module owns that resolution.

Real v3 rows carry ids only (`user_id`, `project_id`, `task_id`, `tag_ids`); a saved report ships
`dictionaries` (objects keyed by id string) for the names. A name the row carries is kept as served; one it
lacks (absent or null) is looked up; what neither has stays None. `tag_names` is always aligned with
`tag_ids`: one name per id (None for an id the dictionaries do not know). No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class NameBook:
    """The dictionaries of one response, ready for lookups by id."""

    def __init__(self, dictionaries: Mapping[str, Any] | None):
        def part(name: str) -> Mapping[str, Any]:
            value = (dictionaries or {}).get(name)
            return value if isinstance(value, Mapping) else {}

        self.users, self.projects, self.clients = part("users"), part("projects"), part("clients")
        self.tasks, self.tags = part("tasks"), part("tags")

    def __bool__(self) -> bool:
        return bool(self.users or self.projects or self.clients or self.tasks or self.tags)

    def _get(self, table: Mapping[str, Any], key: Any, field: str) -> Any:
        if key is None:
            return None
        item = table.get(str(key))
        return item.get(field) if isinstance(item, Mapping) else None

    def fill(self, user_id, username, email, project_id, project_name, project_color, project_hex, client_name,
             task_id, task_name, tag_ids, tag_names) -> tuple:
        """The row's name fields with every missing one resolved (same order as the arguments, ids omitted)."""
        if username is None:
            username = self._get(self.users, user_id, "name")
        if email is None:
            email = self._get(self.users, user_id, "email")
        if project_id is not None:
            if project_name is None:
                project_name = self._get(self.projects, project_id, "name")
            if project_color is None:
                project_color = self._get(self.projects, project_id, "color")
            if project_hex is None:
                project_hex = self._get(self.projects, project_id, "hex_color") or project_color
            if client_name is None:
                client_name = self._get(self.clients, self._get(self.projects, project_id, "client_id"), "name")
        if task_name is None:
            task_name = self._get(self.tasks, task_id, "name")
        if tag_ids and (not tag_names or len(tag_names) != len(tag_ids)):
            tag_names = [self._get(self.tags, tag_id, "name") for tag_id in tag_ids]
        return username, email, project_name, project_color, project_hex, client_name, task_name, tag_names
