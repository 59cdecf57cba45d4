"""A small OpenAI-compatible chat server with scripted answers, for end-to-end tests of the LLM path.

    python tests/openai_stub.py --port 8123

Runs as its own process on 127.0.0.1 (stdlib http.server, one thread per request):

- GET  /v1/models                 the scripted model names
- POST /v1/chat/completions       streaming (SSE, chunked) or not, by the request's "stream" flag
- POST /_script                   {"<model>": {"content": "...", "mode": "...", "delay_s": 0}} adds scripts
- GET  /_requests                 every chat request received so far (JSON bodies), for the test to read

The model name of a request selects its script. Modes: "ok" (default), "empty" (a stream with no
content), "cut" (half the answer, then the connection drops inside a chunk), "slow" (waits
delay_s before answering), "stall" (sends the first piece, then waits delay_s), "fail" (HTTP 500).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPTS: dict[str, dict] = {}
REQUESTS: list[dict] = []
LOCK = threading.Lock()


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests): fine
            pass

    # ---------------------------------------------------------------- plumbing
    def _json(self, status: int, body: dict | list) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: dict | str) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        self._chunk(f"data: {text}\n\n".encode())

    # ---------------------------------------------------------------- routes
    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            with LOCK:
                names = sorted(SCRIPTS) or ["stub"]
            self._json(200, {"object": "list", "data": [{"id": n, "object": "model", "owned_by": "stub"} for n in names]})
        elif self.path == "/_requests":
            with LOCK:
                self._json(200, list(REQUESTS))
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/_script":
            with LOCK:
                SCRIPTS.update(body)
            self._json(200, {"ok": True, "models": sorted(SCRIPTS)})
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": "not found"}})
            return
        with LOCK:
            REQUESTS.append(body)
            script = dict(SCRIPTS.get(body.get("model", ""), {"content": "", "mode": "unknown"}))
        mode, content, delay = script.get("mode", "ok"), script.get("content", ""), float(script.get("delay_s", 0))
        if mode == "unknown":
            self._json(404, {"error": {"message": f"model {body.get('model')!r} has no script", "type": "invalid_request_error"}})
            return
        if mode == "fail":
            self._json(500, {"error": {"message": "scripted failure", "type": "server_error"}})
            return
        if mode == "slow":
            time.sleep(delay)
        if body.get("stream"):
            self._stream(body.get("model", ""), content, mode, delay)
        else:
            self._json(200, {
                "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            })

    def _stream(self, model: str, content: str, mode: str, delay: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def delta(d: dict, finish: str | None = None) -> dict:
            return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                    "choices": [{"index": 0, "delta": d, "finish_reason": finish}]}

        self._event(delta({"role": "assistant", "content": ""}))
        pieces = [] if mode == "empty" else _pieces(content)
        if mode == "cut":
            for piece in pieces[: max(1, len(pieces) // 2)]:
                self._event(delta({"content": piece}))
            # Announce a chunk, send part of it, and drop the connection: a stream cut off mid-way.
            self.wfile.write(b"400\r\ndata: {\"id\": \"chatcmpl-stub\", \"choi")
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        for n, piece in enumerate(pieces):
            self._event(delta({"content": piece}))
            if mode == "stall" and n == 0:
                time.sleep(delay)
        self._event(delta({}, "stop"))
        self._event("[DONE]")
        self._chunk(b"")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
