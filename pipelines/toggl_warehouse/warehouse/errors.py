"""Database failures said in one line: which server and database (password hidden), what happened, what to do."""

from __future__ import annotations

import sqlalchemy as sa


class WarehouseError(RuntimeError):
    """The warehouse Postgres could not be used; the message names it (without password) and says what to do."""


def unreachable(url: str, exc: BaseException) -> WarehouseError:
    """The error for a warehouse that cannot be connected to."""
    return WarehouseError(
        f"could not reach the warehouse Postgres {where(url)}: {first_line(exc)}. "
        "Check DATABASE_URL and that the server is running (`toggl-warehouse doctor` checks it)"
    )


def lost_during(what: str, engine: sa.Engine, exc: BaseException) -> WarehouseError:
    """The error for a connection lost (or a statement failed by the server) while loading `what`."""
    return WarehouseError(
        f"{what}: the warehouse Postgres {where(engine.url.render_as_string(hide_password=True))} failed during "
        f"the load: {first_line(exc)}. Nothing was replaced (the load is one transaction); the pages are stored, "
        "so run again (or `toggl-warehouse replay`) without paying Toggl again"
    )


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message (drivers add multi-line context)."""
    lines = [line.strip() for line in str(getattr(exc, "orig", None) or exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def where(url: str) -> str:
    """'host:port/database' of a URL, never its password (a unix socket shows as its directory)."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # noqa: BLE001 - never echo an unparseable URL
        return "<unparseable DATABASE_URL>"
    host = parsed.host or parsed.query.get("host") or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port}/{parsed.database or ''}"

