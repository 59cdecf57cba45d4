"""The web app, driven in-process with Streamlit's AppTest over the shared sample-corpus index.

Each test gets a fresh session and its own data dir (feedback, audit log) through `env_index`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from radassist.feedback import FeedbackStore
from radassist.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]

QUESTION = "Wat doet een procesregisseur in het casusoverleg?"
PERSONAL = "Wat moet ik doen als Jan de Vries met BSN 111222333 radicaliseert?"


@pytest.fixture()
def app(env_index) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="chat_question").set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_with(at: AppTest, css_class: str) -> list[str]:
    return [m.value for m in at.markdown if f'class="{css_class}"' in m.value]


def exchanges(at: AppTest) -> list:
    return at.session_state["exchanges"]


def data_dir() -> Path:
    """The data dir `env_index` set up for this test."""
    return load_settings().var_dir


def test_welcome_says_what_is_indexed_and_what_not(app):
    text = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    assert "25 documenten" in text
    assert "geen casusadvies" in text and "geen persoonsgegevens" in text
    assert "extractief (zonder taalmodel)" in " ".join(m.value for m in app.sidebar.markdown)
    labels = [b.label for b in app.button]
    assert QUESTION in labels and len([k for k in labels if k.endswith("?")]) >= 4


def test_question_gets_answer_with_linked_markers_and_sources(app):
    ask(app, QUESTION)
    assert not app.error
    [answer] = markdown_with(app, "ra-answer")
    markers = set(re.findall(r'class="ra-cite" href="#ra-src-1-(\d+)"', answer))
    assert markers, answer
    assert not re.search(r"\[\d+\]", answer)  # every [n] became a link
    sources = markdown_with(app, "ra-src")
    assert {re.search(r'id="ra-src-1-(\d+)"', s).group(1) for s in sources} == markers
    assert len([b for b in app.button if b.label == "Bekijk bron"]) == len(markers)
    assert "procesregie" in " ".join(sources).lower()

    app.button(key=f"src-1-{min(markers, key=int)}").click().run()
    panel = " ".join(markdown_with(app, "ra-context"))
    assert '<mark class="ra-quote">' in panel
    assert 'class="ra-before"' in panel and "Vindplaats" in " ".join(m.value for m in app.markdown)
    originals = [d.label for d in app.get("download_button") if d.label.startswith("Download het originele")]
    assert originals == ["Download het originele bestand (PDF)"]


def test_example_button_asks_its_question(app):
    next(b for b in app.button if b.label == QUESTION).click().run()
    assert [ex.question for ex in exchanges(app)] == [QUESTION]
    assert markdown_with(app, "ra-answer")
    assert not any(b.label == QUESTION for b in app.button)  # examples make room for the conversation


def test_follow_up_question_uses_the_conversation(app):
    ask(app, QUESTION)
    ask(app, "En bij minderjarigen?")
    first, follow_up = exchanges(app)
    assert "procesregisseur" in follow_up.answer.standalone_question
    assert "minderjarigen" in follow_up.answer.standalone_question
    assert follow_up.answer.answer != first.answer.answer
    assert len(markdown_with(app, "ra-answer")) == 2

    app.sidebar.button(key="new-conversation").click().run()
    assert exchanges(app) == [] and not markdown_with(app, "ra-answer")


def test_out_of_scope_question_is_refused_calmly(app):
    ask(app, "Wat is het recept voor appeltaart?")
    assert not app.error
    [info] = app.info
    assert "Geen antwoord in de kennisbank" in info.value
    assert not markdown_with(app, "ra-answer")
    assert any("Dichtstbijzijnde passages" in m for m in markdown_with(app, "ra-sources-title"))
    assert any(b.key.startswith("near-1-") for b in app.button)


def test_type_filter_limits_the_sources(app):
    app.sidebar.multiselect(key="filter_types").set_value(["interview"]).run()
    ask(app, QUESTION)
    answer = exchanges(app)[0].answer
    assert answer.passages and {p.chunk.type for p in answer.passages} == {"interview"}
    sources = markdown_with(app, "ra-src")
    assert sources and all('<span class="ra-src-meta">Interview' in s for s in sources)
    assert any("alleen type: Interview" in c.value.replace("\\", "") for c in app.caption)


def test_feedback_is_stored_redacted_and_exported(app, env_index, tmp_path):
    ask(app, QUESTION)
    app.feedback(key="fb-rating-1").set_value(0).run()  # thumbs down
    app.checkbox(key="fb-flag-1").check().run()
    app.text_input(key="fb-comment-1").input("Jan de Vries zegt dat bron 2 over iets anders gaat").run()
    assert not app.exception

    [entry] = FeedbackStore(data_dir() / "feedback.sqlite").all()
    assert entry.rating == -1 and entry.flag_source_wrong
    assert entry.question == QUESTION and entry.doc_ids
    assert "[NAAM]" in entry.comment and "Vries" not in entry.comment
    assert len(entry.session) == 12 and entry.session != app.session_state["session_id"]

    from radassist.cli import main

    out = tmp_path / "candidates.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    [case] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert case["id"] == f"fb-{entry.id}" and case["question"] == QUESTION
    assert case["answerable"] is True and case["source"] == "feedback" and case["doc_ids"] == entry.doc_ids


def test_personal_data_is_caught_before_asking(app, env_index):
    ask(app, PERSONAL)
    assert exchanges(app) == []  # nothing asked yet
    assert any("persoonsgegevens" in w.value for w in app.warning)
    marked = " ".join(m.value for m in app.markdown if "ra-pii" in m.value)
    assert '<mark class="ra-pii" title="bsn">111222333</mark>' in marked
    assert '<mark class="ra-pii" title="naam">Jan de Vries</mark>' in marked

    app.button(key="pending-cancel").click().run()
    assert exchanges(app) == [] and app.session_state["pending"] is None and not app.warning

    ask(app, PERSONAL)
    app.button(key="pending-send").click().run()
    [sent] = exchanges(app)
    assert sent.question == "Wat moet ik doen als [NAAM] met BSN [BSN] radicaliseert?"
    assert sent.answer is not None and app.session_state["pending"] is None
    shown = " ".join(m.value for m in app.markdown)
    assert "111222333" not in shown and "Vries" not in shown

    app.feedback(key=f"fb-rating-{sent.id}").set_value(1).run()
    [entry] = FeedbackStore(data_dir() / "feedback.sqlite").all()
    assert entry.question == sent.question and entry.rating == 1
    audit = (data_dir() / "audit" / "audit.jsonl").read_text(encoding="utf-8")
    assert "[BSN]" in audit and "111222333" not in audit and "Vries" not in audit


def test_engine_failure_shows_a_dutch_message_without_details(app, monkeypatch, caplog):
    from radassist.engine import Engine

    def broken(self, question, ctx=None):
        raise RuntimeError("interne details 111222333")
        yield  # pragma: no cover

    monkeypatch.setattr(Engine, "ask_stream", broken)
    ask(app, QUESTION)
    [error] = app.error
    assert error.value.startswith("Er ging iets mis")
    page = " ".join(m.value for m in app.markdown) + error.value
    assert "interne details" not in page and "Traceback" not in page
    assert "RuntimeError" in caplog.text and "interne details" not in caplog.text


def test_without_an_index_the_app_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("RADASSIST_INDEX_DIR", str(tmp_path / "leeg"))
    monkeypatch.setenv("RADASSIST_DATA_DIR", str(tmp_path / "var"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    [warning] = at.warning
    assert "nog geen kennisbank" in warning.value and "radassist index" in warning.value
    assert not at.chat_input


# ----------------------------------------------------------------------------- rendering helpers (no app)

def _answer(text: str, title: str, quote: str):
    from radassist.types import Answer, Chunk, Citation, Passage

    chunk = Chunk(id="d#0", doc_id="d", text=f"Voor. {quote} Na.", section="", page=None, start=0, end=0,
                  hash="", title=title)
    passage = Passage(rank=1, chunk=chunk, score=1.0)
    return Answer("vraag", text, False, "extractive", [Citation(1, passage, quote)], [passage])


def test_answer_html_escapes_source_text_and_links_only_cited_markers():
    from radassist.ui import answer_html

    hostile = 'Zie <img src=x onerror="alert(1)"> en <script>alert(2)</script>'
    rendered = answer_html(_answer(f"{hostile} [1] en [7].\n\nNieuwe alinea.", 'Titel "<b>"', "x"), 3)
    assert "<img" not in rendered and "<script" not in rendered and "&lt;script&gt;" in rendered
    assert '<a class="ra-cite" href="#ra-src-3-1" title="Bron 1: Titel &quot;&lt;b&gt;&quot;"' in rendered
    assert "[7]" in rendered  # not a citation: left as text
    assert "\n" not in rendered  # a blank line would end the HTML block and let Markdown parse source text


def test_marked_html_finds_quotes_across_whitespace_and_escapes_them():
    from radassist.ui import marked_html

    text = "De procesregisseur <b>bewaakt</b> het\n\nproces. Daarna volgt meer."
    rendered = marked_html(text, ["De procesregisseur <b>bewaakt</b> het proces.", "niet aanwezig"])
    assert rendered.startswith('<mark class="ra-quote">De procesregisseur &lt;b&gt;bewaakt&lt;/b&gt; het')
    assert rendered.count("<mark") == 1 and "<b>" not in rendered


def test_sentences_removed_by_verification_are_shown_with_their_reason(app, monkeypatch, engine):
    """Under an LLM answer: each sentence verification dropped, as 'verwijderd: <reason>', escaped."""
    from radassist.engine import Engine
    from radassist.types import Answer, Citation, Passage, SentenceVerdict

    chunk = next(c for c in engine.index.chunks if c.confidentiality == "openbaar")
    passage = Passage(rank=1, chunk=chunk, score=1.0)
    kept = chunk.text.split(". ")[0].strip()
    verdicts = [
        SentenceVerdict(f"{kept} [1]", [1], 0.9, True, ""),
        SentenceVerdict("De <b>gemeente</b> beslist alleen [1].", [1], 0.1, False, "passage [1] noemt <geen> gemeente"),
        SentenceVerdict("Zonder bron.", [], 0.0, False, ""),
    ]

    def llm_like(self, question, ctx=None):
        yield "token", kept
        yield "answer", Answer(question, f"{kept} [1]", False, "openai", [Citation(1, passage, kept)], [passage],
                               verdicts=verdicts, notice="2 zinnen van het taalmodel weggelaten.")

    monkeypatch.setattr(Engine, "ask_stream", llm_like)
    ask(app, QUESTION)
    [expander] = [e for e in app.expander if e.label.startswith("Weggelaten zinnen")]
    assert expander.label == "Weggelaten zinnen van het taalmodel (2)"
    [removed] = [m.value for m in expander.markdown]
    assert removed.count('class="ra-removed"') == 2
    assert "verwijderd: passage [1] noemt &lt;geen&gt; gemeente" in removed
    assert "De &lt;b&gt;gemeente&lt;/b&gt; beslist alleen [1]." in removed and "<b>" not in removed
    assert "verwijderd: niet gedekt door de bronnen</span><span class=\"ra-removed-text\">Zonder bron." in removed
    assert kept not in removed  # kept sentences are the answer, not the list


def test_no_removed_list_for_an_extractive_answer(app):
    ask(app, QUESTION)
    assert not [e for e in app.expander if e.label.startswith("Weggelaten zinnen")]
