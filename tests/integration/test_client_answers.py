"""The Toggl client against Toggl's real error answers (the emulator, real HTTP; sleep and clock injected).

Covers: a 402 decided by GET /api/v9/me/quota when nothing else says (quota, or still unknown: one line naming
both); TOGGL_MAX_QUOTA_WAIT_SECONDS bounding every wait — the known-exhausted quota (which used to be
"waited out" as a retry of 3600 s), a 429's Retry-After and exponential backoff — never sleeping past it;
an empty-body 401 with X-Authorization-Missing, a 400 whose body is a JSON string and an nginx HTML 429, one
clear line each.
"""

from __future__ import annotations

import pytest

from toggl_warehouse.toggl import errors
from toggl_warehouse.toggl.client import SharedReportRef, TogglClient
from toggl_warehouse.toggl.emulator import EmulatorConfig, Fault, TogglEmulator

pytestmark = pytest.mark.integration

NGINX_429 = ("<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many "
             "Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


class FakeTime:
    """A clock that moves only when slept on, and the sleeps asked for."""

    def __init__(self):
        self.now, self.sleeps = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def toggl():
    with TogglEmulator(EmulatorConfig(seed=7, dialect="swagger", quota_per_hour=600)) as emulator:
        yield emulator


def client_for(emulator, fake: FakeTime, **kw) -> TogglClient:
    return TogglClient(emulator.base_url, api_token=emulator.api_token, min_interval=0, sleep=fake.sleep,
                       clock=fake.clock, **{"max_quota_wait": 5, "max_attempts": 3, **kw})


def ask(emulator, client: TogglClient):
    report = SharedReportRef("team", emulator.reports["team_detailed"].token)
    return client.shared_report(report, {"page_size": 50})


def test_a_bare_402_is_the_quota_when_toggl_s_quota_endpoint_says_none_is_left(toggl):
    toggl.faults.add(Fault(status=402, body='""', quota_headers=False, path_contains="/shared/"))
    toggl.faults.add(Fault(status=200, body='[{"remaining": 0, "resets_in_secs": 1200, "total": 30}]',
                           path_contains="/me/quota"))
    fake = FakeTime()

    with pytest.raises(errors.TogglQuotaExhausted) as failure:
        ask(toggl, client_for(toggl, fake))

    assert str(failure.value) == (
        "shared report 'team': the hourly Toggl API quota is used up (402); it resets in 1200 s. That is more than "
        "TOGGL_MAX_QUOTA_WAIT_SECONDS=5; run again later: loads are resumable."
    )
    assert fake.sleeps == [] and [path for _, path, _ in toggl.request_log][-1] == "/api/v9/me/quota"


def test_a_bare_402_nothing_explains_names_both_causes_in_one_line(toggl):
    toggl.faults.add(Fault(status=402, body="", quota_headers=False, path_contains="/shared/"))
    toggl.faults.add(Fault(status=404, path_contains="/me/quota"))
    fake = FakeTime()

    with pytest.raises(errors.TogglPaymentUnclear) as failure:
        ask(toggl, client_for(toggl, fake))

    assert str(failure.value) == (
        "shared report 'team': Toggl answered 402 (Payment Required) without saying why: either the hourly API quota "
        "is used up (run again after it resets: loads are resumable) or the workspace's plan lacks this feature (then "
        "remove this source from the configuration). Not retried"
    )
    assert len(toggl.request_log) == 2 and fake.sleeps == []


def test_a_quota_known_to_be_used_up_is_not_waited_past_the_ceiling(toggl):
    toggl.quota.per_hour = 1
    fake = FakeTime()
    client = client_for(toggl, fake)
    ask(toggl, client)  # the only request of the hour: Toggl says 0 left, resets in 3600 s

    with pytest.raises(errors.TogglQuotaExhausted) as failure:
        ask(toggl, client)

    assert str(failure.value) == (
        "shared report 'team': the hourly Toggl API quota is used up; it resets in 3600 s, more than "
        "TOGGL_MAX_QUOTA_WAIT_SECONDS=5. Run again later: loads are resumable."
    )
    assert fake.sleeps == [] and len(toggl.request_log) == 1


def test_a_retry_after_beyond_the_ceiling_is_not_waited(toggl):
    toggl.faults.add(Fault.rate_limited(retry_after=3600))
    fake = FakeTime()

    with pytest.raises(errors.TogglRateLimited) as failure:
        ask(toggl, client_for(toggl, fake))

    assert str(failure.value) == (
        "shared report 'team': Toggl answered 429 Too Many Requests and asks to wait 3600 s, more than "
        "TOGGL_MAX_QUOTA_WAIT_SECONDS=5; run again later: loads are resumable"
    )
    assert fake.sleeps == [] and len(toggl.request_log) == 1


def test_backoff_never_sleeps_past_the_ceiling(toggl):
    toggl.faults.add(Fault.server_error(503, times=2))
    fake = FakeTime()

    response = ask(toggl, client_for(toggl, fake, max_quota_wait=0.25, backoff_max=60))

    assert response.status_code == 200 and len(fake.sleeps) == 2 and max(fake.sleeps) <= 0.25


@pytest.mark.parametrize(("fault", "line"), [
    pytest.param(Fault(status=401, body="", headers={"X-Authorization-Missing": "true"}, quota_headers=False),
                 "shared report 'team': Toggl received no credentials (401, X-Authorization-Missing). Set "
                 "TOGGL_API_TOKEN (or TOGGL_EMAIL and TOGGL_PASSWORD)", id="401-empty"),
    pytest.param(Fault(status=400, body='"start_date must be before end_date"'),
                 "shared report 'team': Toggl refused the parameters (400): start_date must be before end_date",
                 id="400-json-string"),
    pytest.param(Fault(status=429, body=NGINX_429, content_type="text/html", times=3),
                 "shared report 'team': Toggl kept answering 429 Too Many Requests: an HTML page (429 Too Many "
                 "Requests). Raise TOGGL_MIN_REQUEST_INTERVAL", id="429-nginx-html"),
])
def test_toggl_s_odd_error_answers_are_one_clear_line_each(toggl, fault, line):
    toggl.faults.add(fault)

    with pytest.raises(errors.TogglError) as failure:
        ask(toggl, client_for(toggl, FakeTime()))

    assert str(failure.value) == line and "\n" not in line
