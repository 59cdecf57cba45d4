"""Extractive answers on the sample corpus: time to the first streamed token and to the whole answer
(`Engine.ask_stream`, in one warm process), and `radassist ask --json` as a cold start in a new process.
"""

from __future__ import annotations

import time
from pathlib import Path

from common import PYTHON, VENV_BIN, LatencyRuns, bench_env, log, median, run_timed

CLI_QUESTION = "Wat doet een procesregisseur in het casusoverleg?"


def ask_stream_latency(settings, queries: list[str], reps: int) -> dict:
    from radassist.engine import AskContext, Engine

    engine = Engine(settings)
    t0 = time.perf_counter()
    engine.warm_up()
    warm_s = time.perf_counter() - t0
    first_runs, total_runs = LatencyRuns(), LatencyRuns()
    stages: dict[str, list[float]] = {}
    refused = 0
    for rep in range(reps):
        firsts, totals = [], []
        for q in queries:
            ctx = AskContext(session="bench", user="bench")
            t0 = time.perf_counter()
            first = None
            answer = None
            for event, value in engine.ask_stream(q, ctx):
                if event == "token" and first is None:
                    first = time.perf_counter() - t0
                elif event == "answer":
                    answer = value
            total = time.perf_counter() - t0
            # A refusal streams no tokens: the user sees the whole (refusal) answer at once.
            firsts.append((first if first is not None else total) * 1000)
            totals.append(total * 1000)
            if rep == 0:
                refused += bool(answer and answer.refused)
            for key, value in (answer.timings_ms if answer else {}).items():
                stages.setdefault(key, []).append(value)
        first_runs.add_run(firsts)
        total_runs.add_run(totals)
        log(f"answer: repetition {rep + 1}/{reps}: p95 total {sorted(totals)[int(0.95 * (len(totals) - 1))]:.0f} ms")
    return {
        "warm_up_s": round(warm_s, 2),
        "first_token": first_runs.summary(),
        "total": total_runs.summary(),
        "refused_of_queries": f"{refused}/{len(queries)}",
        "stages_median_ms": {k: round(median(v), 1) for k, v in sorted(stages.items())},
    }


def cli_ask_cold(settings, reps: int = 3) -> dict:
    exe = VENV_BIN / "radassist"
    cmd = [str(exe)] if exe.exists() else [PYTHON, "-m", "radassist.cli"]
    cmd += ["ask", CLI_QUESTION, "--json", "--index", str(settings.index_dir)]
    env = bench_env(Path(settings.corpus_dir), Path(settings.index_dir))
    times = []
    for _ in range(reps):
        seconds, proc = run_timed(cmd, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"radassist ask failed: {proc.stderr.strip()[-300:]}")
        times.append(seconds)
    import_s, _ = run_timed([PYTHON, "-c", "import radassist.cli, radassist.engine"], env=env)
    return {"question": CLI_QUESTION, "median_s": round(median(times), 3), "runs_s": [round(t, 3) for t in times],
            "python_startup_and_engine_import_s": round(import_s, 3)}
