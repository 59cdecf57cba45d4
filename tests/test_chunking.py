"""Chunks follow sections, hold whole sentences and point exactly into the document text."""

from radassist.chunking import chunk_document
from radassist.settings import ChunkSettings
from radassist.types import DocMeta, Document


def doc_with_sections() -> Document:
    intro = "Inleiding\n\n" + " ".join(f"Zin nummer {i} over het casusoverleg en de weging." for i in range(40))
    second = "Werkwijze\n\nDe procesregisseur zit het overleg voor. Hij legt het plan van aanpak vast."
    text = intro + "\n\n" + second
    return Document(
        meta=DocMeta(id="d", title="Doc"), path="d.md", text=text, sha256="x",
        sections=[(0, "1 Inleiding"), (len(intro) + 2, "2 Werkwijze")],
    )


def test_chunks_never_cross_sections_and_offsets_are_exact():
    doc = doc_with_sections()
    chunks = chunk_document(doc, ChunkSettings(target_words=60, max_words=90, min_words=10))
    assert len(chunks) >= 4
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert doc.section_at(c.start) == doc.section_at(c.end - 1) == c.section
    assert chunks[-1].section == "2 Werkwijze"
    assert all(len(c.text.split()) <= 90 for c in chunks)


def test_consecutive_chunks_overlap_by_one_sentence():
    doc = doc_with_sections()
    chunks = [c for c in chunk_document(doc, ChunkSettings(target_words=60, max_words=90, min_words=10))
              if c.section == "1 Inleiding"]
    last_sentence = chunks[0].text.rsplit(". ", 1)[-1]
    assert chunks[1].text.startswith(last_sentence.rstrip("."))


def test_short_tail_joins_previous_chunk():
    text = "Titel\n\n" + " ".join(["Een zin van precies acht woorden lang hier."] * 8) + " Kort slot."
    doc = Document(meta=DocMeta(id="t", title="T"), path="t.md", text=text, sha256="x", sections=[(0, "Titel")])
    chunks = chunk_document(doc, ChunkSettings(target_words=40, max_words=80, min_words=10))
    assert chunks[-1].text.endswith("Kort slot.")
    assert len(chunks[-1].text.split()) > 10


def test_overlong_sentence_is_cut_at_a_clause():
    long = ", ".join(["de partner deelt informatie"] * 60) + "."
    doc = Document(meta=DocMeta(id="l", title="L"), path="l.md", text=long, sha256="x")
    chunks = chunk_document(doc, ChunkSettings(target_words=50, max_words=60, min_words=5))
    assert len(chunks) > 1 and all(len(c.text.split()) <= 60 for c in chunks)


def test_chunk_hash_changes_with_text_only():
    doc = doc_with_sections()
    a = chunk_document(doc, ChunkSettings())
    b = chunk_document(doc, ChunkSettings())
    assert [c.hash for c in a] == [c.hash for c in b]
