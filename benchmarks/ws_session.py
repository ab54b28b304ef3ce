"""A Streamlit session without a browser: the page's own websocket messages, from Python.

``load.py --kind ws`` uses it where twenty Chromium instances would make the client
machine the bottleneck (on 2 cores they took the CPU while the server idled). A
:class:`WsSession` speaks Streamlit's protocol as the page does (``/_stcore/stream``,
protobuf ``BackMsg`` / ``ForwardMsg`` from ``streamlit.proto``): it asks for a run with the
page's query string, learns the widgets' ids from the elements it receives and the
pages from the navigation message, and clicks by sending the widget's new state.

What is timed is what the page waits for: from sending the action to the server's
``script_finished`` (every element of the run has arrived before it), a run stopped
early for a rerun not counting as the end. Not included: the browser drawing what
arrived (charts, the Leaflet map) and the reruns a browser component sends back on
mount; so these times are a lower bound of a person's wait, on the server's side.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

FINISHED = (0, 1, 3)  # successfully, compile error, fragment run; 2 is "early for a rerun"


class WsSession:
    """One person's session over a websocket; ``open`` then actions, each returning seconds."""

    def __init__(self, base: str, timeout_s: float = 180.0) -> None:
        from websockets.sync.client import connect

        u = urlparse(base)
        self.ws = connect(
            f"ws://{u.netloc}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            open_timeout=timeout_s,
        )
        self.timeout_s = timeout_s
        self.query = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # page name -> page_script_hash
        self.widgets: dict[str, tuple[str, object]] = {}  # user key -> (id, element)
        self.exceptions = 0
        self.texts: list[str] = []  # the last run's headings and markdown
        self.components = 0  # the last run's custom components (the folium maps)

    def close(self) -> None:
        self.ws.close()

    def _send(self, page_hash: str, states: list | None = None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = page_hash
        for s in states or []:
            cs.widget_states.widgets.append(s)
        self.ws.send(msg.SerializeToString())

    def _until_finished(self, t0: float) -> float:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        deadline = t0 + self.timeout_s
        widgets: dict[str, tuple[str, object]] = {}
        texts: list[str] = []
        components = 0
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                msg = f"no finished run within {self.timeout_s:.0f} s"
                raise TimeoutError(msg)
            m = ForwardMsg()
            m.ParseFromString(self.ws.recv(timeout=left))
            kind = m.WhichOneof("type")
            if kind == "delta" and m.delta.WhichOneof("type") == "new_element":
                el = m.delta.new_element
                what = el.WhichOneof("type")
                if what == "exception":
                    self.exceptions += 1
                elif what in ("heading", "markdown"):
                    texts.append(getattr(el, what).body)
                elif what == "component_instance":
                    components += 1
                inner = getattr(el, what) if what else None
                wid = getattr(inner, "id", "") if inner is not None else ""
                if isinstance(wid, str) and wid.startswith("$$ID-"):
                    widgets[wid.rsplit("-", 1)[-1]] = (wid, inner)
            elif kind == "page_info_changed":
                self.query = m.page_info_changed.query_string
            elif kind == "navigation":
                self.page_hash = m.navigation.page_script_hash
                self.pages = {p.page_name: p.page_script_hash for p in m.navigation.app_pages}
            elif kind == "script_finished" and m.script_finished in FINISHED:
                self.widgets, self.texts, self.components = widgets, texts, components
                return time.perf_counter() - t0

    def open(self) -> float:
        """A new session's first page (the Overview), until its run finished."""
        t0 = time.perf_counter()
        self._send("")
        return self._until_finished(t0)

    def click(self, key: str) -> float:
        """Click the button with user key ``key``."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        s = WidgetState(id=self.widgets[key][0], trigger_value=True)
        t0 = time.perf_counter()
        self._send(self.page_hash, [s])
        return self._until_finished(t0)

    def choose(self, key: str, option_text: str) -> float:
        """Pick the radio option of widget ``key`` whose label contains ``option_text``."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        wid, el = self.widgets[key]
        option = next(o for o in el.options if option_text in o)  # type: ignore[attr-defined]
        s = WidgetState(id=wid, string_value=option)
        t0 = time.perf_counter()
        self._send(self.page_hash, [s])
        return self._until_finished(t0)

    def goto(self, page_name: str) -> float:
        """Go to another page of the app (as a click in the sidebar's navigation)."""
        t0 = time.perf_counter()
        self._send(self.pages[page_name])
        return self._until_finished(t0)

    def expect(self, seconds: float, *, text: str = "", query: str = "", maps: int = 0) -> float:
        """Check the last run showed what the action should have (else raise); return ``seconds``.

        ``text``: in a heading or markdown; ``query``: in the page's query string; ``maps``:
        at least that many map components.
        """
        if text and not any(text in t for t in self.texts):
            msg = f"the page does not show {text!r}"
            raise AssertionError(msg)
        if query and query not in self.query:
            msg = f"the link has no {query!r}: {self.query[:120]}"
            raise AssertionError(msg)
        if self.components < maps:
            msg = f"{self.components} map(s) drawn, expected {maps}"
            raise AssertionError(msg)
        return seconds
