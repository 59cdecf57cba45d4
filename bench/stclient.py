"""A Streamlit server for benchmarks, and a browser-free client that drives the real app over its websocket.

`StreamlitServer` starts `streamlit run app.py` on a free 127.0.0.1 port and stops exactly that process.
`Session` speaks Streamlit's own protocol (protobuf BackMsg/ForwardMsg on /_stcore/stream): it asks the
server to run the script, finds the chat input, and submits a question the way the browser does, so the
server does all the work a real user causes (engine load, retrieval, answer, rendering).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, VENV_BIN, free_port, http_get

REFUSAL_MARK = "Geen antwoord in de kennisbank"  # ui.REFUSAL_TITLE (not imported: that pulls in streamlit's page code)


class StreamlitServer:
    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        self.env = env
        self.port = port or free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.ready_s: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "StreamlitServer":
        exe = VENV_BIN / "streamlit"
        cmd = [str(exe), "run", str(ROOT / "app.py"), "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _ = http_get(f"{self.url}/_stcore/health", timeout=2)
                if status == 200:
                    self.ready_s = time.perf_counter() - t0
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"streamlit did not answer /_stcore/health within 90 s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


@dataclass
class RunResult:
    seconds: float
    first_token_s: float | None = None  # first text of the answer after the question was shown
    answer_s: float | None = None  # the rendered answer (with its sources) or the refusal arrived
    refused: bool = False
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    chat_input_id: str | None = None


class Session:
    """One browser tab, without a browser."""

    def __init__(self, base_url: str, timeout: float = 120) -> None:
        from websockets.sync.client import connect

        if not base_url.startswith("http://127.0.0.1:"):
            raise ValueError("benchmarks only talk to 127.0.0.1")
        self.timeout = timeout
        self.ws = connect(base_url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                          max_size=None, open_timeout=timeout)
        self.chat_input_id: str | None = None

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open_page(self) -> RunResult:
        result = self._run(None)
        self.chat_input_id = result.chat_input_id or self.chat_input_id
        return result

    def ask(self, question: str) -> RunResult:
        if not self.chat_input_id:
            raise RuntimeError("no chat input on the page (did the app load?)")
        return self._run(question)

    def _run(self, question: str | None) -> RunResult:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        if question is not None:
            widget = msg.rerun_script.widget_states.widgets.add()
            widget.id = self.chat_input_id
            widget.chat_input_value.data = question
        t0 = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        result = RunResult(seconds=0.0)
        question_shown = False
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                result.errors.append("timeout")
                break
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=remaining))
            kind = fwd.WhichOneof("type")
            if kind == "script_finished":
                break
            if kind != "delta" or fwd.delta.WhichOneof("type") != "new_element":
                continue
            element = fwd.delta.new_element
            etype = element.WhichOneof("type")
            now = time.perf_counter() - t0
            if etype == "chat_input":
                result.chat_input_id = element.chat_input.id
            elif etype == "exception":
                result.errors.append(element.exception.message[:200])
            elif etype == "alert" and element.alert.format == 1:  # ERROR
                result.errors.append(element.alert.body[:200])
            elif etype == "alert" and question_shown and REFUSAL_MARK in element.alert.body:
                result.refused = True
                result.answer_s = result.answer_s if result.answer_s is not None else now
            elif etype == "markdown":
                body = element.markdown.body
                result.texts.append(body)
                if 'class="ra-question"' in body:
                    question_shown = True
                elif question_shown and result.first_token_s is None:
                    result.first_token_s = now
                if 'class="ra-answer"' in body and result.answer_s is None:
                    result.answer_s = now
        result.seconds = time.perf_counter() - t0
        return result
