"""Shared fixtures: real files, real Chroma, the real bundled models.

Building the sample-corpus index costs about a minute on 2 cores, so it is built once per test
session (`sample_index`) and shared read-only; tests that change an index build their own small one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import radassist  # noqa: F401  (sets the offline environment before anything else)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
REALDOCS = ROOT.parent / "shared" / "realdocs"


def make_settings(corpus: Path, index: Path, **extra):
    from radassist.settings import load_settings

    return load_settings(corpus_dir=corpus, index_dir=index, data_dir=index.parent / "var", **extra)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of the shipped sample corpus, built once per session. Treat as read-only."""
    from radassist.index import build_index

    base = tmp_path_factory.mktemp("sample")
    index_dir = base / "index"
    cache = ROOT / "index" / "cache" / "embeddings.sqlite"
    if cache.exists():
        # Reusing the developer's embedding cache only skips work; vectors are keyed by text hash.
        (index_dir / "cache").mkdir(parents=True)
        shutil.copy(cache, index_dir / "cache" / "embeddings.sqlite")
    build_index(make_settings(CORPUS, index_dir))
    return index_dir


@pytest.fixture(scope="session")
def sample_settings(sample_index):
    return make_settings(CORPUS, sample_index)


@pytest.fixture(scope="session")
def engine(sample_settings):
    from radassist.engine import Engine

    return Engine(sample_settings)


@pytest.fixture()
def env_index(sample_index, monkeypatch, tmp_path):
    """Environment for subprocesses and apps: the shared index, a private data dir."""
    monkeypatch.setenv("RADASSIST_INDEX_DIR", str(sample_index))
    monkeypatch.setenv("RADASSIST_CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("RADASSIST_DATA_DIR", str(tmp_path / "var"))
    return sample_index


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pytest_collection_modifyitems(config, items):
    # Browser tests are slowest: run them last so a failure elsewhere shows first.
    items.sort(key=lambda item: 1 if "browser" in item.keywords else 0)


# ----------------------------------------------------------------------------- a small corpus of every format

MD_DOC = """---
id: md-weegploeg
title: Notitie over de weegploeg
type: factsheet
themes: [melding-en-weging]
region: Twente
date: 2024-03-01
confidentiality: openbaar
---
# Notitie over de weegploeg

## Samenstelling

De weegploeg bestaat uit vertegenwoordigers van gemeente, politie en Openbaar Ministerie. Zij bespreken elke melding binnen twee weken.

## Besluiten

De weegploeg kan besluiten om geen actie te ondernemen, meer informatie te verzamelen of de casus in te brengen in het casusoverleg.
"""

HTML_DOC = """<html><head><title>Nazorg na detentie</title><script>alert('x')</script></head>
<body><h1>Nazorg na detentie</h1><h2>Voorbereiding</h2>
<p>De voorbereiding op terugkeer in de gemeente begint zes maanden voor de invrijheidstelling.</p>
<h2>Huisvesting</h2><p>Huisvesting is het grootste knelpunt bij de re-integratie van ex-gedetineerden.</p>
</body></html>"""

TXT_DOC = """Signalen van radicalisering

Er bestaat geen vaste lijst met signalen. Een enkel signaal betekent nog geen radicalisering.

Kijk daarom altijd naar meerdere signalen in samenhang en bespreek twijfels met collega's."""


def make_docx(path: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for heading, body in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def make_pdf(path: Path, title: str, pages: list[list[tuple[str, str]]]) -> Path:
    """A PDF with one outline entry per heading and the given (heading, body) sections per page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for sections in pages:
        pdf.add_page()
        for heading, body in sections:
            pdf.start_section(heading, level=0)
            pdf.set_font("Helvetica", style="B", size=13)
            pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


@pytest.fixture()
def mini_corpus(tmp_path) -> Path:
    """Five small Dutch documents, one per format."""
    corpus = tmp_path / "corpus"
    write(corpus / "notities" / "weegploeg.md", MD_DOC)
    write(corpus / "nazorg.html", HTML_DOC)
    write(corpus / "signalen.txt", TXT_DOC)
    make_docx(corpus / "interview.docx", "Interview met een wijkagent", [
        ("Context", "De wijkagent werkt sinds tien jaar in een middelgrote gemeente in het oosten van het land."),
        ("Lessen", "Volgens de wijkagent loont het om signalen vroeg te delen met de procesregisseur van het ZVH."),
    ])
    make_pdf(corpus / "rapport.pdf", "Rapport casussimulatie", [
        [("1 Inleiding", "Een casussimulatie is een rollenspel van een casusoverleg waarin deelnemers de rollen van de partners spelen.")],
        [("2 Opbrengsten", "Deelnemers ontdekken hoeveel informatie ongedeeld blijft wanneer iedere partner alleen oordeelt.")],
    ])
    return corpus
