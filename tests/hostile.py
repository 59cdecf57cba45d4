"""A corpus folder full of files that try to break the indexer, next to a few good documents.

    expected = make_hostile_corpus(tmp_path / "corpus", big_mb=21)
    report = build_index(settings)
    # every path in expected["skipped"] is in report.skipped, every id in expected["good"] is indexed

Everything is generated here (no fixtures on disk), small except the one "huge" text file whose
size is the point. Texts are short Dutch documents written for these tests only.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import zipfile
from pathlib import Path

GOOD_DIR = "goed"
COPY_DIR = "kopie"
HOSTILE_DIR = "vijandig"

# A word that occurs in exactly one good document, so a search can prove that document is there.
KEYWORDS = {
    "goed-wijkteam": "keukentafelgesprek",
    "goed-signalen": "duidingsoverleg",
    "goed-nazorg": "reclasseringstoezicht",
    "goed-procesregie": "veiligheidshuis",
}

WIJKTEAM_MD = """---
id: goed-wijkteam
title: Het wijkteam als vroege signaleerder
type: factsheet
themes: [samenwerking, signalen]
region: Utrecht
date: 2025-03-14
---

# Het wijkteam als vroege signaleerder

## Waarom het wijkteam

Medewerkers van het wijkteam komen bij gezinnen thuis. Tijdens een keukentafelgesprek horen zij
wat er speelt: zorgen over een zoon die zich terugtrekt, ruzie over geloof of geld, of een
dochter die online steeds hardere taal gebruikt. Zij zien zulke signalen vaak eerder dan politie
of school.

## Werkwijze

Een medewerker die zich zorgen maakt, bespreekt dat eerst met een collega en daarna met de
aandachtsfunctionaris van de gemeente. Samen wegen zij of de zorg past binnen het gewone
hulpaanbod of dat een melding bij de gemeente nodig is. Het gezin blijft zo veel mogelijk
betrokken en hoort wat er met de zorgen gebeurt.

## Geleerde lessen

Wijkteams vragen om korte lijnen en om een vast aanspreekpunt. Een jaarlijkse training over
signalen helpt, maar het gesprek met collega's over echte casussen helpt nog meer.
"""

SIGNALEN_HTML = """<!DOCTYPE html>
<html lang="nl">
<head><title>Signalen van radicalisering duiden</title></head>
<body>
<h1>Signalen van radicalisering duiden</h1>
<h2>Wat is een signaal</h2>
<p>Een signaal is een waarneming die zorgen oproept: een veranderde vriendenkring, nieuwe
uitspraken over andersdenkenden of het delen van gewelddadige filmpjes. Een enkel signaal zegt
weinig; het gaat om het patroon en om de context waarin het zich voordoet.</p>
<h2>Het duidingsoverleg</h2>
<p>In het duidingsoverleg leggen professionals van gemeente, politie en zorg hun waarnemingen
naast elkaar. Zij bespreken welke verklaringen er zijn en welke vragen nog open staan. Het
overleg eindigt met een gedeelde duiding en een afspraak over wie wat doet.</p>
<ul><li>Schrijf feiten en interpretaties apart op.</li>
<li>Vraag altijd naar beschermende factoren.</li></ul>
</body>
</html>
"""

NAZORG_PARAGRAPHS = [
    ("Title", "Nazorg na detentie"),
    ("Heading 1", "Aanleiding"),
    (None, "Wie na een straf voor een terroristisch misdrijf vrijkomt, staat vaak voor dezelfde vragen "
           "als andere ex-gedetineerden: waar ga ik wonen, hoe kom ik aan werk en wie helpt mij met "
           "mijn schulden. Daarnaast speelt de vraag hoe de omgeving op de terugkeer reageert."),
    ("Heading 1", "Aanpak"),
    (None, "De gemeente begint ruim voor de vrijlating met een plan. Het reclasseringstoezicht, de "
           "wijkagent en de zorg stemmen af wie het eerste gesprek voert en hoe vaak er contact is. "
           "Een vaste contactpersoon houdt het overzicht en spreekt de betrokkene wekelijks."),
    ("Heading 1", "Lessen"),
    (None, "Begin vroeg, spreek af wie eigenaar is van het plan en leg vast welke informatie gedeeld "
           "mag worden. Een goede start in de eerste weken na vrijlating voorkomt veel problemen later."),
]

PROCESREGIE_PDF = [
    ("1 Inleiding", "Deze notitie beschrijft de rol van de procesregisseur in het veiligheidshuis. "
     "De procesregisseur bewaakt dat afspraken uit het casusoverleg worden nagekomen en dat de "
     "juiste partners aan tafel zitten."),
    ("2 Taken van de procesregisseur", "De procesregisseur bereidt het overleg voor, maakt een "
     "verslag met heldere acties en volgt die acties op. Hij of zij spreekt partners aan als een "
     "afspraak niet wordt uitgevoerd en schaalt op naar de stuurgroep wanneer dat nodig is."),
    ("3 Randvoorwaarden", "Voor een goede procesregie zijn mandaat, tijd en een convenant over "
     "gegevensdeling nodig. Zonder die randvoorwaarden blijft de regie afhankelijk van de inzet "
     "van individuele medewerkers."),
]

BROKEN_FRONT_MATTER_MD = """---
title: [Voorkant zonder einde
themes: {signalen, jeugd
---

# Document met een kapotte voorkant

De kop van dit bestand is geen geldige YAML. De tekst eronder is gewoon bruikbaar en hoort in de
index terecht te komen, met een waarschuwing over de voorkant.
"""

SCRIPT_STYLE_HTML = """<html><head>
<title>Pagina met scripts</title>
<style>.geheim { color: red; } /* kleur-geheim */</style>
<script>var GEHEIM_SCRIPT = "dit mag nooit in de index";</script>
</head><body>
<script type="text/javascript">document.write("GEHEIM_SCRIPT ook hier");</script>
<style>p { font-family: kleur-geheim; }</style>
<noscript>GEHEIM_NOSCRIPT</noscript>
<h1>Pagina met scripts</h1>
<p>Alleen deze zichtbare tekst over het meldpunt hoort in de index; scripts en opmaak niet.</p>
</body></html>
"""

BAD_DATE_MD = """---
title: Verslag met een onmogelijke datum
date: 2024-02-30
---

Deze notitie heeft een datum die niet bestaat. De notitie zelf gaat over de weegploeg en hoort
gewoon in de index, met een waarschuwing over de voorkant.
"""

DEEP_YAML_MD = "---\nthemes: " + "[" * 5000 + "\n---\n\nVijfduizend geneste lijsten als voorkant; de tekst over jeugd telt.\n"


def billion_laughs_md(depth: int = 7) -> str:
    """Front matter whose title alias expands to 9**depth strings (30 MB as text at depth 7)."""
    lines = ["---", 'l0: &l0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    for n in range(1, depth):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    lines += [f"title: *l{depth - 1}", "---", "", "Een korte tekst onder een voorkant die ontploft als je hem uitpakt."]
    return "\n".join(lines) + "\n"


def huge_metadata_md() -> str:
    themes = ", ".join(f"thema-{n}" for n in range(2000))
    return (
        f"---\ntitle: {'Lange titel ' * 20_000}\nregion: {'Zeeland ' * 20_000}\nthemes: [{themes}]\n---\n\n"
        "Metadata van een megabyte hoort niet in elk fragment terug te komen; deze zin over nazorg wel.\n"
    )


DEEP_TEXT = "Deze zin staat honderdduizend lagen diep in de pagina en hoort toch gewoon gelezen te worden."


# ----------------------------------------------------------------------------- good documents

def pdf_bytes(title: str, sections: list[tuple[str, str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    for heading, body in sections:
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write_docx(path: Path, paragraphs: list[tuple[str | None, str]]) -> None:
    import docx

    document = docx.Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    document.core_properties.title = paragraphs[0][1]
    document.save(str(path))


def write_good_documents(folder: Path) -> dict[str, str]:
    """Four small Dutch documents (md, html, docx, pdf); returns {doc id: path relative to folder}."""
    good = folder / GOOD_DIR
    good.mkdir(parents=True, exist_ok=True)
    (good / "wijkteam.md").write_text(WIJKTEAM_MD, encoding="utf-8")
    (good / "signalen.html").write_text(SIGNALEN_HTML, encoding="utf-8")
    write_docx(good / "nazorg.docx", NAZORG_PARAGRAPHS)
    (good / "procesregie.pdf").write_bytes(pdf_bytes("Procesregie in het veiligheidshuis", PROCESREGIE_PDF))
    return {
        "goed-wijkteam": f"{GOOD_DIR}/wijkteam.md",
        "goed-signalen": f"{GOOD_DIR}/signalen.html",
        "goed-nazorg": f"{GOOD_DIR}/nazorg.docx",
        "goed-procesregie": f"{GOOD_DIR}/procesregie.pdf",
    }


# ----------------------------------------------------------------------------- hostile files

def write_zip_bomb(path: Path, unpacked_mb: int = 300) -> None:
    """A DOCX-shaped zip whose document.xml unpacks to `unpacked_mb` MB of zeros (the file stays ~0.3 MB)."""
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(unpacked_mb):
                fh.write(block)


def encrypted_pdf_bytes(plain: bytes, password: str = "geheim") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(plain))
    writer.encrypt(user_password=password, owner_password=password + "-eigenaar")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_huge_text(path: Path, megabytes: int) -> None:
    line = "Dit is een regel tekst in een veel te groot bestand over de aanpak van radicalisering.\n"
    block = (line * (1 + (1 << 20) // len(line))).encode("utf-8")[: 1 << 20]
    with path.open("wb") as fh:
        for _ in range(megabytes):
            fh.write(block)
        fh.write(b"\n")  # one byte over, so exactly `megabytes` MB is already too much at that limit


def junk_bytes(seed: int, size: int = 8192) -> bytes:
    data = bytearray(random.Random(seed).randbytes(size))
    data[100] = 0  # a NUL byte early on, as in every real binary file
    return bytes(data)


def make_hostile_corpus(folder: Path, big_mb: int = 50) -> dict:
    """Write good documents, duplicates and hostile files under `folder`; return what indexing must do.

    The returned dict has:
      good:      {doc id: rel path} of the good documents; each must be indexed exactly once
      tolerated: {doc id: rel path} of odd but readable files that must be indexed too (with
                 titles, sections and themes of bounded length, however long the file's own are)
      skipped:   {rel path: a word or phrase the skip reason must contain}
      warnings:  {rel path: a phrase of the warning} for files indexed with a warning
      absent:    strings that must not appear in any indexed text (script and style content)
      not_walked: rel path prefixes that must not appear at all (a directory symlink loop)
      keywords:  {doc id: a word only that document contains}
    """
    folder.mkdir(parents=True, exist_ok=True)
    good = write_good_documents(folder)
    bad = folder / HOSTILE_DIR
    bad.mkdir()
    copies = folder / COPY_DIR
    copies.mkdir()
    skipped: dict[str, str] = {}

    def rel(path: Path) -> str:
        return path.relative_to(folder).as_posix()

    def expect_skip(path: Path, reason: str) -> None:
        skipped[rel(path)] = reason

    for name in ("leeg.md", "leeg.txt"):
        (bad / name).touch()
        expect_skip(bad / name, "empty file")

    plain_pdf = (folder / good["goed-procesregie"]).read_bytes()
    (bad / "afgekapt.pdf").write_bytes(plain_pdf[: len(plain_pdf) // 2])
    expect_skip(bad / "afgekapt.pdf", "PDF")
    (bad / "ruis.pdf").write_bytes(junk_bytes(seed=1))
    expect_skip(bad / "ruis.pdf", "PDF")
    (bad / "versleuteld.pdf").write_bytes(encrypted_pdf_bytes(plain_pdf))
    expect_skip(bad / "versleuteld.pdf", "encrypted PDF")

    write_zip_bomb(bad / "zipbom.docx")
    expect_skip(bad / "zipbom.docx", "zip bomb")
    (bad / "tekst-als-docx.docx").write_text("Dit is gewoon tekst met een verkeerde extensie.\n", encoding="utf-8")
    expect_skip(bad / "tekst-als-docx.docx", "not a valid DOCX")

    write_huge_text(bad / "enorm.txt", big_mb)
    expect_skip(bad / "enorm.txt", "file too large")
    (bad / "ruis.txt").write_bytes(junk_bytes(seed=2))
    expect_skip(bad / "ruis.txt", "binary content")
    (bad / "ruis.md").write_bytes(junk_bytes(seed=3))
    expect_skip(bad / "ruis.md", "binary content")
    (bad / "latin1.txt").write_bytes("Café in Zeeuws-Vlaanderen: één overleg per maand.\n".encode("latin-1"))
    expect_skip(bad / "latin1.txt", "not valid UTF-8")

    (bad / "lus-a.md").symlink_to("lus-b.md")
    (bad / "lus-b.md").symlink_to("lus-a.md")
    (bad / "wees.md").symlink_to("bestaat-niet.md")
    for name in ("lus-a.md", "lus-b.md", "wees.md"):
        expect_skip(bad / name, "symlink")
    (bad / "map").mkdir()
    (bad / "map" / "terug").symlink_to("..", target_is_directory=True)

    (bad / "diep-genest.html").write_text(
        "<html><body>" + "<div>" * 100_000 + f"<p>{DEEP_TEXT}</p>" + "</div>" * 100_000 + "</body></html>",
        encoding="utf-8",
    )
    (bad / "scripts.html").write_text(SCRIPT_STYLE_HTML, encoding="utf-8")
    (bad / "kapotte-voorkant.md").write_text(BROKEN_FRONT_MATTER_MD, encoding="utf-8")
    (bad / "onmogelijke-datum.md").write_text(BAD_DATE_MD, encoding="utf-8")
    (bad / "diepe-yaml.md").write_text(DEEP_YAML_MD, encoding="utf-8")
    (bad / "lachsalvo.md").write_text(billion_laughs_md(), encoding="utf-8")
    (bad / "enorme-voorkant.md").write_text(huge_metadata_md(), encoding="utf-8")

    # Sorted walk order puts goed/ before kopie/, so the copies are the ones reported.
    shutil.copyfile(folder / good["goed-wijkteam"], copies / "wijkteam-kopie.md")
    shutil.copyfile(folder / good["goed-nazorg"], copies / "nazorg-kopie.docx")
    for name in ("wijkteam-kopie.md", "nazorg-kopie.docx"):
        expect_skip(copies / name, "duplicate")

    return {
        "good": good,
        "tolerated": {
            "vijandig-diep-genest": f"{HOSTILE_DIR}/diep-genest.html",
            "vijandig-scripts": f"{HOSTILE_DIR}/scripts.html",
            "vijandig-kapotte-voorkant": f"{HOSTILE_DIR}/kapotte-voorkant.md",
            "vijandig-onmogelijke-datum": f"{HOSTILE_DIR}/onmogelijke-datum.md",
            "vijandig-diepe-yaml": f"{HOSTILE_DIR}/diepe-yaml.md",
            "vijandig-lachsalvo": f"{HOSTILE_DIR}/lachsalvo.md",
            "vijandig-enorme-voorkant": f"{HOSTILE_DIR}/enorme-voorkant.md",
        },
        "skipped": skipped,
        "warnings": {
            f"{HOSTILE_DIR}/{name}": "invalid front matter"
            for name in ("kapotte-voorkant.md", "onmogelijke-datum.md", "diepe-yaml.md", "lachsalvo.md")
        },
        "absent": ["GEHEIM_SCRIPT", "GEHEIM_NOSCRIPT", "kleur-geheim"],
        "not_walked": [f"{HOSTILE_DIR}/map/terug/"],
        "keywords": dict(KEYWORDS),
    }


if __name__ == "__main__":  # python tests/hostile.py DIR: look at the files by hand
    import json
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    print(json.dumps(make_hostile_corpus(target, big_mb=int(os.environ.get("BIG_MB", "21"))), indent=1))
