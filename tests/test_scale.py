"""The corpus' own "no answer" level: written at index time, sane, and measured when missing."""

import json
import shutil

import numpy as np
import pytest

from conftest import CORPUS, make_settings
from radassist.embed import get_embedder
from radassist.index import LoadedIndex
from radassist.scale import SCALE_FILE, Scale, corpus_scale, measure_scale, probe_questions, write_scale


@pytest.fixture(scope="module")
def index(engine):
    return engine.index


def test_probe_questions_are_many_and_off_topic():
    probes = probe_questions()
    assert len(probes) >= 30
    assert len(set(probes)) == len(probes)
    assert all(not p.startswith("#") and p == p.strip() and p for p in probes)
    text = " ".join(probes).lower()
    for topic in ("radicalisering", "casus", "gemeente", "politie", "veiligheidshuis"):
        assert topic not in text


def test_scale_json_is_written_at_index_time_and_sane(index):
    path = index.folder / SCALE_FILE
    assert path.is_file()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"chunk_mean", "chunk_sd", "sentence_mean", "sentence_sd", "probes"}
    scale = Scale(**data)
    assert scale.probes == len(probe_questions())
    for mean, sd in ((scale.chunk_mean, scale.chunk_sd), (scale.sentence_mean, scale.sentence_sd)):
        assert 0.5 < mean < 0.95  # e5 cosines of unrelated text sit high but below on-topic ones
        assert 0.001 < sd < 0.1


def test_corpus_scale_reads_the_written_file(index):
    data = json.loads((index.folder / SCALE_FILE).read_text(encoding="utf-8"))
    assert corpus_scale(index) == Scale(**data)
    assert corpus_scale(index) is corpus_scale(index)  # kept on the index after the first read


def test_answerable_questions_stand_well_above_the_probe_level(index):
    embedder = get_embedder(index.settings.embedding.model)
    scale = corpus_scale(index)
    vectors = np.asarray(index.vectors, dtype=np.float32)

    def best_chunk(question):
        q = embedder.embed_query(question)
        return float((vectors @ (q / np.linalg.norm(q))).max())

    on_topic = scale.chunk(best_chunk("Hoe lang blijft een casus in de monitoringsfase van het casusoverleg?"))
    off_topic = scale.chunk(best_chunk("Wat is de hoofdstad van Peru?"))
    assert on_topic > 2.0  # standard deviations above "no answer"
    assert off_topic < 1.0
    assert on_topic > off_topic + 2.0


def test_measure_scale_reproduces_the_index_time_scale(index):
    measured = measure_scale(index.vectors, index.sentences.vectors, get_embedder(index.settings.embedding.model))
    written = corpus_scale(index)
    assert measured.probes == written.probes
    for name in ("chunk_mean", "chunk_sd", "sentence_mean", "sentence_sd"):
        assert getattr(measured, name) == pytest.approx(getattr(written, name), abs=1e-4)
    # Sentences are shorter and more numerous: their best match is at least as close as the best chunk's.
    assert measured.sentence_mean >= measured.chunk_mean - 0.02


def test_scale_arithmetic():
    s = Scale(chunk_mean=0.8, chunk_sd=0.02, sentence_mean=0.7, sentence_sd=0.01, probes=3)
    assert s.chunk(0.84) == pytest.approx(2.0)
    assert s.chunk(0.8) == pytest.approx(0.0)
    assert s.sentence(0.69) == pytest.approx(-1.0)
    tiny = Scale(sentence_mean=0.8, sentence_sd=0.0)
    assert tiny.sentence(0.801) == pytest.approx(1.0)  # the spread is floored at 0.001, never a division by zero


def test_measure_scale_without_vectors_or_sentences(index):
    embedder = get_embedder(index.settings.embedding.model)
    assert measure_scale(np.zeros((0, index.vectors.shape[1]), np.float32), None, embedder) == Scale()
    no_sentences = measure_scale(index.vectors, None, embedder)
    assert no_sentences.sentence_mean == no_sentences.chunk_mean
    assert no_sentences.sentence_sd == no_sentences.chunk_sd
    assert no_sentences.probes == len(probe_questions())


def test_sentence_batches_give_the_same_best_as_one_product():
    from radassist.scale import _best_in_batches

    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(1000, 16)).astype(np.float32)
    q = rng.normal(size=(7, 16)).astype(np.float32)
    assert np.allclose(_best_in_batches(matrix, q, rows=64), (matrix @ q.T).max(axis=0))


def test_write_scale_round_trips_and_leaves_no_temp_file(tmp_path):
    scale = Scale(0.79, 0.021, 0.8, 0.019, 50)
    write_scale(tmp_path, scale)
    assert [p.name for p in tmp_path.iterdir()] == [SCALE_FILE]
    assert Scale(**json.loads((tmp_path / SCALE_FILE).read_text(encoding="utf-8"))) == scale


@pytest.mark.parametrize("damage", ["missing", "garbled", "wrong keys"])
def test_scale_is_measured_and_written_when_missing(sample_index, sample_settings, tmp_path, damage):
    """An older generation without (or with a broken) scale.json gets one on first use."""
    copy = tmp_path / "index"
    shutil.copytree(sample_index, copy)
    settings = make_settings(CORPUS, copy)
    index = LoadedIndex.open(settings)
    path = index.folder / SCALE_FILE
    original = Scale(**json.loads(path.read_text(encoding="utf-8")))
    if damage == "missing":
        path.unlink()
    elif damage == "garbled":
        path.write_text("{not json", encoding="utf-8")
    else:
        path.write_text(json.dumps({"mean": 0.5}), encoding="utf-8")
    scale = corpus_scale(index)
    assert scale.probes == original.probes
    assert scale.chunk_mean == pytest.approx(original.chunk_mean, abs=1e-4)
    assert scale.sentence_sd == pytest.approx(original.sentence_sd, abs=1e-4)
    assert Scale(**json.loads(path.read_text(encoding="utf-8"))) == scale  # kept for next time
