"""Stable fakes for personal text in a capture: the same real value always gets the same fake within one file.

What is personal is decided by the JSON key a string sits under, whichever dialect Toggl answers in: names
(`name`, `*_name`, `*_names`, `names`, `username`, `fullname`), `email`, `description`, `title` (summary
groups, graph titles), `*_url`, `*_logo`, `external_reference`, `comment`, `notes` — in rows, dictionaries,
totals and summary groups alike; an email is faked under any key. Ids, dates, seconds, cents, rates, colours and currencies are kept. A fake
says what it replaces ("project 3", "person 2", "person2@example.invalid"), never anything of the value.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

PERSONAL_KEYS = frozenset({
    "name", "names", "username", "fullname", "email", "description", "title",
    "external_reference", "comment", "notes",
})
"""Keys whose string values are personal; keys ending in `_name` or `_names` are too."""
KIND_OF_KEY = {
    "username": "person", "user_name": "person", "fullname": "person", "email": "person", "users": "person",
    "project_name": "project", "projects": "project", "client_name": "client", "clients": "client",
    "task_name": "task", "tasks": "task", "tag_names": "tag", "tags": "tag", "description": "description",
    "groups": "group", "user_groups": "group", "group_name": "group", "report_name": "report",
}
"""What a fake is called, by the key (or, for `name`, the enclosing collection) it replaces."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def is_personal_key(key: str) -> bool:
    """Whether strings under `key` are personal text (a URL or logo may name a person or a company too)."""
    return key in PERSONAL_KEYS or key.endswith(("_name", "_names", "_url", "_logo"))


class Pseudonyms:
    """Real value -> fake, one map per capture file (so the same real value maps to the same fake)."""

    def __init__(self) -> None:
        self._fakes: dict[str, str] = {}
        self._counts: Counter[str] = Counter()

    def fake(self, value: str, kind: str = "name") -> str:
        """The fake of `value` ('' stays ''); an email gets an email-shaped fake."""
        if value == "":
            return value
        if value not in self._fakes:
            kind = "person" if EMAIL.match(value.strip()) else kind
            self._counts[kind] += 1
            number = self._counts[kind]
            self._fakes[value] = f"person{number}@example.invalid" if EMAIL.match(value.strip()) else f"{kind} {number}"
        return self._fakes[value]

    def json(self, value: Any, key: str | None = None, collection: str | None = None) -> Any:
        """A copy of a decoded JSON value with every personal string replaced."""
        if isinstance(value, dict):
            inner = collection if key is None or key.isdigit() else key  # a map keyed by id keeps its collection
            # the dictionaries first, so that a name's fake says what it names ("project 1", not "title 3")
            first = {k: self.json(value[k], k, inner) for k in ("dictionaries",) if k in value}
            return {k: first[k] if k in first else self.json(v, k, inner) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(item, key, collection) for item in value]
        if isinstance(value, str) and key is not None and is_personal_key(key):
            return self.fake(value, KIND_OF_KEY.get(key) or KIND_OF_KEY.get(collection or "") or key.removesuffix("s"))
        if isinstance(value, str) and EMAIL.match(value.strip()):
            return self.fake(value)  # an email is personal under any key (a filter, a username)
        return value

    def in_text(self, text: str) -> str:
        """`text` with every real value seen so far (3+ characters) replaced by its fake, longest first: for
        free text such as an error message, which may quote a name."""
        for real in sorted((r for r in self._fakes if len(r) >= 3), key=len, reverse=True):
            text = text.replace(real, self._fakes[real])
        return text
