"""Citation verification of an LLM answer: 5 sentences over the 6 passages retrieval returns.

For each bench question the sample index is searched (k = 6). The "LLM answer" is written from
those passages the way models write: verbatim sentences, shortened ones, a number changed, a
negation added, a sentence with an invalid marker, each cited [n]. `verify()` runs with the
configured `answer.verify_min_support` and the index's vocabulary, as in `Engine._llm_answer`.

- cold: sentence vectors and parsed clauses forgotten before every answer (a question whose
  passages were never seen);
- warm: the same answers again (popular passages come back; what a busy chat mostly sees).

Target: p95 <= 150 ms cold. The p95 is the median of the per-repetition p95s, as in the other parts.
"""

from __future__ import annotations

import random
import re
import time

from common import LatencyRuns, log

TARGET_P95_MS = 150.0


def _answer(passages, rng: random.Random) -> str:
    """Five cited sentences from the passages, some faithful, some with the errors verification catches."""
    from radassist.text import split_sentences

    sentences = []
    for p in passages:
        text = p.chunk.text
        sentences += [(p.rank, text[a:b]) for a, b in split_sentences(text) if len(text[a:b].split()) >= 6]
    rng.shuffle(sentences)
    out = []
    for i, (rank, s) in enumerate(sentences[:5]):
        s = s.rstrip(". ")
        kind = i % 5
        if kind == 1:
            s = re.sub(r"\b(is|zijn|wordt|worden|heeft|hebben|blijft)\b", r"\1 niet", s, count=1)
        elif kind == 2:
            s = re.sub(r"\b(twee|drie|vier|zes|\d+)\b", "negen", s, count=1)
        elif kind == 3:
            s = s.split(",")[0]
        out.append(f"{s} [{rank if kind != 4 else 9}].")
    while len(out) < 5:
        out.append("Dit is een zin zonder steun in de bronnen [1].")
    return " ".join(out)


def verify_latency(settings, queries: list[str], reps: int) -> dict:
    from radassist.engine import Engine
    from radassist.named_terms import vocabulary_for
    from radassist.verify import clear_caches, verify

    engine = Engine(settings)
    engine.warm_up()
    vocab = vocabulary_for(engine.index)
    rng = random.Random(11)
    answers = []
    for q in queries:
        passages = engine.search(q, k=6).passages
        if len(passages) == 6:
            answers.append((passages, _answer(passages, rng)))
    log(f"verify: {len(answers)} answers of 5 sentences over 6 retrieved passages x {reps}")
    min_support = settings.answer.verify_min_support
    cold, warm = LatencyRuns(), LatencyRuns()
    kept = removed = 0
    for rep in range(reps):
        cold_ms, warm_ms = [], []
        for passages, text in answers:
            clear_caches()
            t0 = time.perf_counter()
            checked = verify(text, passages, min_support, vocab)
            cold_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            verify(text, passages, min_support, vocab)
            warm_ms.append((time.perf_counter() - t0) * 1000)
            if rep == 0:
                kept += sum(v.kept for v in checked.verdicts)
                removed += sum(not v.kept for v in checked.verdicts)
        cold.add_run(cold_ms)
        warm.add_run(warm_ms)
        log(f"verify: repetition {rep + 1}/{reps}: p95 cold {sorted(cold_ms)[int(0.95 * (len(cold_ms) - 1))]:.0f} ms")
    return {"cold": cold.summary(), "warm": warm.summary(), "answers": len(answers),
            "sentences_kept_removed": [kept, removed], "sentences": 5, "passages": 6}


def targets(results: dict) -> list[dict]:
    """The verification row of the target table (bench/report.py keeps the others)."""
    p95 = (results.get("verify") or {}).get("cold", {}).get("p95_ms")
    return [{"id": "verify_p95", "what": "Verification of a 5-sentence LLM answer over 6 passages, p95 (cold)",
             "limit": f"<= {TARGET_P95_MS:.0f} ms", "measured": f"{p95:.0f} ms" if p95 is not None else "-",
             "met": p95 <= TARGET_P95_MS if p95 is not None else None,
             "ratio": p95 / TARGET_P95_MS if p95 is not None else None}]


if __name__ == "__main__":  # one part on its own: python bench/verifying.py
    import json
    import shutil
    import sys
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import radassist  # noqa: F401

    from common import questions
    from run import _sample_index_quickly

    work = Path(tempfile.mkdtemp(prefix="radassist-bench-verify-"))
    try:
        bench_settings = _sample_index_quickly(work)
        qs, _source = questions(50)
        result = {"verify": verify_latency(bench_settings, qs, int(sys.argv[1]) if len(sys.argv) > 1 else 5)}
        print(json.dumps({**result, "targets": targets(result)}, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
