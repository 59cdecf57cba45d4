"""The default answerer: a short Dutch answer composed of the passages' own sentences.

Grounded by construction: every sentence of the answer is a sentence (or a clause-trimmed part of
one) of a retrieved passage, followed by the marker [n] of that passage. When the passages do not
support an answer (the support model's probability below the calibrated threshold, support.py) the
answer is a refusal that lists the closest passages instead.

Direct: the first sentence is the one that answers (the sentence model's best: similar to the
question, covering its focus words, stating the asked figure, defining the asked term); more
sentences follow only when they add something. A procedure question whose best passage holds a
list gets that list as numbered steps.
"""

from __future__ import annotations

import re

from radassist.question import Question, analyse
from radassist.settings import AnswerSettings
from radassist.support import Sentence, SupportModel, follow_up_focus, gather, sentence_features, support_features
from radassist.text import content_terms
from radassist.types import Answer, Citation, Passage

REFUSAL_TEXT = (
    "Daar geven de documenten in de kennisbank geen antwoord op. "
    "Hieronder staan de passages die het dichtst in de buurt komen; controleer zelf of ze helpen."
)
CAUTION_TEXT = "De bronnen dekken deze vraag mogelijk maar gedeeltelijk; controleer de geciteerde passages."
PARTIAL_TEXT = "De bronnen beantwoorden alleen een deel van de vraag; controleer de geciteerde passages."
NO_QUESTION_TEXT = "Ik herken geen vraag in uw bericht. Stel een vraag in een paar woorden, bijvoorbeeld: 'Wat doet een procesregisseur?'"

MAX_STEPS = 6
ADD_MIN_COVER = 0.3  # a further sentence from another passage must cover this share of the focus words
_DOCUMENT_NOUNS = (r"(factsheet|document|rapport|hoofdstuk|paragraaf|notitie|handreiking|interview|gesprek|bijlage|"
                   r"overzicht|publicatie|verslag|memo|circulaire|leidraad|toelichting)")
_DOCUMENT_NOUN = re.compile(r"\b" + _DOCUMENT_NOUNS + r"s?\b")
_ABOUT_THE_DOCUMENT = re.compile(r"(in )?(deze|dit)\s+" + _DOCUMENT_NOUNS + r"\b|het (gesprek|interview) (ging|gaat) over\b",
                                 re.IGNORECASE)
_LIST_ITEM = re.compile(r"(?:^|\n)\s*(?:[-*•]|\d+[.)])\s+$")


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, settings: AnswerSettings, model: SupportModel | None = None) -> None:
        self.settings = settings
        self.model = model or SupportModel.load(settings.support_model)

    @property
    def refusal_threshold(self) -> float:
        t = self.settings.refusal_threshold
        return self.model.refusal_threshold if t is None else t

    @property
    def caution_threshold(self) -> float:
        t = self.settings.caution_threshold
        return self.model.caution_threshold if t is None else t

    def assess(self, question: str, retrieval, index, own: str | None = None) -> tuple[Question, list[Sentence], float]:
        """Question analysis, scored candidate sentences and the support probability.

        `own`: a follow-up's words as typed, when `question` is its standalone form (support.follow_up_focus).
        """
        q = analyse(question)
        sentences = gather(q, retrieval, index)
        judged = follow_up_focus(q, own)
        evidence = sentences if judged is q else gather(judged, retrieval, index)
        support = self.model.support.probability(support_features(judged, evidence, retrieval, index))
        n = max(1, len(retrieval.passages))
        for s in sentences:
            s.score = self.model.sentence.margin(sentence_features(s, n))
        return q, sentences, support

    def answer(self, question: str, retrieval, index, own: str | None = None) -> Answer:
        if not content_terms(question):
            return Answer(question, NO_QUESTION_TEXT, True, self.name, passages=retrieval.passages, support=0.0)
        q, sentences, support = self.assess(question, retrieval, index, own)
        if support < self.refusal_threshold or not sentences:
            return refusal(question, retrieval, self.name, support)
        chosen, steps = self.select(q, sentences)
        if not steps:
            chosen = [trim(s, q, index) for s in chosen]
        result = compose(question, chosen, retrieval.passages, self.name, support, steps)
        if support < self.caution_threshold:
            result.notice = CAUTION_TEXT
        elif max(s.context_cover for s in chosen) < 0.5 and q.focus:
            result.notice = PARTIAL_TEXT
        return result

    def select(self, q: Question, sentences: list[Sentence]) -> tuple[list[Sentence], bool]:
        """The answering sentence first, then sentences that add; (sentences, as numbered steps)."""
        ranked = sorted(sentences, key=lambda s: -s.score)
        if not _DOCUMENT_NOUN.search(q.text.lower()):
            # "Deze factsheet beschrijft ..." says what a document is about, not what the question asks.
            ranked = [s for s in ranked if not _ABOUT_THE_DOCUMENT.match(s.text.strip())] or ranked
        best = ranked[0]
        if q.kind == "definition":
            defining = [s for s in ranked if s.defines and s.score >= best.score - self.settings.add_margin]
            best = defining[0] if defining else best
        if q.kind == "procedure":
            steps = _list_around(best, sentences)
            if len(steps) >= 2:
                return steps[:MAX_STEPS], True
        chosen = [best]
        words = len(best.text.split())
        covered = set(best.terms)
        for s in ranked:
            if len(chosen) >= self.settings.max_sentences:
                break
            if s is best or s.score < best.score - self.settings.add_margin:
                continue
            # Context from elsewhere must be about the question too, not just similar in tone.
            if s.passage is not best.passage and s.context_cover < ADD_MIN_COVER:
                continue
            n_words = len(s.text.split())
            if words + n_words > self.settings.max_words:
                continue
            new_terms = s.terms - covered
            if _overlap(s.terms, covered) > 0.6 or not new_terms:
                continue
            chosen.append(s)
            words += n_words
            covered |= s.terms
        return chosen, False


TRIM_ABOVE_WORDS = 30
MIN_CLAUSE_WORDS = 8
_CLAUSE_BREAK = re.compile(r";\s+|\s+[–—]\s+")


def trim(s: Sentence, q: Question, index) -> Sentence:
    """A long sentence cut to its clause that carries the question's focus words, when that is safe.

    Cut only at ';' or a dash (clauses that stand on their own), keep at least 8 words, and only when
    the claim checks of citation verification (claims.contradictions) find nothing the cut clause
    says differently from the whole sentence: a dropped 'tenzij ...' or 'alleen als ...', a lost
    negation or bound keeps the sentence whole.
    """
    if len(s.text.split()) <= TRIM_ABOVE_WORDS or not q.focus:
        return s
    pieces, start = [], 0
    for match in _CLAUSE_BREAK.finditer(s.text):
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, len(s.text)))
    if len(pieces) < 2:
        return s
    from radassist.claims import contradictions
    from radassist.wordforms import match_keys

    def share(text: str) -> int:
        keys = {k for t in content_terms(text) for k in match_keys(t)}
        return sum(1 for t in q.focus if any(k in keys for k in match_keys(t)))

    best = max(pieces, key=lambda ab: (share(s.text[ab[0]:ab[1]]), -(ab[1] - ab[0])))
    clause = s.text[best[0]:best[1]].strip()
    if len(clause.split()) < MIN_CLAUSE_WORDS or share(clause) < share(s.text) or contradictions(clause, s.text):
        return s
    offset = s.text.index(clause)
    cut = Sentence(s.passage, s.start + offset, s.start + offset + len(clause), clause, set(content_terms(clause)),
                   cos=s.cos, rel=s.rel, cover=s.cover, context_cover=s.context_cover, fact=s.fact, kind=s.kind,
                   defines=s.defines, cos_rank=s.cos_rank, score=s.score)
    return cut


def _list_around(best: Sentence, sentences: list[Sentence]) -> list[Sentence]:
    """The list items of best's passage when best is one of them or introduces them (procedure steps)."""
    text = best.passage.chunk.text
    same = sorted((s for s in sentences if s.passage is best.passage), key=lambda s: s.start)
    items = [s for s in same if _LIST_ITEM.search(text[max(0, s.start - 12):s.start])]
    if not items:
        return []
    first = items[0]
    if best not in items and not (best.start < first.start and text[best.end:first.start].strip(" \n:") == ""):
        return []
    return items


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def compose(question: str, chosen: list[Sentence], passages: list[Passage], backend: str, support: float,
            steps: bool = False) -> Answer:
    parts: list[str] = []
    citations: list[Citation] = []
    for n, s in enumerate(chosen, start=1):
        sentence = _with_marker(_clean_sentence(s.text), s.passage.rank)
        parts.append(f"{n}. {sentence}" if steps else sentence)
        citations.append(Citation(marker=s.passage.rank, passage=s.passage, quote=s.text))
    return Answer(
        question=question,
        answer=("\n".join(parts) if steps else " ".join(parts)),
        refused=False,
        backend=backend,
        citations=citations,
        passages=passages,
        support=support,
    )


def _with_marker(sentence: str, marker: int) -> str:
    """Put [n] inside the sentence, before its final punctuation, so it stays with its sentence."""
    end = sentence[-1] if sentence and sentence[-1] in ".!?:;" else ""
    body = sentence[:-1].rstrip() if end else sentence
    if end in (":", ";"):
        end = "."
    return f"{body} [{marker}]{end or '.'}"


def _clean_sentence(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"^[-*•]\s+", "", text)
    if text and text[-1] not in ".!?:;":
        text += "."
    return text


def refusal(question: str, retrieval, backend: str, support: float) -> Answer:
    return Answer(
        question=question,
        answer=REFUSAL_TEXT,
        refused=True,
        backend=backend,
        passages=retrieval.passages[:3],
        support=support,
    )


def support_score(question: str, retrieval, index, model: SupportModel | None = None, own: str | None = None) -> float:
    """The support probability alone (the LLM path refuses on it before asking the model)."""
    model = model or SupportModel.load()
    q = follow_up_focus(analyse(question), own)
    return model.support.probability(support_features(q, gather(q, retrieval, index), retrieval, index))

