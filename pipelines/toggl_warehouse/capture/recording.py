"""The capture file: each request the client sent and what Toggl answered, with secrets removed and personal
text pseudonymised as it is recorded.

`CaptureRecorder` is the `TogglClient.recorder` of a capture: it turns every response (errors and retries
included) into one exchange — method, path (report tokens become `<report:NAME>`), request body, status,
headers (cookies and auth dropped, secrets redacted), body (JSON with personal strings faked; CSV and XLSX
through `spreadsheets`; other text with every name seen replaced). `write_capture` / `read_capture` own the
file format, one JSON document; the replay server reads it with `read_capture`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from toggl_warehouse.capture.pseudonyms import Pseudonyms
from toggl_warehouse.capture.spreadsheets import pseudonymise_csv, pseudonymise_xlsx
from toggl_warehouse.toggl.errors import Redactor

FORMAT = "toggl-warehouse capture 1"
DROPPED_HEADERS = frozenset({
    "set-cookie", "cookie", "authorization", "proxy-authorization", "www-authenticate",
    "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive",
})
"""Response headers never written: credentials and cookies, and what the replay server sets itself."""
REMOVED = ("API token, email and password (basic auth is never recorded), report tokens (in paths they read "
           "<report:NAME>), cookies; names, emails, descriptions, titles and client/project/task/tag/group names "
           "are replaced by stable fakes; ids, dates, seconds, cents, rates and currencies are kept")


class CaptureError(ValueError):
    """A capture file that cannot be read; the message names the file and what to do."""


class CaptureRecorder:
    """Records exchanges for one capture file (see the module docstring)."""

    def __init__(self, redactor: Redactor, path_placeholders: Mapping[str, str], pseudonyms: Pseudonyms | None = None):
        self.redact = redactor
        self.path_placeholders = dict(path_placeholders)  # secret path part -> what the file shows instead
        self.pseudonyms = pseudonyms or Pseudonyms()
        self.exchanges: list[dict[str, Any]] = []

    def __call__(self, method: str, path: str, body: Mapping[str, Any] | None, response: requests.Response) -> None:
        content_type = response.headers.get("Content-Type", "")
        exchange: dict[str, Any] = {
            "method": method,
            "path": self._public_path(path),
            "request_body": self._clean(self.pseudonyms.json(dict(body or {}))),
            "status": response.status_code,
            "headers": {name: self._text(value) for name, value in response.headers.items()
                        if name.lower() not in DROPPED_HEADERS},
            "content_type": content_type,
        }
        exchange.update(self._body(path, response.status_code, content_type, response.content))
        self.exchanges.append(exchange)

    def _public_path(self, path: str) -> str:
        for secret, placeholder in self.path_placeholders.items():
            path = path.replace(secret, placeholder)
        return self.redact(path)

    def _body(self, path: str, status: int, content_type: str, content: bytes) -> dict[str, Any]:
        kind = content_type.split(";")[0].strip().lower()
        if status < 400 and (kind.endswith("spreadsheetml.sheet") or path.endswith(".xlsx")):
            return {"body_base64": base64.b64encode(pseudonymise_xlsx(content, self.pseudonyms)).decode("ascii")}
        if status < 400 and (kind == "text/csv" or path.endswith(".csv")):
            csv_bytes = pseudonymise_csv(content, self.pseudonyms)
            try:
                return {"body_text": self._text(csv_bytes.decode("utf-8"))}
            except UnicodeDecodeError:  # UTF-16 or cp1252, kept as received
                return {"body_base64": base64.b64encode(csv_bytes).decode("ascii")}
        try:
            decoded = json.loads(content) if content.strip() else None
        except ValueError:
            decoded = None
        if decoded is not None:
            value = self.pseudonyms.json(decoded)
            if status >= 400 or not isinstance(value, (dict, list)):
                value = _strings(value, self.pseudonyms.in_text)  # an error message may quote a name
            return {"body": self._clean(value)}
        return {"body_text": self._text(self.pseudonyms.in_text(content.decode("utf-8", errors="replace")))}

    def _text(self, text: str) -> str:
        return self.redact(text)

    def _clean(self, value: Any) -> Any:
        return _strings(value, self.redact)


def _strings(value: Any, change: Callable[[str], str]) -> Any:
    """A copy of a JSON value with `change` applied to every string (keys included)."""
    if isinstance(value, dict):
        return {change(k): _strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(item, change) for item in value]
    return change(value) if isinstance(value, str) else value


def write_capture(path: Path, about: Mapping[str, Any], exchanges: list[dict[str, Any]], redactor: Redactor) -> None:
    """Write the capture file: `about` (what was asked), what was removed, the exchanges; any secret still
    found in the text (it never should be) is replaced as a last resort."""
    document = {"format": FORMAT, **about, "removed": REMOVED, "exchanges": exchanges}
    text = redactor(json.dumps(document, ensure_ascii=False, indent=1))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


def read_capture(path: Path) -> dict[str, Any]:
    """The capture document of `path`.

    Raises:
        CaptureError: the file is missing, not JSON, or not a toggl-warehouse capture.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaptureError(f"capture file {path} does not exist; give the file `toggl-warehouse capture` wrote") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CaptureError(f"capture file {path} is not JSON ({exc}); give the file `toggl-warehouse capture` wrote") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("exchanges"), list):
        raise CaptureError(f"capture file {path} is not a toggl-warehouse capture (no \"format\": \"{FORMAT}\" "
                           "with exchanges); give the file `toggl-warehouse capture` wrote")
    return document


def body_bytes(exchange: Mapping[str, Any]) -> bytes:
    """The response body of a recorded exchange, as bytes to serve."""
    if "body_base64" in exchange:
        return base64.b64decode(exchange["body_base64"])
    if "body_text" in exchange:
        return str(exchange["body_text"]).encode("utf-8")
    if "body" in exchange:
        return json.dumps(exchange["body"], ensure_ascii=False).encode("utf-8")
    return b""
