"""Word lists kept as data files in ``data/`` beside this module.

Every file holds lower-case words separated by white space; ``#`` starts a
comment. The lists are read once, on first use.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["words"]


@lru_cache(maxsize=None)
def words(name: str) -> frozenset[str]:
    """The words of ``data/<name>.txt`` (lower case)."""
    text = resources.files(__package__).joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    found: set[str] = set()
    for line in text.splitlines():
        found.update(line.split("#", 1)[0].lower().split())
    return frozenset(found)
