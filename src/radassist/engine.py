"""The engine: one reusable object behind the CLI, the web app and the evaluation.

    engine = Engine(load_settings())
    result = engine.ask("Wat doet een procesregisseur?")
    result.answer, result.citations, result.passages

It opens the current index generation lazily, notices when a re-index swapped in a newer one
(`LoadedIndex.is_stale`), applies access filters inside retrieval, redacts personal data before
anything leaves the process, writes the audit log, and falls back to the extractive answer when
an LLM answer does not survive verification.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from radassist import privacy
from radassist.answer import REFUSAL_TEXT, ExtractiveAnswerer, compose, refusal, support_score
from radassist.audit import AuditLog
from radassist.conversation import Turn, standalone_question
from radassist.llm import LLM_REFUSAL_MARK, failure_note, is_remote, make_chat
from radassist.loaded import LoadedIndex
from radassist.retrieve import Filters, Retrieval, Retriever, merge_rankings
from radassist.settings import Settings
from radassist.types import Answer, ConfigError, Document
from radassist.verify import verify

MAX_QUESTION_CHARS = 2000
FOLLOW_UP_OWN_WEIGHT = 0.5  # weight of a follow-up's own words against the standalone question (RRF)
TOO_LONG_TEXT = (
    "Uw vraag is erg lang ({n} tekens). Stel een korte vraag (hoogstens {max} tekens); "
    "plak geen hele documenten of dossiers in de chat."
)


@dataclass
class AskContext:
    """Per-request facts the engine needs besides the question."""

    history: list[Turn] = field(default_factory=list)
    filters: Filters | None = None
    user: str = "lokaal"
    session: str = "cli"
    role: str | None = None
    backend: str | None = None
    k: int | None = None
    audit: bool = True


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._index: LoadedIndex | None = None
        self._retriever: Retriever | None = None
        self._chats: dict[str, object] = {}
        self.extractive = ExtractiveAnswerer(settings.answer)
        self.audit = AuditLog(settings.var_dir / "audit", settings.audit.max_bytes, settings.audit.keep)

    # ------------------------------------------------------------------ index handling
    def _current(self) -> tuple[LoadedIndex, Retriever]:
        with self._lock:
            if self._index is None or self._index.is_stale():
                index = LoadedIndex.open(self.settings)
                self._index = index
                self._retriever = Retriever(index, self.settings.retrieval, self.settings.embedding.model)
            return self._index, self._retriever

    @property
    def index(self) -> LoadedIndex:
        return self._current()[0]

    def warm_up(self) -> None:
        """Load index and models now, so the first question is fast."""
        index, retriever = self._current()
        warm = retriever.search("procesregie casusoverleg", k=1)
        support_score("procesregie casusoverleg", warm, index, self.extractive.model)  # corpus scale, word forms
        from radassist.embed import get_embedder

        get_embedder("use").embed_query("warm")

    def allowed_levels(self, role: str | None) -> list[str] | None:
        role = role or self.settings.auth.default_role
        levels = self.settings.auth.role_access.get(role)
        if levels is None:
            raise ConfigError(f"onbekende rol '{role}' (bekende rollen: {', '.join(self.settings.auth.role_access)})")
        return list(levels)

    def visible_documents(self, role: str | None) -> list[Document]:
        """The documents of the current index that `role` may read (the same levels as retrieval), in index order."""
        levels = set(self.allowed_levels(role))
        return [d for d in self.index.documents().values() if d.meta.confidentiality in levels]

    def visible_document(self, doc_id: str, role: str | None) -> Document | None:
        """One document if it exists and `role` may read it; None for both 'unknown' and 'not allowed'."""
        document = self.index.document(doc_id)
        if document is None or document.meta.confidentiality not in set(self.allowed_levels(role)):
            return None
        return document

    def _filters(self, ctx: AskContext) -> Filters:
        base = ctx.filters or Filters()
        return Filters(
            types=base.types,
            themes=base.themes,
            regions=base.regions,
            doc_ids=base.doc_ids,
            confidentiality=self.allowed_levels(ctx.role),
        )

    # ------------------------------------------------------------------ search
    def search(self, question: str, k: int | None = None, filters: Filters | None = None, role: str | None = None) -> Retrieval:
        _index, retriever = self._current()
        ctx = AskContext(filters=filters, role=role)
        return retriever.search(question, k or self.settings.retrieval.k, self._filters(ctx))

    def retrieve(self, question: str, standalone: str, k: int | None = None, filters: Filters | None = None,
                 role: str | None = None) -> Retrieval:
        """Search for a question as asked in a conversation.

        A follow-up ("en bij minderjarigen?") is searched as the standalone question (the topic so far
        plus the new words) and on its own words, and the two rankings are fused: the context finds
        the subject, the new words decide which passage about it (conversation turns of the blind tune
        split: turn hit@5 0.79 -> 0.83, evals/experiments.md).
        """
        k = k or self.settings.retrieval.k
        combined = self.search(standalone, k * 2 if standalone != question else k, filters, role)
        if standalone == question:
            return combined
        own = self.search(question, k * 2, filters, role)
        return merge_rankings(combined, own, k, weight=FOLLOW_UP_OWN_WEIGHT)

    # ------------------------------------------------------------------ ask
    def ask(self, question: str, ctx: AskContext | None = None) -> Answer:
        answer = None
        for event, value in self.ask_stream(question, ctx):
            if event == "answer":
                answer = value
        assert answer is not None
        return answer

    def ask_stream(self, question: str, ctx: AskContext | None = None) -> Iterator[tuple[str, object]]:
        """Yields ("token", text) while the answer is produced, then ("answer", Answer)."""
        ctx = ctx or AskContext()
        started = time.perf_counter()
        backend = ctx.backend or self.settings.answer.backend
        question = (question or "").strip()
        if len(question) > MAX_QUESTION_CHARS:
            result = Answer(question[:200], TOO_LONG_TEXT.format(n=len(question), max=MAX_QUESTION_CHARS), True, backend)
            yield "answer", result
            return

        spans = privacy.detect(question)
        safe_question = privacy.redact(question, spans) if spans else question
        notice = privacy.warning_nl(spans) if spans else ""

        standalone = standalone_question(safe_question, ctx.history)
        own = safe_question if standalone != safe_question else None  # a follow-up's own words
        t0 = time.perf_counter()
        retrieval = self.retrieve(safe_question, standalone, ctx.k, ctx.filters, ctx.role)
        t1 = time.perf_counter()
        index, _retriever = self._current()

        if backend == "extractive":
            result = self.extractive.answer(standalone, retrieval, index, own)
            for piece in _pieces(result.answer):
                yield "token", piece
        else:
            result = None
            for event in self._llm_answer(backend, standalone, retrieval, index, own):
                if event[0] == "answer":
                    result = event[1]
                else:
                    yield event
        t2 = time.perf_counter()
        result.question = safe_question
        result.standalone_question = standalone
        result.notice = " ".join(x for x in (notice, result.notice) if x)
        result.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, **{
            f"retrieve_{k}": v for k, v in retrieval.timings_ms.items()}}
        if ctx.audit and self.settings.audit.enabled:
            self.audit.record(
                user=ctx.user, session=ctx.session, question=safe_question,
                doc_ids=[c.passage.chunk.doc_id for c in result.citations], backend=result.backend,
                refused=result.refused, latency_ms=(time.perf_counter() - started) * 1000,
                role=ctx.role or self.settings.auth.default_role, redacted=bool(spans),
            )
        yield "answer", result

    def _chat(self, backend: str):
        if backend not in self._chats:
            self._chats[backend] = make_chat(backend, self.settings.llm)
        return self._chats[backend]

    def _llm_answer(self, backend: str, question: str, retrieval: Retrieval, index: LoadedIndex, own: str | None = None):
        fallback_note = ""
        support = support_score(question, retrieval, index, self.extractive.model, own)
        if support < self.extractive.refusal_threshold or not retrieval.passages:
            yield "answer", refusal(question, retrieval, backend, support)
            return
        if is_remote(backend, self.settings.llm) and privacy.has_personal_data(question):
            # Defence in depth: the engine already redacted; never let personal data out.
            question = privacy.redact(question)
        pieces = []
        try:
            chat = self._chat(backend)
            for delta in chat.stream(question, retrieval.passages):
                pieces.append(delta)
                yield "token", delta
            raw = "".join(pieces).strip()
            if not raw:
                fallback_note = failure_note(None, False, self.settings.llm.timeout_s)
        except ConfigError:
            raise
        except Exception as exc:  # endpoint down, timeout, cut-off stream, HTTP error: answer from the sources
            raw = ""
            fallback_note = failure_note(exc, bool("".join(pieces).strip()), self.settings.llm.timeout_s)
        if raw and LLM_REFUSAL_MARK in raw.lower() and "[" not in raw:
            yield "answer", refusal(question, retrieval, backend, support)
            return
        if raw:
            from radassist.named_terms import vocabulary_for

            checked = verify(raw, retrieval.passages, self.settings.answer.verify_min_support,
                             vocabulary_for(index))
            if checked.citations and checked.kept_share >= self.settings.answer.verify_min_kept:
                result = Answer(question, checked.text, False, backend, checked.citations, retrieval.passages,
                                support=support, verdicts=checked.verdicts)
                dropped = sum(not v.kept for v in checked.verdicts)
                if dropped:
                    result.notice = (f"{dropped} {'zin' if dropped == 1 else 'zinnen'} van het taalmodel weggelaten: "
                                     "niet gedekt door de bronnen.")
                yield "answer", result
                return
            fallback_note = "Het antwoord van het taalmodel werd onvoldoende door de bronnen gedragen; dit antwoord komt rechtstreeks uit de bronnen."
            verdicts = checked.verdicts
        else:
            verdicts = []
        result = self.extractive.answer(question, retrieval, index, own)
        result.backend = f"{backend}->extractive"
        result.notice = fallback_note
        result.verdicts = verdicts
        yield "answer", result


def _pieces(text: str) -> Iterator[str]:
    """Split an extractive answer into word-sized pieces for streaming display."""
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == 0 else " " + word


__all__ = ["Engine", "AskContext", "Filters", "REFUSAL_TEXT", "compose"]
