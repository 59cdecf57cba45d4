""""Gesprek downloaden": a real conversation (AppTest over the sample index) exported as Markdown and PDF;
the PDF is read back with pypdf. Nothing that was redacted may come back.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from radassist.ui import export

ROOT = Path(__file__).resolve().parents[1]
PERSONAL = "Wat moet ik doen als Jan de Vries met BSN 111222333 radicaliseert?"
REDACTED = "Wat moet ik doen als [NAAM] met BSN [BSN] radicaliseert?"
QUESTION = "Hoe lang blijft een casus in de monitorfase?"
OFF_TOPIC = "Wat is het recept voor appeltaart?"
WHEN = dt.datetime(2026, 12, 2, 10, 15).astimezone()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def conversation(sample_index, tmp_path_factory):
    """Three exchanges asked through the app: one redacted, one answered, one refused."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RADASSIST_INDEX_DIR", str(sample_index))
    mp.setenv("RADASSIST_CORPUS_DIR", str(ROOT / "corpus"))
    mp.setenv("RADASSIST_DATA_DIR", str(tmp_path_factory.mktemp("export") / "var"))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        assert not at.get("download_button")  # nothing to download before a question
        at.chat_input(key="chat_question").set_value(PERSONAL).run()
        at.button(key="pending-send").click().run()
        at.chat_input(key="chat_question").set_value(QUESTION).run()
        at.chat_input(key="chat_question").set_value(OFF_TOPIC).run()
        assert not at.exception, [e.value for e in at.exception]
        labels = [d.label for d in at.get("download_button")]
        assert labels == ["Gesprek downloaden (Markdown)", "Gesprek downloaden (PDF)"]
        exchanges = list(at.session_state["exchanges"])
    finally:
        mp.undo()
    assert [ex.question for ex in exchanges] == [REDACTED, QUESTION, OFF_TOPIC]
    assert exchanges[1].answer.citations and exchanges[2].answer.refused
    return exchanges


def link(chunk) -> str:
    return f"http://zvh.example/kennisbank?document={chunk.doc_id}"


def test_markdown_has_questions_as_sent_answers_and_numbered_sources(conversation):
    text = export.to_markdown(export.conversation_blocks(conversation, WHEN, link))
    assert text.startswith("# Gesprek met radassist\n")
    assert "gedownload op 2 december 2026, 10:15" in text
    assert "> Wat moet ik doen als [NAAM] met BSN [BSN] radicaliseert?" in text
    assert "111222333" not in text and "Vries" not in text and "Jan " not in text
    assert [int(n) for n in re.findall(r"^## Vraag (\d+)$", text, re.MULTILINE)] == [1, 2, 3]

    answered = conversation[1].answer
    assert flat(answered.answer) in flat(text.replace("\\", ""))  # the answer as shown, markers and all
    for citation in answered.citations:
        chunk = citation.passage.chunk
        line = next(ln for ln in text.splitlines() if ln.startswith(f"**[{citation.marker}]** "))
        assert chunk.title in line.replace("\\", "")
        assert chunk.section in line and (f"pagina {chunk.page}" in line if chunk.page else True)
        assert f"> “{flat(citation.quote)}”".replace("_", "\\_") in text  # the quoted sentence
        assert f"Link: <{link(chunk)}>" in text
    assert "**Geen antwoord in de kennisbank**" in text and "**Dichtstbijzijnde passages**" in text
    assert f"**{conversation[2].answer.passages[0].rank}.** " in text


def test_pdf_has_the_same_content_and_nothing_redacted(conversation):
    blocks = export.conversation_blocks(conversation, WHEN, link)
    data = export.to_pdf(blocks)
    assert data.startswith(b"%PDF-")
    text = flat(pdf_text(data))
    assert REDACTED in text
    assert "111222333" not in text and "Vries" not in text
    answered = conversation[1].answer
    for citation in answered.citations:
        assert citation.passage.chunk.title in text
        assert flat(citation.quote)[:60] in text  # wrapped lines join with a space again
    assert "Geen antwoord in de kennisbank" in text and "pagina 1" in text


def test_pdf_flows_over_pages_and_wraps_long_lines():
    long_word = "https://zvh.example/kennisbank?document=" + "x" * 300
    blocks = [export.Block("title", "Gesprek met radassist")]
    blocks += [export.Block("text", f"Zin {n} met ë, “aanhalingstekens” en € — " + "woord " * 40) for n in range(60)]
    blocks.append(export.Block("link", long_word))
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(export.to_pdf(blocks)))
    assert len(reader.pages) >= 4
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Zin 59 met ë, “aanhalingstekens” en € —" in flat(text)
    assert "x" * 300 in text.replace("\n", "")  # cut over lines, nothing lost


def test_markdown_keeps_source_text_plain():
    from radassist.types import Answer, Chunk, Citation, Passage

    from radassist.ui.common import Exchange

    hostile = "<script>alert(1)</script> *vet* `code` # kop"
    chunk = Chunk(id="d#0", doc_id="d", text=hostile, section="A > B", page=3, start=0, end=0, hash="",
                  title="Titel <b>x</b>", type="factsheet")
    passage = Passage(rank=1, chunk=chunk, score=1.0)
    answer = Answer("v", f"{hostile} [1]", False, "extractive", [Citation(1, passage, hostile)], [passage])
    text = export.to_markdown(export.conversation_blocks([Exchange(1, "# Vraag\n- lijst", answer=answer)], WHEN))
    assert not re.findall(r"(?<!\\)<(?!http)", text) and "\\<script>" in text  # no HTML a viewer would run
    assert "\\*vet\\*" in text and "\\`code\\`" in text
    assert "> \\# Vraag\n> \\- lijst" in text  # no heading or list made from the question
    assert "**[1]** Titel \\<b>x\\</b> — Factsheet, A > B, pagina 3" in text
    assert "Link:" not in text  # no address known: no link
