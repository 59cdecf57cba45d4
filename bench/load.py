"""20 concurrent chat sessions against the sample index. Bounded: every loop stops by itself, and all
traffic goes to 127.0.0.1.

    .venv/bin/python bench/load.py                         defaults: 20 sessions, 5 questions each
    .venv/bin/python bench/load.py --sessions 20 --rounds 5

(a) engine: `--sessions` threads share one Engine (as the Streamlit app shares one cached Engine per
    process) and each asks `--rounds` questions; every answer must arrive without an exception.
(b) http: `streamlit run app.py` on a free loopback port; `--sessions` clients fetch /_stcore/health and
    the main page, `--http-requests` each, concurrently.
(c) websocket: `--sessions` browser-free clients (bench/stclient.py) open the app at the same time and each
    asks one question, so the server runs the script, the engine and the rendering for all of them.

Writes bench/results/load-<date>.json, prints a table and refreshes the "Load" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import radassist  # noqa: E402,F401

from common import (  # noqa: E402
    CORPUS,
    RESULTS,
    ROOT,
    MachineWatch,
    bench_env,
    bench_settings,
    http_get,
    log,
    machine_info,
    pct,
    questions,
    rss_mb,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20)")
    parser.add_argument("--rounds", type=int, default=5, help="questions per session in (a) (default 5)")
    parser.add_argument("--http-requests", type=int, default=20, help="requests per client in (b) (default 20)")
    parser.add_argument("--max-seconds", type=float, default=420, help="each part stops after this long")
    parser.add_argument("--index", help="use this index instead of building the sample index in a temp folder")
    parser.add_argument("--skip", action="append", choices=["engine", "http", "websocket"], default=[])
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/performance.md")
    args = parser.parse_args(argv)

    watch = MachineWatch()
    work = Path(tempfile.mkdtemp(prefix="radassist-load-"))
    results: dict = {"created": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine_info(),
                     "config": {"sessions": args.sessions, "rounds": args.rounds,
                                "http_requests": args.http_requests, "max_seconds": args.max_seconds}}
    try:
        settings = _settings(args, work)
        qs, source = questions(max(args.sessions * args.rounds, 20))
        results["config"]["questions"] = source
        if "engine" not in args.skip:
            results["engine"] = engine_sessions(settings, qs, args.sessions, args.rounds, args.max_seconds)
        if "http" not in args.skip or "websocket" not in args.skip:
            results.update(server_load(settings, qs, args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load"] = watch.finish()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"load-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    table = render_table(results)
    print(table)
    if not args.no_docs:
        from report import replace_load_section

        replace_load_section(render_markdown(results, out, table))
    ok = all(part.get("ok", True) for part in (results.get("engine", {}), results.get("http", {}),
                                               results.get("websocket", {})))
    log(f"load: wrote {out}" + ("" if args.no_docs else " and the Load section of docs/performance.md"))
    return 0 if ok else 1


def _settings(args, work: Path):
    from radassist.index import build_index

    if args.index:
        index_dir = Path(args.index)
        return bench_settings(CORPUS, index_dir)
    shutil.copytree(CORPUS, work / "corpus")
    settings = bench_settings(work / "corpus", work / "index")
    cache = ROOT / "index" / "cache" / "embeddings.sqlite"
    if cache.exists():  # only saves embedding work: vectors are keyed by text hash
        (settings.index_dir / "cache").mkdir(parents=True)
        shutil.copy(cache, settings.index_dir / "cache" / "embeddings.sqlite")
    log("load: building the sample index in a temp folder")
    build_index(settings)
    return settings


# ----------------------------------------------------------------------------- (a) one shared engine

def engine_sessions(settings, qs: list[str], sessions: int, rounds: int, max_seconds: float) -> dict:
    from radassist.conversation import Turn
    from radassist.engine import AskContext, Engine

    engine = Engine(settings)
    t0 = time.perf_counter()
    engine.warm_up()
    warm_s = time.perf_counter() - t0
    deadline = time.monotonic() + max_seconds
    latencies: list[float] = []
    errors: list[str] = []
    refused = 0
    lock = threading.Lock()
    start = threading.Barrier(sessions)

    def session(n: int) -> None:
        nonlocal refused
        history: list = []
        start.wait()
        for r in range(rounds):
            if time.monotonic() > deadline:
                with lock:
                    errors.append(f"session {n}: stopped at the time limit after {r} questions")
                return
            question = qs[(n * rounds + r) % len(qs)]
            ctx = AskContext(history=history, session=f"load-{n}", user=f"load-{n}")
            t = time.perf_counter()
            try:
                answer = engine.ask(question, ctx)
            except Exception as exc:  # recorded: the point of the test is that there are none
                with lock:
                    errors.append(f"session {n}: {type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - t)
                refused += answer.refused
            history.append(Turn(question, answer.standalone_question, answer.answer))

    log(f"load (a): {sessions} threads x {rounds} questions through one shared Engine")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(session, range(sessions)))
    wall = time.perf_counter() - t0
    return {
        "ok": not errors and len(latencies) == sessions * rounds,
        "sessions": sessions,
        "answers": len(latencies),
        "expected": sessions * rounds,
        "refused": refused,
        "errors": errors[:20],
        "wall_s": round(wall, 2),
        "answers_per_s": round(len(latencies) / wall, 3) if wall else None,
        "latency_p50_s": round(pct(latencies, 50), 3),
        "latency_p95_s": round(pct(latencies, 95), 3),
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "warm_up_s": round(warm_s, 2),
        "rss_mb": rss_mb()["rss_mb"],
    }


# ----------------------------------------------------------------------------- (b), (c) a real server

def server_load(settings, qs: list[str], args, work: Path) -> dict:
    from stclient import StreamlitServer

    env = bench_env(Path(settings.corpus_dir), Path(settings.index_dir))
    out: dict = {}
    with StreamlitServer(env, work / "streamlit-load.log") as server:
        pid = server.proc.pid
        out["server"] = {"ready_s": round(server.ready_s, 2), "rss_after_start_mb": rss_mb(pid)["rss_mb"]}
        if "http" not in args.skip:
            out["http"] = http_clients(server.url, args.sessions, args.http_requests, args.max_seconds)
        if "websocket" not in args.skip:
            out["websocket"] = websocket_sessions(server.url, qs, args.sessions, args.max_seconds)
        out["server"]["rss_after_load_mb"] = rss_mb(pid)["rss_mb"]
        out["server"]["peak_mb"] = rss_mb(pid)["peak_mb"]
        alive = server.proc.poll() is None
        status, _ = http_get(f"{server.url}/_stcore/health") if alive else (None, b"")
        out["server"]["healthy_after"] = status == 200
    log_text = (work / "streamlit-load.log").read_text(errors="replace")
    out["server"]["log_tracebacks"] = log_text.count("Traceback")
    return out


def http_clients(base: str, clients: int, per_client: int, max_seconds: float) -> dict:
    paths = ["/_stcore/health", "/"]
    deadline = time.monotonic() + max_seconds
    records: list[tuple[str, int | None, float]] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(n: int) -> None:
        start.wait()
        for i in range(per_client):
            if time.monotonic() > deadline:
                return
            path = paths[(n + i) % len(paths)]
            t = time.perf_counter()
            try:
                status, _body = http_get(base + path, timeout=30)
            except OSError:
                status = None
            with lock:
                records.append((path, status, time.perf_counter() - t))

    log(f"load (b): {clients} HTTP clients x {per_client} requests (health and main page)")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - t0
    by_path = {}
    for path in paths:
        rows = [r for r in records if r[0] == path]
        codes: dict[str, int] = {}
        for _p, status, _s in rows:
            codes[str(status)] = codes.get(str(status), 0) + 1
        lat = [s * 1000 for _p, _st, s in rows]
        by_path[path] = {"requests": len(rows), "status_codes": codes,
                         "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1),
                         "max_ms": round(max(lat), 1) if lat else None}
    ok = all(set(v["status_codes"]) == {"200"} for v in by_path.values()) and len(records) == clients * per_client
    return {"ok": ok, "clients": clients, "requests": len(records), "wall_s": round(wall, 2),
            "requests_per_s": round(len(records) / wall, 1) if wall else None, "by_path": by_path}


def websocket_sessions(base: str, qs: list[str], sessions: int, max_seconds: float) -> dict:
    from stclient import Session

    start = threading.Barrier(sessions)
    rows: list[dict] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        row: dict = {"session": n}
        try:
            start.wait()
            with Session(base, timeout=max_seconds) as s:
                page = s.open_page()
                row["page_s"] = page.seconds
                answer = s.ask(qs[n % len(qs)])
                row.update(question_s=answer.seconds, first_token_s=answer.first_token_s,
                           answered=answer.answer_s is not None, refused=answer.refused,
                           errors=page.errors + answer.errors)
        except Exception as exc:
            row["errors"] = [f"{type(exc).__name__}: {exc}"[:200]]
        with lock:
            rows.append(row)

    log(f"load (c): {sessions} browser-free sessions open the app and ask one question each")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(one, range(sessions)))
    wall = time.perf_counter() - t0
    done = [r for r in rows if "question_s" in r]
    errors = [e for r in rows for e in r.get("errors", [])]
    answered = sum(1 for r in done if r.get("answered"))
    return {
        "ok": not errors and len(done) == sessions and answered == len(done),
        "sessions": sessions,
        "completed": len(done),
        "answered": answered,
        "refused": sum(1 for r in done if r.get("refused")),
        "errors": errors[:20],
        "wall_s": round(wall, 2),
        "page_p50_s": round(pct([r["page_s"] for r in done], 50), 2) if done else None,
        "page_p95_s": round(pct([r["page_s"] for r in done], 95), 2) if done else None,
        "question_p50_s": round(pct([r["question_s"] for r in done], 50), 2) if done else None,
        "question_p95_s": round(pct([r["question_s"] for r in done], 95), 2) if done else None,
        "answers_per_s": round(len(done) / wall, 3) if wall else None,
    }


# ----------------------------------------------------------------------------- output

def render_table(r: dict) -> str:
    lines = [f"{'part':<36}{'result':<8}{'details'}"]
    e = r.get("engine")
    if e:
        lines.append(f"{'(a) shared Engine, threads':<36}{'ok' if e['ok'] else 'FAILED':<8}"
                     f"{e['answers']}/{e['expected']} answers in {e['wall_s']} s = {e['answers_per_s']} answers/s; "
                     f"latency p50 {e['latency_p50_s']} s, p95 {e['latency_p95_s']} s; errors {len(e['errors'])}")
    h = r.get("http")
    if h:
        parts = "; ".join(f"{p} {v['status_codes']} p50 {v['p50_ms']} ms p95 {v['p95_ms']} ms"
                          for p, v in h["by_path"].items())
        lines.append(f"{'(b) HTTP health + main page':<36}{'ok' if h['ok'] else 'FAILED':<8}"
                     f"{h['requests']} requests in {h['wall_s']} s ({h['requests_per_s']}/s); {parts}")
    w = r.get("websocket")
    if w:
        lines.append(f"{'(c) websocket sessions, 1 question':<36}{'ok' if w['ok'] else 'FAILED':<8}"
                     f"{w['completed']}/{w['sessions']} sessions, {w['answered']} answers rendered ({w['refused']} refusals) "
                     f"in {w['wall_s']} s; "
                     f"page p50 {w['page_p50_s']} s; question p50 {w['question_p50_s']} s, p95 {w['question_p95_s']} s; "
                     f"errors {len(w['errors'])}")
    s = r.get("server")
    if s:
        lines.append(f"{'server':<36}{'ok' if s.get('healthy_after') else 'FAILED':<8}"
                     f"RSS {s['rss_after_start_mb']} MB at start, {s['rss_after_load_mb']} MB after, peak {s['peak_mb']} MB; "
                     f"tracebacks in its log: {s['log_tracebacks']}")
    load = r["load"]
    lines.append(f"load average before {load['load_before']} after {load['load_after']}; other processes used "
                 f"{load['others_share_of_machine']:.0%} of the machine")
    return "\n".join(lines)


def render_markdown(r: dict, json_path: Path, table: str) -> str:
    rel = json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path
    m, load = r["machine"], r["load"]
    out = [f"Generated by `bench/load.py` on {r['created']} ({m['cpu']}, {m['cores']} cores, Python {m['python']}); "
           f"raw numbers: `{rel}`. Load average before {load['load_before']}, after {load['load_after']}; other "
           f"processes used {load['others_share_of_machine']:.0%} of the machine during the {load['wall_s']} s run.", ""]
    e, h, w, s = r.get("engine"), r.get("http"), r.get("websocket"), r.get("server")
    out += ["| part | result | numbers |", "|---|---|---|"]
    if e:
        out.append(f"| (a) {e['sessions']} threads share one Engine, {r['config']['rounds']} questions each (follow-ups "
                   f"use the history) | {'ok' if e['ok'] else '**FAILED**'} | {e['answers']}/{e['expected']} answers, "
                   f"{len(e['errors'])} errors; {e['answers_per_s']} answers/s; latency p50 {e['latency_p50_s']} s, "
                   f"p95 {e['latency_p95_s']} s, max {e['latency_max_s']} s |")
    if h:
        codes = "; ".join(f"`{p}`: {v['status_codes']}, p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms"
                          for p, v in h["by_path"].items())
        out.append(f"| (b) {h['clients']} HTTP clients, health and main page | {'ok' if h['ok'] else '**FAILED**'} | "
                   f"{h['requests']} requests, {h['requests_per_s']}/s; {codes} |")
    if w:
        out.append(f"| (c) {w['sessions']} browser-free sessions open the app and ask one question | "
                   f"{'ok' if w['ok'] else '**FAILED**'} | {w['completed']} completed, {w['answered']} answers rendered "
                   f"({w['refused']} of them refusals), "
                   f"{len(w['errors'])} errors; page p50 {w['page_p50_s']} s, p95 {w['page_p95_s']} s; question p50 "
                   f"{w['question_p50_s']} s, p95 {w['question_p95_s']} s |")
    if s:
        out.append(f"| Streamlit server | {'healthy' if s.get('healthy_after') else '**unhealthy**'} after the load | "
                   f"RSS {s['rss_after_start_mb']} MB at start, {s['rss_after_load_mb']} MB after, peak {s['peak_mb']} MB; "
                   f"{s['log_tracebacks']} tracebacks in its log |")
    errors = (e or {}).get("errors", []) + (w or {}).get("errors", [])
    if errors:
        out += ["", "First errors:", ""] + [f"- `{x}`" for x in errors[:5]]
    out += ["", "Each embedder serialises its model calls behind a lock (`embed.py`) and the machine has few cores, "
            "so concurrent answers queue: latency grows with the number of sessions, and answers/s is the number "
            "to compare between runs."]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
