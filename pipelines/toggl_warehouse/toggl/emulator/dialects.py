"""The two ways the emulator answers: ``swagger`` (Toggl's own Reports v3 spec and real captures) and
``enriched`` (the seed pages: names in every row). This module owns what differs between them.

``swagger``: detailed rows with ids only (names are in the ``dictionaries``), keyset paging (only
``first_timestamp`` + ``first_id`` are honoured; ``X-Next-ID``, ``X-Next-Row-Number`` and
``X-Next-Timestamp`` are all sent), at most 50 rows a page whatever is asked, null rate and amount where no
rate applies (work without project), users in several time zones (+13:00, -08:00, +05:45, and the
workspace's own zone with its DST change), dictionaries shaped as the swagger has them, summary
sub-groups as a map keyed by id holding only title and seconds, and no ``X-Range-*`` headers on a report
saved with a fixed date range. ``enriched``: names in every row, ``first_row_number`` paging, the page size
asked, a default rate for work without project, everybody in the workspace's zone, sub-groups as a list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    enriched_rows: bool  # rows carry project/client/task/tag names and the email
    keyset_paging: bool  # honour only first_timestamp + first_id; send X-Next-Timestamp and X-Page-Size too
    max_page_size: int | None  # Toggl's cap on page_size (None: serve what is asked)
    null_rates: bool  # work without a rate has null hourly_rate_in_cents and billable_amount_in_cents
    user_zones: tuple[str | None, ...]  # time zone of the first users in order (None: the workspace's)
    swagger_dictionaries: bool  # projects with fixed_fee/estimates, users with group_ids/labour_cost, ...
    summary_map: bool  # summary sub_groups as an object keyed by id of {title, seconds}
    range_headers_on_fixed: bool  # X-Range-* on a report saved with a fixed date range
    honours_cursor: bool = True  # False: a Toggl that serves the first page whatever cursor is sent (tests)


ENRICHED = Dialect("enriched", enriched_rows=True, keyset_paging=False, max_page_size=None, null_rates=False,
                   user_zones=(), swagger_dictionaries=False, summary_map=False, range_headers_on_fixed=True)
SWAGGER = Dialect("swagger", enriched_rows=False, keyset_paging=True, max_page_size=50, null_rates=True,
                  user_zones=(None, "Pacific/Auckland", "America/Los_Angeles", "Asia/Kathmandu"),
                  swagger_dictionaries=True, summary_map=True, range_headers_on_fixed=False)
DIALECTS = {dialect.name: dialect for dialect in (SWAGGER, ENRICHED)}
"""The dialects by name; the CLI and the demo use ``swagger`` (closest to Toggl), EmulatorConfig defaults to
``enriched`` (what the existing tests and callers were written against)."""
