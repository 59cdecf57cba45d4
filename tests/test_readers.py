"""Each format is read into text with sections (and pages for PDFs); offsets point into the text."""

from pathlib import Path

import pytest

from radassist.catalog import load_catalog
from radassist.documents import read_document, scan_corpus
from radassist.settings import ReadingSettings
from radassist.types import Document, ReadError

from conftest import REALDOCS


def read(corpus: Path, rel: str) -> Document:
    files, _ = scan_corpus(corpus, ReadingSettings())
    info = next(f for f in files if f.rel == rel)
    doc, _warnings = read_document(info, load_catalog(corpus), ReadingSettings())
    return doc


def test_markdown_front_matter_gives_metadata_and_sections(mini_corpus):
    doc = read(mini_corpus, "notities/weegploeg.md")
    assert doc.meta.id == "md-weegploeg"
    assert doc.meta.type == "factsheet" and doc.meta.themes == ["melding-en-weging"]
    assert doc.meta.date == "2024-03-01"
    start = doc.text.index("De weegploeg kan besluiten")
    assert doc.section_at(start) == "Besluiten"
    assert doc.page_at(start) is None


def test_markdown_without_front_matter_derives_title_and_id(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "werk_instructie.md").write_text("# Werkinstructie melding\n\nTekst over melden.\n")
    doc = read(tmp_path / "c", "werk_instructie.md")
    assert doc.meta.title == "Werkinstructie melding"
    assert doc.meta.id == "werk_instructie" and doc.meta.type == "other"


def test_html_skips_scripts_and_keeps_headings(mini_corpus):
    doc = read(mini_corpus, "nazorg.html")
    assert "alert" not in doc.text
    assert doc.meta.title == "Nazorg na detentie"
    assert doc.section_at(doc.text.index("Huisvesting is")) == "Huisvesting"


def test_docx_headings_become_sections(mini_corpus):
    doc = read(mini_corpus, "interview.docx")
    assert doc.meta.title == "Interview met een wijkagent"
    assert doc.section_at(doc.text.index("Volgens de wijkagent")) == "Lessen"


def test_pdf_keeps_page_numbers_and_outline_sections(mini_corpus):
    doc = read(mini_corpus, "rapport.pdf")
    at = doc.text.index("Deelnemers ontdekken")
    assert doc.page_at(at) == 2
    assert doc.section_at(at) == "2 Opbrengsten"
    assert doc.page_at(doc.text.index("Een casussimulatie")) == 1


def test_txt_is_read_as_paragraphs(mini_corpus):
    doc = read(mini_corpus, "signalen.txt")
    assert "Er bestaat geen vaste lijst" in doc.text
    assert doc.meta.title == "Signalen"


def test_invalid_utf8_is_a_read_error_naming_the_file(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "oud.txt").write_bytes("Caf\xe9 en co\xf6rdinatie".encode("latin-1"))
    files, _ = scan_corpus(tmp_path / "c", ReadingSettings())
    with pytest.raises(ReadError, match="oud.txt"):
        read_document(files[0], {}, ReadingSettings())


@pytest.mark.skipif(not REALDOCS.exists(), reason="../shared/realdocs not present")
def test_real_parliamentary_pdfs_have_page_numbers():
    folder = REALDOCS / "SSC-ICT-Innovatie_LearningLion_kamervragen"
    files, skipped = scan_corpus(folder, ReadingSettings())
    assert len(files) == 4 and not skipped
    for info in files:
        doc, _ = read_document(info, {}, ReadingSettings())
        pages = [p for _, p in doc.pages]
        assert pages[0] == 1 and pages == sorted(pages) and len(pages) >= 2
        assert len(doc.text) > 1000


def test_pdf_sentence_over_a_page_break_stays_whole(tmp_path):
    from conftest import make_pdf

    corpus = tmp_path / "c"
    make_pdf(corpus / "r.pdf", "R", [
        [("1 Begin", "De verantwoordelijkheid voor de uitvoering ligt bij de casemanager van een")],
        [("", "betrokken organisatie. Daarna volgt de evaluatie.")],
    ])
    doc = read(corpus, "r.pdf")
    assert "casemanager van een betrokken organisatie." in doc.text
    assert doc.page_at(doc.text.index("betrokken organisatie")) == 2
    assert doc.page_at(doc.text.index("casemanager")) == 1
