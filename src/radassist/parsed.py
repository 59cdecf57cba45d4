"""What every reader shares: the `Parsed` result, the `_Builder` that keeps section and page offsets
exact, `clip_label` for section labels, and strict UTF-8 decoding (`decode_utf8`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from radassist.types import ReadError


@dataclass
class Parsed:
    text: str = ""
    sections: list[tuple[int, str]] = field(default_factory=list)
    pages: list[tuple[int, int]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # from front matter or file properties
    first_heading: str = ""
    warnings: list[str] = field(default_factory=list)


# Every chunk repeats its document's title and section path, so a hostile megabyte heading would be
# copied into every chunk (gigabytes); headings stay whole in the text but are cut for those labels.
MAX_LABEL_CHARS = 300


def clip_label(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Builder:
    """Accumulates text blocks while tracking the heading stack, so offsets stay exact."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.sections: list[tuple[int, str]] = []
        self.pages: list[tuple[int, int]] = []
        self.stack: list[tuple[int, str]] = []
        self.first_heading = ""

    def heading(self, level: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            return
        label = clip_label(title)
        if not self.first_heading:
            self.first_heading = label
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, label))
        self.add(title)
        self._mark_section()

    def _mark_section(self) -> None:
        # A document title (level 1 heading shown once) would prefix every path; leave it out.
        path = " > ".join(t for lvl, t in self.stack if not (lvl == 0))
        start = self.length - len(self.parts[-1]) if self.parts else 0
        if self.sections and self.sections[-1][0] == start:
            self.sections[-1] = (start, path)
        else:
            self.sections.append((start, path))

    def page(self, number: int) -> None:
        """Mark that the next block added starts page `number`."""
        self.pages.append((self.length + (2 if self.parts else 0), number))

    def add(self, block: str) -> None:
        block = block.strip()
        if not block:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        self.parts.append(block)
        self.length += len(block)

    def continues_sentence(self, block: str) -> bool:
        last = self.parts[-1].rstrip() if self.parts else ""
        return bool(last) and not last.endswith((".", "!", "?", ":", ";")) and block[:1].islower()

    def extend_last(self, block: str) -> None:
        """Append to the previous block with a space (same paragraph)."""
        block = block.strip()
        self.parts[-1] = self.parts[-1] + " " + block
        self.length += 1 + len(block)

    def result(self, **kw) -> Parsed:
        return Parsed(
            text="".join(self.parts),
            sections=self.sections,
            pages=self.pages,
            first_heading=self.first_heading,
            **kw,
        )


# ----------------------------------------------------------------------------- text decoding

def decode_utf8(data: bytes, name: str) -> str:
    if b"\x00" in data[:65536]:
        raise ReadError(f"{name}: binaire inhoud, geen tekstbestand (binary content)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: geen geldige UTF-8-tekst (not valid UTF-8 at byte {exc.start})") from None
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 0.05 * min(len(text), 20000):
        raise ReadError(f"{name}: binaire inhoud, geen tekstbestand (binary content)")
    return text
