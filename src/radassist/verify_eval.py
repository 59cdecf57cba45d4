"""Evaluate citation verification on the labelled set evals/verify.jsonl and write a report.

    python -m radassist.verify_eval                      both splits -> evals/reports/verify.md + .json
    python -m radassist.verify_eval --show tune          also print the tune cases it gets wrong

Each case is one sentence that cites one passage ("[1]"), labelled faithful or unfaithful with an
error type. The checker under test is `radassist.verify.verify` with the configured
`answer.verify_min_support` and the vocabulary of the current index (as the engine runs it).
Reported per split and type: how many sentences verification removes (for faithful types this is
the false-removal rate), which check removed them, and the latency of verifying a 5-sentence answer
over 6 passages (answers assembled from the set's own sentences, cold sentence-vector cache).

Rules are tuned on the `tune` split only; the `test` split is reported in aggregate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from radassist.settings import load_settings
from radassist.types import Chunk, Passage

TYPE_TARGET = 0.90
STRICT_TYPES = {"number": 0.95, "negation": 0.95, "modality": 0.95, "actor": 0.95}
MIN_CASES = 30
FAITHFUL_MAX = 0.10
LATENCY_P95_MS = 150.0


def load_cases(path: Path) -> list[dict]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for c in cases:
        for key in ("id", "passage", "sentence", "label", "type", "split"):
            if key not in c:
                raise ValueError(f"{path}: case {c.get('id', '?')} has no '{key}'")
    return cases


def _chunks_by_id(settings) -> tuple[dict[str, Chunk], object]:
    from radassist.loaded import LoadedIndex
    from radassist.named_terms import vocabulary_for

    try:
        index = LoadedIndex.open(settings)
    except Exception:  # no index: passages without metadata, the generic vocabulary
        return {}, None
    return {c.id: c for c in index.chunks}, vocabulary_for(index)


def _passage(case: dict, chunks: dict[str, Chunk], rank: int = 1) -> Passage:
    chunk = chunks.get(case.get("passage_id", ""))
    if chunk is None or " ".join(chunk.text.split()) != " ".join(case["passage"].split()):
        chunk = Chunk(id=case.get("passage_id", case["id"]), doc_id=case.get("passage_id", "").split("#")[0],
                      text=case["passage"], section="", page=None, start=0, end=len(case["passage"]), hash="")
    return Passage(rank=rank, chunk=chunk, score=1.0)


def run(cases: list[dict], settings, vocab=None, chunks: dict[str, Chunk] | None = None) -> list[dict]:
    from radassist.verify import verify

    chunks = chunks or {}
    out = []
    for case in cases:
        t0 = time.perf_counter()
        checked = verify(f"{case['sentence'].rstrip()} [1]", [_passage(case, chunks)], settings.answer.verify_min_support, vocab)
        ms = (time.perf_counter() - t0) * 1000
        v = checked.verdicts[0]
        out.append({"id": case["id"], "split": case["split"], "type": case["type"], "label": case["label"],
                    "removed": not v.kept, "check": v.check, "reason": v.reason, "support": v.support, "ms": ms,
                    "quote": v.quote})
    return out


def latency(cases: list[dict], settings, vocab, chunks, answers: int = 40, reps: int = 3, seed: int = 7) -> dict:
    """Verification of a 5-sentence answer over 6 passages, caches cleared before each answer.

    `reps` series of `answers` answers; the reported p95 is the median of the series' p95s, so one
    busy moment on a shared machine does not decide it (bench/verifying.py does the same).
    """
    import os

    from radassist.verify import clear_caches, verify

    rng = random.Random(seed)
    by_passage = defaultdict(list)
    for c in cases:
        by_passage[c.get("passage_id", c["id"])].append(c)
    pids = sorted(by_passage)
    p50s, p95s, cpu95s, worst = [], [], [], 0.0
    for _rep in range(reps):
        times, cpu = [], []
        for _ in range(answers):
            chosen = rng.sample(pids, 6)
            passages = [_passage(by_passage[p][0], chunks, rank=i + 1) for i, p in enumerate(chosen)]
            sentences = [f"{rng.choice(by_passage[p])['sentence'].rstrip().rstrip('.')} [{i + 1}]."
                         for i, p in enumerate(chosen[:5])]
            clear_caches()
            t0, c0 = time.perf_counter(), time.process_time()
            verify(" ".join(sentences), passages, settings.answer.verify_min_support, vocab)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        times.sort()
        cpu.sort()
        cpu95s.append(cpu[min(len(cpu) - 1, int(round(0.95 * (len(cpu) - 1))))])
        p50s.append(statistics.median(times))
        p95s.append(times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))])
        worst = max(worst, times[-1])
    return {"answers": answers, "reps": reps, "sentences": 5, "passages": 6, "p50_ms": round(statistics.median(p50s), 1),
            "p95_ms": round(statistics.median(p95s), 1), "p95_runs_ms": [round(x, 1) for x in p95s],
            "max_ms": round(worst, 1), "cache": "cold", "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpu_p95_ms": round(statistics.median(cpu95s), 1)}


def summarize(results: list[dict]) -> dict:
    table: dict = {}
    for split in ("tune", "test"):
        rows = [r for r in results if r["split"] == split]
        types = {}
        for t in sorted({r["type"] for r in rows}):
            group = [r for r in rows if r["type"] == t]
            removed = sum(r["removed"] for r in group)
            types[t] = {"label": group[0]["label"], "n": len(group), "removed": removed,
                        "rate": round(removed / len(group), 3),
                        "checks": dict(Counter(r["check"] for r in group if r["removed"]).most_common())}
        faithful = [r for r in rows if r["label"] == "faithful"]
        unfaithful = [r for r in rows if r["label"] == "unfaithful"]
        table[split] = {
            "types": types,
            "faithful_removed": round(sum(r["removed"] for r in faithful) / max(1, len(faithful)), 3),
            "unfaithful_removed": round(sum(r["removed"] for r in unfaithful) / max(1, len(unfaithful)), 3),
            "n": len(rows),
            "per_sentence_ms_p95": round(sorted(r["ms"] for r in rows)[int(0.95 * (len(rows) - 1))], 1) if rows else None,
        }
    return table


def targets(summary: dict, lat: dict) -> list[dict]:
    test = summary["test"]
    out = []
    for t, row in test["types"].items():
        if row["label"] != "unfaithful":
            continue
        limit = STRICT_TYPES.get(t, TYPE_TARGET)
        applies = row["n"] >= MIN_CASES or t in STRICT_TYPES
        out.append({"target": f"{t} removed", "limit": f">= {limit:.2f}", "measured": f"{row['rate']:.3f} (n={row['n']})",
                    "met": row["rate"] >= limit if applies else None,
                    "note": "" if row["n"] >= MIN_CASES else f"fewer than {MIN_CASES} test cases"})
    out.append({"target": "faithful removed", "limit": f"<= {FAITHFUL_MAX:.2f}", "measured": f"{test['faithful_removed']:.3f}",
                "met": test["faithful_removed"] <= FAITHFUL_MAX, "note": ""})
    out.append({"target": "5 sentences over 6 passages, p95", "limit": f"<= {LATENCY_P95_MS:.0f} ms",
                "measured": f"{lat['p95_ms']:.0f} ms", "met": lat["p95_ms"] <= LATENCY_P95_MS, "note": "cold cache"})
    return out


def render(summary: dict, lat: dict, tgts: list[dict], meta: dict) -> str:
    mark = {True: "met", False: "MISSED", None: "n/a"}
    lines = ["# Citation verification: evals/verify.jsonl", "",
             f"Generated by `python -m radassist.verify_eval` on {meta['created']} "
             f"({meta['cases']} cases, verify_min_support {meta['min_support']}, vocabulary: {meta['vocabulary']}). "
             "Rules are tuned on `tune`; `test` is only looked at through these numbers.", "",
             "## Targets (test split)", "", "| target | limit | measured | result | note |", "|---|---|---|---|---|"]
    lines += [f"| {t['target']} | {t['limit']} | {t['measured']} | {mark[t['met']]} | {t['note']} |" for t in tgts]
    for split in ("tune", "test"):
        s = summary[split]
        lines += ["", f"## {split} split ({s['n']} cases)", "",
                  f"Unfaithful removed: {s['unfaithful_removed']:.3f}; faithful removed: {s['faithful_removed']:.3f}; "
                  f"one sentence against one passage, p95 {s['per_sentence_ms_p95']} ms.", "",
                  "| type | label | n | removed | rate | removed by |", "|---|---|---|---|---|---|"]
        for t, row in sorted(s["types"].items(), key=lambda kv: (kv[1]["label"], kv[0])):
            checks = ", ".join(f"{k} {v}" for k, v in row["checks"].items())
            lines.append(f"| {t} | {row['label']} | {row['n']} | {row['removed']} | {row['rate']:.3f} | {checks} |")
    lines += ["", "## Latency", "",
              f"{lat['reps']} series of {lat['answers']} answers of {lat['sentences']} sentences over {lat['passages']} "
              f"passages, built from the set's sentences and passages; caches cleared before each answer: p50 "
              f"{lat['p50_ms']} ms, p95 {lat['p95_ms']} ms (median over the series; per series "
              f"{', '.join(str(x) for x in lat['p95_runs_ms'])} ms), max {lat['max_ms']} ms; load average at the end "
              f"{lat['load_average']} on a machine shared with other work; CPU time of the process, p95 "
              f"{lat['cpu_p95_ms']} ms (what the work costs without waiting for a core). `make bench` measures the same on answers "
              "over retrieved passages (bench/verifying.py).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="evals/verify.jsonl")
    parser.add_argument("--out", default="evals/reports", help="folder for verify.md and verify.json")
    parser.add_argument("--index", help="index folder (default: settings)")
    parser.add_argument("--show", choices=("tune",), help="print the cases of this split that are judged wrongly")
    parser.add_argument("--split", choices=("tune", "test"), help="evaluate only this split (tuning: tune); implies --no-write")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    overrides = {"index_dir": Path(args.index)} if args.index else {}
    settings = load_settings(**overrides)
    cases = load_cases(Path(args.set))
    if args.split:
        cases, args.no_write = [c for c in cases if c["split"] == args.split], True
    chunks, vocab = _chunks_by_id(settings)
    from radassist.embed import get_embedder

    get_embedder("use").embed_query("warm")
    results = run(cases, settings, vocab, chunks)
    lat = latency(cases, settings, vocab, chunks)
    summary = summarize(results)
    tgts = targets(summary, lat) if summary["test"]["n"] else []
    meta = {"created": dt.datetime.now().isoformat(timespec="seconds"), "cases": len(cases),
            "min_support": settings.answer.verify_min_support,
            "vocabulary": "index" if vocab is not None else "generic (no index)"}
    if args.show:
        by_id = {c["id"]: c for c in cases}
        for r in results:
            if r["split"] == args.show and r["removed"] != (r["label"] == "unfaithful"):
                c = by_id[r["id"]]
                print(f"{r['id']} {r['type']:15} {'REMOVED' if r['removed'] else 'kept   '} {r['support']:.2f} "
                      f"{r['check']}: {r['reason']}\n    S: {c['sentence']}\n    Q: {r['quote']}\n    N: {c.get('note', '')}")
    for split in ("tune", "test"):
        s = summary[split]
        if not s["n"]:
            continue
        rates = ", ".join(f"{t} {row['rate']:.2f}" for t, row in sorted(s["types"].items()))
        if args.show == split:
            for t, row in sorted(s["types"].items()):
                print(f"  {t:16} {row['removed']}/{row['n']}  {row['checks']}")
        print(f"{split}: faithful removed {s['faithful_removed']:.3f}, unfaithful removed {s['unfaithful_removed']:.3f} | {rates}")
    print(f"latency 5 sentences / 6 passages: p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms")
    for t in tgts:
        print(f"  {t['target']:38} {t['limit']:>9} {t['measured']:>18}  {({True: 'met', False: 'MISSED', None: 'n/a'})[t['met']]}")
    if not args.no_write:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "verify.md").write_text(render(summary, lat, tgts, meta), encoding="utf-8")
        (out / "verify.json").write_text(json.dumps({"meta": meta, "summary": summary, "latency": lat, "targets": tgts},
                                                    ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {out / 'verify.md'} and {out / 'verify.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
