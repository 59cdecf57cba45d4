"""Real servers for tests: free loopback ports, waiting until a server answers, stopping it, the app.

Used by the tests that start processes of their own (the Streamlit app, a Chroma server, a llama.cpp
server). `StreamlitClient` drives a running app over its websocket the way a browser does.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, expect: bytes | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} stopped with exit code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = response.read()
                if response.status == 200 and (expect is None or body.strip() == expect):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


class StreamlitClient:
    """One browser-free session of a running app: run the page, type a question into the chat input.

    Speaks Streamlit's websocket protocol (protobuf BackMsg/ForwardMsg), so the request headers and
    the source address are real ones, as a reverse proxy or a browser would send them.
    """

    def __init__(self, port: int, headers: dict[str, str] | None = None, source: str = "127.0.0.1") -> None:
        from websockets.sync.client import connect

        self.ws = connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                          additional_headers=headers or {}, source_address=(source, 0), open_timeout=30)
        self.elements: list = []

    def __enter__(self) -> "StreamlitClient":
        self.ws.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.ws.__exit__(*exc)

    def run(self, question: str | None = None, timeout: float = 120) -> "StreamlitClient":
        """One script run, with `question` typed into the chat input found by the previous run."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        message = BackMsg()
        message.rerun_script.query_string = ""
        if question is not None:
            [chat] = self.of_type("chat_input")
            state = WidgetState(id=chat.id)
            state.chat_input_value.data = question
            message.rerun_script.widget_states.widgets.append(state)
        self.ws.send(message.SerializeToString())
        self.elements = []
        deadline = time.monotonic() + timeout
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                self.elements.append(forward.delta.new_element)
            elif kind == "script_finished":
                return self

    def of_type(self, kind: str) -> list:
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    def text(self) -> str:
        """Every text the page shows: Markdown and HTML, alerts, headings, button labels."""
        parts = [m.body for m in self.of_type("markdown")] + [a.body for a in self.of_type("alert")]
        parts += [h.body for h in self.of_type("heading")] + [b.label for b in self.of_type("button")]
        parts += [b.label for b in self.of_type("download_button")]
        return "\n".join(parts)


def start_app(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
