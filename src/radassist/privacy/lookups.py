"""Name and place lookup lists: ours (``data/``) plus the lists that ship with ``deduce``.

deduce (Dutch de-identification, LGPL) carries lists of ~15,000 first names, ~10,500 surnames
and ~7,000 Dutch place names. We read its plain-text source lists straight from the installed
package, without importing deduce's code (that would build its lookup structures: seconds and
about a gigabyte of memory). The lists are filtered the way deduce filters them: its exception
lists and its whitelist of common words, stop words and medical terms are taken out.

Without deduce installed, only our own lists are used (the guard then finds fewer names; the
tests check that the development environment has it).
"""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache
from pathlib import Path

from .wordlists import words

__all__ = ["deduce_common_words", "deduce_lists_available", "first_names", "place_names", "surnames"]

_MIN_LENGTH = 2


def _deduce_source_dir() -> Path | None:
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "lookup" / "src"
    return path if path.is_dir() else None


def _read_lines(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8") as handle:
        return {line.strip() for line in handle if line.strip()}


def _read_list(folder: Path) -> set[str]:
    """A deduce list: items minus exceptions, plus nested lists; lower case."""
    items = _read_lines(folder / "items.txt") - _read_lines(folder / "exceptions.txt")
    for nested in sorted(folder.glob("lst_*")):
        items |= _read_list(nested)
    return {item.lower() for item in items if len(item) >= _MIN_LENGTH}


@lru_cache(maxsize=None)
def _deduce(name: str) -> frozenset[str]:
    base = _deduce_source_dir()
    if base is None:
        _warn_missing()
        return frozenset()
    return frozenset(_read_list(base / name))


@lru_cache(maxsize=1)
def _deduce_whitelist() -> frozenset[str]:
    """Words deduce never treats as a name: common words (except surnames), stop words, medical terms."""
    surnames = _deduce("names/lst_surname")
    common = _deduce("whitelist/lst_common_word") - surnames
    return frozenset(common | _deduce("whitelist/lst_stop_word") | _deduce("whitelist/lst_medical_term"))


def deduce_common_words() -> frozenset[str]:
    """deduce's common words, stop words and medical terms (never a name to deduce)."""
    return _deduce_whitelist()


@lru_cache(maxsize=1)
def _warn_missing() -> None:
    logging.getLogger(__name__).warning(
        "deduce is not installed: the privacy guard uses only its own name lists (run make install)"
    )


def deduce_lists_available() -> bool:
    return _deduce_source_dir() is not None


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Known first names (lower case): ours plus deduce's."""
    return words("first_names") | (_deduce("names/lst_first_name") - _deduce_whitelist())


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Known surnames (lower case, single words and multi-word entries): ours plus deduce's."""
    deduce_surnames = (_deduce("names/lst_surname") | _deduce("names/lst_interfix_surname")) - _deduce_whitelist()
    return words("surnames") | deduce_surnames


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Dutch places, municipalities, provinces and regions (lower case), from deduce."""
    return _deduce("locations/lst_placename")
