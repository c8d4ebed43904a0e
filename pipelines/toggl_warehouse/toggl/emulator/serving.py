"""Serving an HTTP handler on loopback from a daemon thread: the start/stop/context-manager lifecycle the
emulator and the capture replay share. Subclasses say what server to build (``_make_server``) and its name."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self

HOST = "127.0.0.1"


class LoopbackService:
    """A ThreadingHTTPServer on 127.0.0.1 run on a daemon thread; ``start()`` returns its base URL."""

    _thread_name = "loopback-http"

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> ThreadingHTTPServer:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self._thread_name} server is not running; call start() first")
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> str:
        if self._server is None:
            self._server = self._make_server()
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=self._thread_name, daemon=True)
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
