"""Follow-up questions: turn "En bij minderjarigen?" into a question that stands on its own.

Without an LLM we combine the new question with the previous turn's standalone question when the
new one leans on it (starts with a connective, points back with a pronoun, or has too few content
words of its own). The same rule applies with an LLM configured; the LLM is not asked to rewrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radassist.text import content_terms, normalize

_CONNECTIVES = (
    "en ", "maar ", "ook ", "of ", "dus ", "en als", "wat als", "hoe zit het met", "geldt dat", "geldt dit",
    "hoe zit dat", "en wat", "en hoe", "en wie", "en waarom", "en wanneer", "waarom dan", "wat dan", "hoezo",
    "wat bedoel je", "kun je dat", "kunt u dat", "vertel meer", "meer daarover", "en daarna", "en verder",
)
_ANAPHORA = {"die", "dat", "dit", "deze", "daar", "daarvan", "daarbij", "daarin", "hij", "zij", "ze", "hun", "hem", "haar", "dezelfde", "zo'n", "hiervan", "hierbij"}


@dataclass
class Turn:
    question: str
    standalone: str
    answer: str = ""
    doc_ids: list[str] = field(default_factory=list)


def needs_context(question: str) -> bool:
    low = normalize(question) + " "
    if any(low.startswith(c) for c in _CONNECTIVES):
        return True
    words = set(low.split())
    n_terms = len(content_terms(question))
    if n_terms <= 1:
        return True
    return bool(words & _ANAPHORA) and n_terms <= 3


def standalone_question(question: str, history: list[Turn]) -> str:
    """The question to retrieve with: the question itself, or combined with the previous topic."""
    question = " ".join(question.split())
    if not history or not needs_context(question):
        return question
    previous = history[-1].standalone or history[-1].question
    previous = re.sub(r"\s+", " ", previous).strip()
    return f"{previous} {question}"
