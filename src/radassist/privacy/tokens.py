"""Tokens for the name rules: words, initials, and where a sentence starts."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Token", "adjacent", "is_sentence_start", "tokenize"]


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_initial(self) -> bool:
        return self.text.endswith(".")

    @property
    def is_capitalised(self) -> bool:
        if self.text[:3] in ("'s-", "’s-") and len(self.text) > 3:
            return self.text[3].isupper()
        return self.text[0].isupper()

    @property
    def is_single_letter(self) -> bool:
        return len(self.text) == 1 and self.text.isalpha()

    @property
    def is_acronym(self) -> bool:
        letters = [ch for ch in self.text if ch.isalpha()]
        return len(letters) >= 2 and all(ch.isupper() for ch in letters)


# Initials ('J.', 'J.P.', 'j.p.', 'Ö.'), the tussenvoegsel ''t', names with ''s-' ('s-Gravesande'),
# words (with hyphens and apostrophes).
_TOKEN_RE = re.compile(
    r"(?<![^\W\d_])(?:[^\W\d_]\.){1,3}|['’]t\b|['’]s-[^\W\d_]+(?:-[^\W\d_]+)*"
    r"|[^\W\d_]+(?:[-'’][^\W\d_]+)*"
)
_SENTENCE_END_CHARS = ".!?:;\n•*"
_SKIPPED_BEFORE_WORD = " \t\"'‘’“”("


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def adjacent(text: str, left: Token, right: Token) -> bool:
    """Only one or two spaces (no line break) between *left* and *right*; after an initial
    also none ('j.de vries')."""
    between = text[left.end:right.start]
    if not between:
        return left.is_initial
    return len(between) <= 2 and between.isspace() and "\n" not in between


def is_sentence_start(text: str, token: Token) -> bool:
    position = token.start
    while position > 0 and text[position - 1] in _SKIPPED_BEFORE_WORD:
        position -= 1
    return position == 0 or text[position - 1] in _SENTENCE_END_CHARS
