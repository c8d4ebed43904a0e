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
    """The dictionaries of one response, turned once into lookups by id (int, as rows carry them)."""

    def __init__(self, dictionaries: Mapping[str, Any] | None):
        def part(name: str) -> dict[Any, Mapping[str, Any]]:
            value = (dictionaries or {}).get(name)
            items = value.items() if isinstance(value, Mapping) else ()
            return {_id(key, item): item for key, item in items if isinstance(item, Mapping)}

        clients = {key: item.get("name") for key, item in part("clients").items()}
        self.users = {key: (item.get("name"), item.get("email")) for key, item in part("users").items()}
        self.projects = {
            key: (item.get("name"), item.get("color"), item.get("hex_color") or item.get("color"),
                  clients.get(_id(item.get("client_id"), {})))
            for key, item in part("projects").items()
        }
        self.tasks = {key: item.get("name") for key, item in part("tasks").items()}
        self.tags = {key: item.get("name") for key, item in part("tags").items()}

    def __bool__(self) -> bool:
        return bool(self.users or self.projects or self.tasks or self.tags)

    def fill(self, user_id, username, email, project_id, project_name, project_color, project_hex, client_name,
             task_id, task_name, tag_ids, tag_names) -> tuple:
        """The row's name fields with every missing one resolved (same order as the arguments, ids omitted)."""
        if username is None or email is None:
            known = self.users.get(_id(user_id, None))
            if known is not None:
                username = known[0] if username is None else username
                email = known[1] if email is None else email
        if project_id is not None:
            known = self.projects.get(_id(project_id, None))
            if known is not None:
                project_name = known[0] if project_name is None else project_name
                project_color = known[1] if project_color is None else project_color
                project_hex = known[2] if project_hex is None else project_hex
                client_name = known[3] if client_name is None else client_name
        if task_name is None and task_id is not None:
            task_name = self.tasks.get(_id(task_id, None))
        if tag_ids and (not tag_names or len(tag_names) != len(tag_ids)):
            tags = self.tags
            tag_names = [tags.get(_id(tag_id, None)) for tag_id in tag_ids]
        return username, email, project_name, project_color, project_hex, client_name, task_name, tag_names


def _id(key: Any, item: Any) -> Any:
    """An id as an int when it is one (dictionary keys are strings, rows carry ints); else as given."""
    if type(key) is int:
        return key
    if isinstance(key, str) and key.strip().lstrip("-").isdigit():
        return int(key)
    if isinstance(item, Mapping) and type(item.get("id")) is int:
        return item["id"]
    return key
