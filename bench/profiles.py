"""Profile the scenario behind each missed target, so the report shows where the time goes.

pyinstrument (a sampling profiler, readable call trees) is used when installed; otherwise cProfile's
top functions by cumulative time. Each profile is bounded to a few seconds of work.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import subprocess
import time
from pathlib import Path
from typing import Callable

from common import PYTHON, bench_env, bench_settings, log

EXCERPT_LINES = 30


def _pyinstrument():
    try:
        import pyinstrument

        return pyinstrument
    except ImportError:
        return None


def profile_call(fn: Callable[[], None]) -> tuple[str, str]:
    """(tool, text) for one in-process call."""
    pyi = _pyinstrument()
    if pyi:
        profiler = pyi.Profiler(interval=0.001)
        profiler.start()
        try:
            fn()
        finally:
            profiler.stop()
        return "pyinstrument", profiler.output_text(unicode=False, color=False, show_all=False)
    prof = cProfile.Profile()
    prof.enable()
    try:
        fn()
    finally:
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    return "cProfile", buf.getvalue()


def profile_command(args: list[str], env: dict[str, str], out_file: Path) -> tuple[str, str]:
    """(tool, text) for `radassist <args>` in a new process."""
    if _pyinstrument():
        cmd = [PYTHON, "-m", "pyinstrument", "-r", "text", "--no-color", "--no-unicode", "-o", str(out_file),
               "-m", "radassist.cli", *args]
        subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
        return "pyinstrument", out_file.read_text(encoding="utf-8") if out_file.exists() else ""
    raw = out_file.with_suffix(".prof")
    subprocess.run([PYTHON, "-m", "cProfile", "-o", str(raw), "-m", "radassist.cli", *args], env=env,
                   capture_output=True, text=True, timeout=180)
    buf = io.StringIO()
    pstats.Stats(str(raw), stream=buf).sort_stats("cumulative").print_stats(30)
    return "cProfile", buf.getvalue()


def _shown_path(path: Path) -> str:
    from common import ROOT

    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _excerpt(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    body = [ln for ln in lines
            if not ln.lstrip().startswith(("_", "/_", "/ ", "Recorded", "Program", "Profile at"))]
    return "\n".join(body[:EXCERPT_LINES])


def profile_missed(results: dict, work: Path, out_dir: Path, stamp: str) -> dict:
    missed = [t["id"] for t in results.get("targets", []) if t["met"] is False]
    sample_index = work / "index"
    if not missed or not (sample_index / "CURRENT").exists():
        return {}
    settings = bench_settings(work / "corpus", sample_index)
    env = bench_env(work / "corpus", sample_index)
    scenarios = _scenarios(settings, env, results)
    out: dict = {}
    done: dict[str, dict] = {}
    for target in missed:
        key = target if target in scenarios else target.rsplit("_", 1)[0]
        if key not in scenarios:
            continue
        description, kind, run = scenarios[key]
        if description in done:  # two targets, one scenario: profile once
            out[target] = done[description]
            continue
        log(f"profile: {target}: {description}")
        out_file = out_dir / f"{stamp}-profile-{key}.txt"
        t0 = time.perf_counter()
        try:
            if kind == "command":
                tool, text = profile_command(run, env, out_file)
            else:
                tool, text = profile_call(run)
        except Exception as exc:
            out[target] = {"tool": "-", "scenario": description, "file": "-", "excerpt": f"profiling failed: {exc}"}
            continue
        out_file.write_text(text, encoding="utf-8")
        done[description] = out[target] = {
            "tool": tool,
            "scenario": f"{description}, {time.perf_counter() - t0:.1f} s",
            "file": _shown_path(out_file),
            "excerpt": _excerpt(text),
        }
    return out


def _scenarios(settings, env: dict, results: dict) -> dict:
    from indexing import CHANGED_DOC, EDITS

    def rebuild_cached():
        from radassist.index import build_index

        build_index(settings, rebuild=True)  # every vector is in the cache: what is left is the pipeline

    def incremental_once():
        from radassist.index import build_index

        path = Path(settings.corpus_dir) / CHANGED_DOC
        original = path.read_text(encoding="utf-8")
        try:
            path.write_text(original + EDITS[0] + " (profiel)", encoding="utf-8")
            build_index(settings)
        finally:
            path.write_text(original, encoding="utf-8")

    def searches(size: str, filtered: bool):
        def run():
            import searching
            from radassist.index import LoadedIndex
            from radassist.retrieve import Retriever
            from common import questions

            target = settings
            if size != "sample":
                target, _info = searching.synthetic_index(int(size), settings)
            index = LoadedIndex.open(target)
            retriever = Retriever(index, target.retrieval, target.embedding.model)
            mix = searching.filter_mix()[:-1]
            qs, _src = questions(30)
            retriever.search(qs[0])
            for i, q in enumerate(qs):
                retriever.search(q, filters=mix[i % len(mix)][1] if filtered else None)
        return run

    def asks():
        from radassist.engine import AskContext, Engine
        from common import questions

        engine = Engine(settings)
        engine.warm_up()
        qs, _src = questions(20)
        for q in qs:
            engine.ask(q, AskContext(session="bench-profile"))

    index_args = ["index", "--index", str(settings.index_dir), "--corpus", str(settings.corpus_dir)]
    ask_args = ["ask", "Wat doet een procesregisseur in het casusoverleg?", "--json", "--index", str(settings.index_dir)]
    scenarios = {
        "index_throughput": ("build_index(rebuild=True) with every vector cached: the pipeline without embedding",
                             "call", rebuild_cached),
        "incremental": ("one incremental build after appending a paragraph to one document", "call", incremental_once),
        "noop_inprocess": ("`radassist index` with nothing changed, new process", "command", index_args),
        "noop_cli": ("`radassist index` with nothing changed, new process", "command", index_args),
        "first_token": ("20 questions through Engine.ask after warm_up", "call", asks),
        "answer_p95": ("20 questions through Engine.ask after warm_up", "call", asks),
        "cli_ask_cold": ("`radassist ask --json`, new process", "command", ask_args),
    }
    for size in ("10000", "100000"):
        for kind in ("unfiltered", "filtered"):
            scenarios[f"search_{size}_{kind}"] = (f"30 searches on the {int(size):,}-chunk index ({kind})", "call",
                                                  searches(size, kind == "filtered"))
    return scenarios
