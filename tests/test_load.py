"""Fast variants of the load checks (the long ones are `make soak` / bench/load.py).

No timing assertions: throughput and p95 are recorded by the benchmark, not asserted here.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from radassist.engine import AskContext

from servers import free_port, start_app, stop, wait_for

QUESTIONS = [
    "Wat is een casussimulatie?",
    "Hoe lang blijft een casus in de monitorfase?",
    "Welke opleidingsmodules zijn er?",
    "Wat doet Team TER van de reclassering?",
    "Wat is het recept voor appeltaart?",
]


def test_twenty_concurrent_sessions_share_one_engine(engine):
    def session(n: int):
        history = []
        results = []
        for q in QUESTIONS[n % len(QUESTIONS):] + QUESTIONS[: n % len(QUESTIONS)]:
            results.append(engine.ask(q, AskContext(history=history, session=f"s{n}", audit=False)))
        return results

    with ThreadPoolExecutor(max_workers=20) as pool:
        sessions = list(pool.map(session, range(20)))
    answers = [a for s in sessions for a in s]
    assert len(answers) == 20 * len(QUESTIONS)
    for a in answers:
        if not a.refused:
            by_rank = {p.rank: p for p in a.passages}
            assert all(c.quote in by_rank[c.marker].chunk.text for c in a.citations)
    # The same question gives the same answer under concurrency.
    casus = {a.answer for a in answers if a.question == "Wat is een casussimulatie?"}
    assert len(casus) == 1


def test_streamlit_server_handles_concurrent_http_clients(env_index, tmp_path):
    port = free_port()
    proc = start_app(port, dict(os.environ), tmp_path / "streamlit.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/_stcore/health", proc, expect=b"ok", timeout=90)

        def client(n: int) -> list[int]:
            codes = []
            with requests.Session() as http:
                for path in ("/_stcore/health", "/", "/_stcore/health"):
                    codes.append(http.get(base + path, timeout=30).status_code)
            return codes

        with ThreadPoolExecutor(max_workers=20) as pool:
            codes = [c for cs in pool.map(client, range(20)) for c in cs]
        assert codes == [200] * 60
    finally:
        stop(proc)
