"""`make bench`: measure radassist against its performance targets and write the report.

    .venv/bin/python bench/run.py                 everything (< ~10 min on 2 cores once the 100k index is cached)
    .venv/bin/python bench/run.py --quick         fewer repetitions and no 100k index (a few minutes)
    .venv/bin/python bench/run.py --only search   one part: indexing, search, answer, verify, memory

Writes bench/results/<date>.json and bench/results/<date>.png, prints a table, and rewrites
docs/performance.md from the results (keeping the "Load" section that bench/load.py maintains).
Everything runs in temp folders; the developer's index/ and corpus/ are never written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import radassist  # noqa: E402,F401  (offline environment before any heavy import)

from common import RESULTS, MachineWatch, log, machine_info, questions  # noqa: E402

PARTS = ("indexing", "search", "answer", "verify", "memory", "threads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 repetitions, sizes up to 10k (for development)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts (repeatable)")
    parser.add_argument("--sizes", default=None, help="synthetic index sizes, e.g. 1000,10000,100000")
    parser.add_argument("--reps", type=int, default=None, help="repetitions of each latency series (default 5)")
    parser.add_argument("--fresh-scale", action="store_true", help="rebuild the cached synthetic indexes")
    parser.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--out", default=str(RESULTS), help="results folder")
    parser.add_argument("--render", metavar="JSON", help="only redraw the plot and docs/performance.md from a "
                        "results file (after editing report.py or next_steps.py)")
    args = parser.parse_args(argv)
    if args.render:
        return render_only(Path(args.render), args.no_docs)

    reps = args.reps or (3 if args.quick else 5)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([1000, 10000] if args.quick else
                                                                       [1000, 10000, 100000])
    parts = args.only or list(PARTS)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.date.today().isoformat()

    watch = MachineWatch()
    queries, query_source = questions(50)
    results: dict = {
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "date": stamp,
        "machine": machine_info(),
        "config": {"reps": reps, "queries": query_source, "sizes": sizes, "quick": args.quick, "parts": parts},
        "errors": {},
    }
    log(f"bench: parts {', '.join(parts)}; {reps} repetitions; {query_source}; load average {os.getloadavg()}")

    work = Path(tempfile.mkdtemp(prefix="radassist-bench-"))
    try:
        run_parts(results, parts, work, queries, reps, sizes, args)
        results["load"] = watch.finish()
        from report import evaluate_targets, print_table, render_markdown, render_plot

        results["targets"] = evaluate_targets(results)
        if "verify" in results:
            import verifying

            results["targets"] += verifying.targets(results)
        if not args.no_profile:
            from profiles import profile_missed

            results["profiles"] = profile_missed(results, work, out_dir, stamp)
        results["seconds"] = round(time.perf_counter() - watch.t0, 1)
        json_path = out_dir / f"{stamp}.json"
        json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        png_path = out_dir / f"{stamp}.png"
        render_plot(results, png_path)
        print_table(results)
        if not args.no_docs:
            doc = render_markdown(results, png_path, json_path)
            from report import write_docs

            write_docs(doc)
        log(f"bench: done in {results['seconds']:.0f} s; wrote {json_path}, {png_path}"
            + ("" if args.no_docs else " and docs/performance.md"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not results["errors"] else 1


def render_only(json_path: Path, no_docs: bool) -> int:
    from report import evaluate_targets, print_table, render_markdown, render_plot, write_docs

    results = json.loads(json_path.read_text(encoding="utf-8"))
    results["targets"] = evaluate_targets(results)
    if "verify" in results:
        import verifying

        results["targets"] += verifying.targets(results)
    png_path = json_path.with_suffix(".png")
    render_plot(results, png_path)
    print_table(results)
    if not no_docs:
        write_docs(render_markdown(results, png_path, json_path))
    return 0


def run_parts(results: dict, parts: list[str], work: Path, queries: list[str], reps: int, sizes: list[int],
              args) -> None:
    import indexing

    # Every part needs the sample index; building it from an empty cache *is* the indexing benchmark.
    t0 = time.perf_counter()
    if "indexing" in parts:
        full, settings = indexing.full_build_vs_raw(work)
        results["indexing"] = {"full": full}
        guarded(results, "incremental", lambda: results["indexing"].update(
            incremental=indexing.incremental(settings), nothing_changed=indexing.nothing_changed(settings),
            cli_nothing_changed=indexing.cli_nothing_changed(settings)))
        guarded(results, "naive", lambda: results.update(naive=indexing.naive_pipeline(settings, queries, reps)[0]))
    else:
        settings = _sample_index_quickly(work)
    log(f"bench: indexing part took {time.perf_counter() - t0:.0f} s")

    if "search" in parts:
        guarded(results, "search", lambda: results.update(search=search_part(settings, queries, reps, sizes, args)))
    if "answer" in parts:
        import answering

        def answer_part():
            log(f"answer: Engine.ask_stream, {len(queries)} questions x {reps}")
            results["answer"] = answering.ask_stream_latency(settings, queries, reps)
            log("answer: radassist ask --json in a new process x 3")
            results["answer"]["cli_cold"] = answering.cli_ask_cold(settings, 3)

        guarded(results, "answer", answer_part)
    if "verify" in parts:
        import verifying

        guarded(results, "verify", lambda: results.update(verify=verifying.verify_latency(settings, queries, reps)))
    if "memory" in parts:
        import memory

        guarded(results, "memory", lambda: results.update(memory=memory.measure(settings, work)))
    if "threads" in parts:
        import threads

        guarded(results, "threads", lambda: results.update(threads=threads.compare(settings, rounds=2)))


def search_part(settings, queries: list[str], reps: int, sizes: list[int], args) -> dict:
    import searching

    filtered_reps = max(3, reps - 2)
    out: dict = {}
    log(f"search: sample index, {len(queries)} queries x {reps} (+ filtered x {filtered_reps})")
    out["sample"] = searching.measure_search(settings, queries, reps, filtered_reps)
    out["sample"]["open"] = searching.open_times(settings, 3)
    for n in sizes:
        scale_settings, build = searching.synthetic_index(n, settings, fresh=args.fresh_scale)
        log(f"search: {n:,} synthetic chunks ({'cached' if build['reused'] else 'built'} in {build['build_s']} s)")
        row = searching.measure_search(scale_settings, queries, reps, filtered_reps)
        row["build"] = build
        row["open"] = searching.open_times(scale_settings, 3)
        if n == max(sizes):
            log(f"search: Chroma query cost by filter breadth at {n:,} chunks")
            row["chroma_probe"] = searching.chroma_filter_probe(scale_settings, queries)
        out[str(n)] = row
    return out


def _sample_index_quickly(work: Path):
    """Without the indexing part: build the sample index reusing the developer's embedding cache."""
    from common import CORPUS, ROOT, bench_settings
    from radassist.index import build_index

    corpus = work / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = bench_settings(corpus, work / "index")
    cache = ROOT / "index" / "cache" / "embeddings.sqlite"
    if cache.exists():
        (settings.index_dir / "cache").mkdir(parents=True)
        shutil.copy(cache, settings.index_dir / "cache" / "embeddings.sqlite")
    log("bench: building the sample index (embedding cache reused when available)")
    build_index(settings)
    return settings


def guarded(results: dict, name: str, fn) -> None:
    """Run one benchmark; a failure is recorded in the results and the report instead of ending the run."""
    try:
        fn()
    except Exception as exc:
        results["errors"][name] = f"{type(exc).__name__}: {exc}"[:500]
        log(f"bench: {name} FAILED: {exc}")
        traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
