"""The illustrative sample corpus: catalog, sources, reproducible rendering, spelling of facts.

Reads the real files in corpus/ and corpus_src/. Text checks run on the Markdown sources only;
pypdf is used just for page counts and the "pagina N van M" footers of the rendered PDFs.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SRC = ROOT / "corpus_src"

DOC_SUFFIXES = {".pdf", ".docx", ".md", ".html", ".txt"}
TYPES = {"rapport", "factsheet", "interview"}
CONFIDENTIALITY = {"openbaar", "intern"}
THEMES = {
    "casusoverleg", "melding-en-weging", "procesregie", "privacy", "signalen", "opleiding",
    "casussimulatie", "themabijeenkomsten", "nazorg-detentie", "terugkeerders", "jeugd", "online",
    "zorg-ggz", "borging", "samenwerking", "regionale-aanpak",
}
REGIONS = {
    "landelijk", "Haaglanden", "Hollands Midden", "Rotterdam-Rijnmond", "Amsterdam-Amstelland",
    "Gelderland-Midden", "Fryslân", "Limburg", "Noord-Holland Noord", "Twente", "Zeeland",
    "Utrecht", "Midden- en West-Brabant",
}
FACTSHEET_IDS = [
    "fs-01-casusoverleg", "fs-02-melding-en-weging", "fs-03-procesregie",
    "fs-04-privacy-gegevensdeling", "fs-05-signalen-en-duiding", "fs-06-opleidingsmodules",
    "fs-07-casussimulatie", "fs-08-themabijeenkomsten", "fs-09-nazorg-detentie",
    "fs-10-terugkeerders", "fs-11-minderjarigen-jeugd", "fs-12-online-radicalisering",
    "fs-13-samenwerking-zorg-ggz", "fs-14-borging-kwaliteit",
]
FACTSHEET_SECTIONS = [
    "Waar gaat het over", "Werkwijze", "Opbrengsten", "Geleerde lessen",
    "Tips voor de praktijk", "Meer weten",
]
INTERVIEW_SECTIONS = [
    "Context", "Belangrijkste punten", "In de woorden van de geïnterviewde", "Lessen",
    "Advies aan collega's",
]
INTERN_INTERVIEWS = {"int-03", "int-08"}


def _load_render():
    spec = importlib.util.spec_from_file_location("corpus_render", SRC / "render.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


render = _load_render()
SOURCES = render.find_sources(SRC)
SOURCE_BY_ID = {doc.id: doc for doc in SOURCES}


def _catalog() -> list[dict]:
    data = yaml.safe_load((CORPUS / "catalog.yaml").read_text(encoding="utf-8"))
    return data["documents"]


def _source_text(doc) -> str:
    """Front matter title plus body, with Markdown markup removed."""
    body = re.sub(r"^#+\s*|^- ", "", doc.body, flags=re.M).replace("**", "")
    return doc.meta["title"] + "\n" + body


ALL_TEXT = {doc.id: _source_text(doc) for doc in SOURCES}


# --------------------------------------------------------------------------- catalog

def test_catalog_lists_existing_files():
    for entry in _catalog():
        assert (CORPUS / entry["file"]).is_file(), f"{entry['id']}: {entry['file']} is missing"


def test_every_document_file_is_catalogued():
    listed = {entry["file"] for entry in _catalog()}
    on_disk = {
        path.relative_to(CORPUS).as_posix()
        for path in CORPUS.rglob("*")
        if path.is_file() and path.suffix.lower() in DOC_SUFFIXES and path != CORPUS / "README.md"
    }
    assert on_disk - listed == set(), "files in corpus/ without a catalog entry"
    assert listed - on_disk == set()


def test_catalog_ids_unique_and_fields_valid():
    entries = _catalog()
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert set(entry) == {"id", "file", "title", "type", "themes", "region", "date",
                              "confidentiality"}, entry["id"]
        assert entry["type"] in TYPES, entry["id"]
        assert entry["confidentiality"] in CONFIDENTIALITY, entry["id"]
        assert entry["themes"] and set(entry["themes"]) <= THEMES, entry["id"]
        assert entry["region"] in REGIONS, entry["id"]
        dt.date.fromisoformat(str(entry["date"]))


def test_catalog_has_the_fixed_document_set():
    by_type: dict[str, list[str]] = {}
    for entry in _catalog():
        by_type.setdefault(entry["type"], []).append(entry["id"])
    assert by_type["rapport"] == ["rapport-flexteam-2025"]
    assert by_type["factsheet"] == FACTSHEET_IDS
    interviews = by_type["interview"]
    assert [i[:6] for i in interviews] == [f"int-{n:02d}" for n in range(1, 11)]


# --------------------------------------------------------------------------- sources

@pytest.mark.parametrize("doc", SOURCES, ids=lambda d: d.id)
def test_source_front_matter(doc):
    meta = doc.meta
    assert doc.path.stem == meta["id"]
    assert meta["illustratief"] is True
    assert meta["type"] in TYPES and meta["confidentiality"] in CONFIDENTIALITY
    assert meta["themes"] and set(meta["themes"]) <= THEMES
    assert meta["region"] in REGIONS
    assert isinstance(meta["date"], dt.date), "date must be YYYY-MM-DD"
    titles = [b.text for b in doc.blocks if b.kind == "title"]
    assert titles == [meta["title"]], "exactly one '#' title, equal to the front matter title"
    if meta["type"] == "interview":
        expected = "intern" if meta["id"][:6] in INTERN_INTERVIEWS else "openbaar"
        assert meta["confidentiality"] == expected
    elif meta["type"] == "factsheet":
        assert meta["confidentiality"] == "openbaar"
    else:
        assert meta["confidentiality"] == "intern"


@pytest.mark.parametrize("doc", SOURCES, ids=lambda d: d.id)
def test_no_empty_sections(doc):
    """A heading must be followed by text, or by a deeper heading that has text."""
    level = {"title": 1, "h1": 2, "h2": 3}
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if block.kind not in level:
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        empty = nxt is None or (nxt.kind in level and level[nxt.kind] <= level[block.kind])
        assert not empty, f"{doc.id}: section '{block.text}' is empty"


def test_fixed_sections():
    for doc in SOURCES:
        chapters = [b.text for b in doc.blocks if b.kind == "h1"]
        if doc.type == "factsheet":
            assert chapters == FACTSHEET_SECTIONS, doc.id
        elif doc.type == "interview":
            assert chapters == INTERVIEW_SECTIONS, doc.id
        else:
            numbered = [c for c in chapters if re.match(r"\d+ ", c)]
            assert [int(c.split()[0]) for c in numbered] == list(range(1, len(numbered) + 1))


@pytest.mark.parametrize("doc", SOURCES, ids=lambda d: d.id)
def test_plain_ascii_punctuation(doc):
    bad = re.findall(r"[\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u00a0]", doc.body)
    assert not bad, f"{doc.id}: use straight quotes and plain hyphens, found {set(bad)}"
    doc.body.encode("latin-1")  # the PDF core fonts are latin-1


# --------------------------------------------------------------------------- rendering

def test_render_is_reproducible(tmp_path):
    pytest.importorskip("fpdf")
    pytest.importorskip("docx")
    render.render_all(SRC, tmp_path, quiet=True)
    fresh = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    current = {
        p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
        if p.is_file() and p != CORPUS / "README.md"
    }
    assert fresh == current, "corpus/ is out of date: run make corpus"
    differing = [rel for rel in sorted(fresh)
                 if (tmp_path / rel).read_bytes() != (CORPUS / rel).read_bytes()]
    assert not differing, f"re-rendering changed {differing}: run make corpus"


def test_pdf_footers_number_pages():
    from pypdf import PdfReader

    for pdf in sorted(CORPUS.rglob("*.pdf")):
        reader = PdfReader(pdf)
        total = len(reader.pages)
        assert total > 0
        for number, page in enumerate(reader.pages, start=1):
            found = re.findall(r"pagina (\d+) van (\d+)", page.extract_text())
            assert found == [(str(number), str(total))], f"{pdf.name} page {number}: {found}"


def test_factsheets_are_short():
    from pypdf import PdfReader

    for pdf in sorted((CORPUS / "factsheets").glob("*.pdf")):
        assert 1 <= len(PdfReader(pdf).pages) <= 3, pdf.name


# --------------------------------------------------------------------------- facts

# (loose pattern, accepted spellings): every case-insensitive match must be spelled as accepted.
CANONICAL = [
    (r"dreigingsbeeld[\s-]+terrorisme[\s-]+(?:in[\s-]+)?nederland", {"Dreigingsbeeld Terrorisme Nederland"}),
    (r"\bwet[\s-]*pga\b", {"Wet PGA"}),
    (r"wet\s+gegevensverwerking\s+persoonsgerichte\s+aanpak\s+radicalisering\s+en\s+terroristische"
     r"\s+activiteiten", {"Wet gegevensverwerking persoonsgerichte aanpak radicalisering en "
                          "terroristische activiteiten"}),
    (r"wet\s+gegevensverwerking\s+(?:door\s+)?samenwerkingsverbanden",
     {"Wet gegevensverwerking door samenwerkingsverbanden"}),
    (r"landelijk[e]?[\s-]+steunpunt[\s-]+extremism[e]?", {"Landelijk Steunpunt Extremisme"}),
    (r"expertise[\s-]*unit[\s-]+sociale[\s-]+stabiliteit", {"Expertise-unit Sociale Stabiliteit"}),
    (r"rijks[\s-]*opleidingsinstituut[\s-]+(?:voor[\s-]+)?(?:het[\s-]+)?tegengaan[\s-]+(?:van[\s-]+)?"
     r"radicalisering", {"Rijksopleidingsinstituut tegengaan Radicalisering"}),
    (r"nationale[\s-]+contra[\s-]*terrorisme[\s-]*strategie", {"Nationale Contraterrorismestrategie"}),
    (r"multidisciplinai?re?\s+afstemmingsoverleg\s+resocialisatie",
     {"Multidisciplinair Afstemmingsoverleg Resocialisatie"}),
    (r"wpg[\s-]*machtigingsbesluit", {"Wpg-machtigingsbesluit"}),
    (r"vroegsignalering\s+van\s+radicalisering\s+in\s+het\s+lokale\s+domein",
     {"Vroegsignalering van radicalisering in het lokale domein"}),
    (r"handvat\s+gegevens[\s-]*uitwisseling", {"Handvat gegevensuitwisseling"}),
    (r"\bp\.?i\.?\s+vught", {"PI Vught"}),
    (r"\bp\.?i\.?\s+zwolle", {"PI Zwolle"}),
    (r"\bp\.?i\.?\s+rotterdam", {"PI Rotterdam"}),
    (r"\bde\s+schie\b", {"De Schie"}),
    (r"\brspog\b", {"Rspog"}),
    (r"\bteam[\s-]*ter\b(?![a-z])", {"Team TER", "team ter"}),  # 'team ter ...' is Dutch prose
    (r"raad\s+voor\s+de\s+kinderbescherming", {"Raad voor de Kinderbescherming"}),
    (r"zorg[\s-]+en[\s-]+veiligheidshui(?:s|zen)",
     {"Zorg- en Veiligheidshuis", "Zorg- en Veiligheidshuizen"}),
    (r"acht[\s-]*stappen[\s-]*plan", {"achtstappenplan", "Achtstappenplan"}),
    (r"opschalings[\s-]*verlegenheid", {"opschalingsverlegenheid", "Opschalingsverlegenheid"}),
    (r"midden[\s-]*en[\s-]*west[\s-]*brabant", {"Midden- en West-Brabant"}),
    (r"noord[\s-]*holland[\s-]*noord", {"Noord-Holland Noord"}),
    (r"\bhollands?[\s-]+midden", {"Hollands Midden"}),
    (r"rotterdam[\s-]+rijnmond|rotterdam-rijnmond", {"Rotterdam-Rijnmond"}),
    (r"amsterdam[\s-]+amstelland|amsterdam-amstelland", {"Amsterdam-Amstelland"}),
    (r"gelderland[\s-]+midden|gelderland-midden", {"Gelderland-Midden"}),
    (r"\bfrysl[aâ]n\b|\bfriesland\b", {"Fryslân"}),
]

# Forbidden outright (case-sensitive), with the reason.
FORBIDDEN = [
    (r"\bZVHs\b", "write ZVH's"),
    (r"\bWPGA\b", "write Wet PGA"),
    (r"Kamerstuk(?:ken)?\s+(?!36225\b)\d", "the Wet PGA is Kamerstuk 36225"),
    (r"\b36[ .]225\b", "write 36225"),
]

# The quoted name after 'Module N' must be the module's canonical title.
MODULES = {
    "1": "Signalen en duiding",
    "2": "Procesregie in het casusoverleg radicalisering",
    "3": "Gegevensdeling in de persoonsgerichte aanpak",
}

# (trigger in the sentence, extra condition or None, the date that must be among its dates)
MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
          "december")
FULL_DATE = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}\b")
MONTH_YEAR = re.compile(rf"\b(?:{MONTHS}) \d{{4}}\b")
DATED_FACTS = [
    (r"\bWGS\b|samenwerkingsverbanden", r"Eerste Kamer|aangenomen", FULL_DATE, "18 juni 2024"),
    (r"[Mm]achtigingsbesluit", None, FULL_DATE, "10 juli 2017"),
    (r"Vroegsignalering van radicalisering|[Ii]nspectierapport", None, FULL_DATE, "8 augustus 2024"),
    (r"Contraterrorismestrategie", r"vastgesteld|aangenomen", FULL_DATE, "20 mei 2022"),
    (r"Handvat gegevensuitwisseling", r"2\.0|versie", MONTH_YEAR, "maart 2019"),
    (r"Limburg", r"[Cc]onvenant", MONTH_YEAR, "maart 2020"),
    (r"Twbmt", None, FULL_DATE, "1 maart 2027"),
]
# (label, pattern with the year(s) as group 1, required)
SINCE_YEARS = [
    ("LSE", r"(?:Landelijk Steunpunt Extremisme|\bLSE\b)[^.]{0,40}?\bsinds (\d{4})", "2015"),
    ("ROR", r"(?:Rijksopleidingsinstituut tegengaan Radicalisering|\bROR\b)[^.]{0,40}?\bsinds (\d{4})",
     "2015"),
    ("Team TER", r"Team TER[^.]{0,40}?\bsinds (\d{4})", "2012"),
    ("NCTS", r"Contraterrorismestrategie (\d{4}-\d{4})", "2022-2026"),
    ("Meerjarenagenda", r"Meerjarenagenda(?: ZVH)? (\d{4}-\d{4})", "2021-2024"),
]
DTN_LEVELS = {"minimaal": "1", "beperkt": "2", "aanzienlijk": "3", "substantieel": "4", "kritiek": "5"}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def test_canonical_spellings():
    problems = []
    for doc_id, text in ALL_TEXT.items():
        for pattern, accepted in CANONICAL:
            for match in re.finditer(pattern, text, flags=re.I):
                spelled = re.sub(r"\s+", " ", match.group(0))
                if spelled not in accepted:
                    problems.append(f"{doc_id}: '{spelled}' should be {sorted(accepted)[0]!r}")
        for pattern, why in FORBIDDEN:
            for match in re.finditer(pattern, text):
                problems.append(f"{doc_id}: '{match.group(0)}' ({why})")
    assert not problems, "\n".join(problems)


def test_module_titles():
    problems = []
    for doc_id, text in ALL_TEXT.items():
        for number, title in re.findall(r"[Mm]odule (\d),?\s+['\"]([^'\"]+)['\"]", text):
            if MODULES.get(number) != title:
                problems.append(f"{doc_id}: Module {number} '{title}'")
    assert not problems, "\n".join(problems)


def test_dates_of_public_facts():
    problems = []
    for doc_id, text in ALL_TEXT.items():
        for sentence in _sentences(text):
            for trigger, condition, date_re, required in DATED_FACTS:
                if not re.search(trigger, sentence):
                    continue
                if condition and not re.search(condition, sentence):
                    continue
                dates = date_re.findall(sentence)
                if dates and required not in dates:
                    problems.append(f"{doc_id}: expected {required!r} in: {sentence.strip()}")
        for label, pattern, required in SINCE_YEARS:
            for found in re.findall(pattern, text):
                if found != required:
                    problems.append(f"{doc_id}: {label} {found}, expected {required}")
    assert not problems, "\n".join(problems)


def test_dtn_levels_match_their_names():
    """'niveau 4 (substantieel)', 'substantieel (niveau 4)': the nearest level name must fit."""
    problems = []
    names = "|".join(DTN_LEVELS)
    for doc_id, text in ALL_TEXT.items():
        for match in re.finditer(r"niveau\s+(\d)", text):
            window_start = max(0, match.start() - 30)
            candidates = []
            for name in re.finditer(rf"\b({names})\b", text[window_start:match.end() + 30]):
                start = window_start + name.start()
                distance = match.start() - start if start < match.start() else start - match.end()
                candidates.append((distance, name.group(1)))
            if candidates:
                _, nearest = min(candidates)
                if DTN_LEVELS[nearest] != match.group(1):
                    problems.append(f"{doc_id}: niveau {match.group(1)} next to '{nearest}'")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- renderer on a fixture

FIXTURE_META = """---
id: {id}
title: "{title}"
type: {type}
themes: [borging]
region: landelijk
date: 2025-01-02
confidentiality: openbaar
illustratief: true
---

# {title}

"""


def _write_fixture(src: Path) -> None:
    (src / "rapport").mkdir(parents=True)
    (src / "interviews").mkdir()
    (src / "rapport" / "rapport-x.md").write_text(FIXTURE_META.format(
        id="rapport-x", title="Proef: een rapport", type="rapport") +
        "Inleiding met \u201ckrulquotes\u201d en een \u2013 streepje.\n\n"
        "### 0.1 Sectie zonder hoofdstuk\n\nTekst met **vet** erin.\n\n"
        "## 1 Hoofdstuk\n\n- punt een\n- punt **twee**\n", encoding="utf-8")
    for number, suffix in (("01", "docx"), ("07", "md")):
        (src / "interviews" / f"int-{number}-rol-regio.md").write_text(FIXTURE_META.format(
            id=f"int-{number}-rol-regio", title=f"Interview {number}", type="interview") +
            "## Context\n\nTekst.\n", encoding="utf-8")


def test_renderer_on_fixture(tmp_path):
    pytest.importorskip("fpdf")
    pytest.importorskip("docx")
    from pypdf import PdfReader

    src, out = tmp_path / "src", tmp_path / "out"
    _write_fixture(src)
    (out / "interviews").mkdir(parents=True)
    (out / "interviews" / "int-99-weg.docx").write_bytes(b"stale")
    (out / "interviews" / "eigen-notities.txt").write_text("not ours")
    render.render_all(src, out, quiet=True)

    assert not (out / "interviews" / "int-99-weg.docx").exists()
    assert (out / "interviews" / "eigen-notities.txt").exists()
    assert (out / "interviews" / "int-01-rol-regio.docx").is_file()
    assert (out / "interviews" / "int-07-rol-regio.md").read_bytes() == \
        (src / "interviews" / "int-07-rol-regio.md").read_bytes()
    reader = PdfReader(out / "rapport" / "rapport-x.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert '"krulquotes"' in text and "een - streepje" in text
    assert "Illustratief voorbeelddocument - openbaar" in text
    assert [item.title for item in reader.outline if not isinstance(item, list)] == \
        ["0.1 Sectie zonder hoofdstuk", "1 Hoofdstuk"]
    assert reader.metadata.title == "Proef: een rapport"
    catalog = yaml.safe_load((out / "catalog.yaml").read_text(encoding="utf-8"))["documents"]
    assert [entry["file"] for entry in catalog] == [
        "rapport/rapport-x.pdf", "interviews/int-01-rol-regio.docx", "interviews/int-07-rol-regio.md"]
