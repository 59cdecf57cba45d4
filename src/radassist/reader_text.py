"""Readers for the text formats: Markdown (with YAML front matter), plain text and HTML (streaming parser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from radassist.parsed import Parsed, _Builder, decode_utf8


# ----------------------------------------------------------------------------- Markdown / text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+)$")  # closing '#'s are cut in Python: see _heading_title
# Link text may not contain brackets, nor the URL parentheses beyond one nested pair, so a scan
# stops at the next candidate: linear time even on a line of 100,000 '[' (a minute before).
_MD_LINK = re.compile(r"!?\[([^\[\]]*+)\]\([^()]*+(?:\([^()]*+\)[^()]*+)?\)")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")
_HTML_TAG = re.compile(r"<[^>]{0,500}>")


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases: front matter needs none, and a few lines of nested aliases expand
    to gigabytes once the values are turned into text ("billion laughs")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed in front matter")
        return super().compose_node(parent, index)


def split_front_matter(text: str, name: str) -> tuple[dict, str, list[str]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, []
    body = text[match.end():]
    try:
        data = yaml.load(match.group(1), Loader=_FrontMatterLoader)
    except (yaml.YAMLError, ValueError, RecursionError):  # "date: 2024-02-30" raises ValueError
        return {}, body, [f"{name}: front matter is geen geldige YAML en wordt genegeerd (invalid front matter ignored)"]
    if not isinstance(data, dict):
        return {}, body, [f"{name}: front matter is geen YAML-mapping en wordt genegeerd (front matter ignored)"]
    return data, body, []


def _clean_md_line(line: str) -> str:
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPH.sub(r"\2", line)
    return _HTML_TAG.sub("", line)


def read_markdown(path: Path) -> Parsed:
    text = decode_utf8(path.read_bytes(), path.name)
    meta, body, warnings = split_front_matter(text, path.name)
    b = _Builder()
    if meta.get("title"):
        b.first_heading = str(meta["title"])
    para: list[str] = []
    in_code = False

    def flush() -> None:
        if para:
            b.add("\n".join(para))
            para.clear()

    for raw in body.splitlines():
        if raw.strip().startswith("```"):
            in_code = not in_code
            continue
        match = None if in_code else _MD_HEADING.match(raw.strip())
        if match:
            flush()
            level = len(match.group(1))
            title = _clean_md_line(_heading_title(match.group(2)))
            # A single top-level '#' is the document title: it is not part of section paths.
            b.heading(0 if level == 1 else level, title)
        elif not raw.strip():
            flush()
        else:
            para.append(_clean_md_line(raw.rstrip()))
    flush()
    return b.result(meta=meta, warnings=warnings)


def _heading_title(rest: str) -> str:
    """The heading text without its closing '#'s (a title of only '#'s keeps its first one).

    Done here, not in the regex: `(.+?)[ \t#]*$` re-scans the closing run at every position,
    which is quadratic on a long line.
    """
    return rest.rstrip(" \t#") or rest[:1]


def read_text(path: Path) -> Parsed:
    text = decode_utf8(path.read_bytes(), path.name)
    b = _Builder()
    for block in re.split(r"\n\s*\n", text):
        b.add(block)
    return b.result()


# ----------------------------------------------------------------------------- HTML

class _HtmlText(HTMLParser):
    """Streaming HTML to text: no tree, so deeply nested markup cannot exhaust the stack."""

    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "blockquote", "pre", "dd", "dt"}

    def __init__(self, builder: _Builder) -> None:
        super().__init__(convert_charrefs=True)
        self.b = builder
        self.skip_depth = 0
        self.buf: list[str] = []
        self.heading_level = 0
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.heading_level = int(tag[1])
        elif tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self.heading_level:
            level = self.heading_level
            self.heading_level = 0
            text = " ".join("".join(self.buf).split())
            self.buf.clear()
            self.b.heading(0 if level == 1 else level, text)
        elif tag in self._BLOCK:
            self._flush()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skip_depth:
            self.buf.append(data)

    def _flush(self):
        if self.heading_level:
            return
        text = " ".join("".join(self.buf).split())
        self.buf.clear()
        self.b.add(text)

    def close(self):
        # An unterminated tag or comment leaves the rest of the file pending. Older Pythons (3.11.7
        # here) then re-scan it from every later '<', which takes hours on a hostile file; patched
        # ones drop it, as browsers do (HTML5). Drop it here on every version.
        if self.rawdata.startswith("<"):
            self.rawdata = ""
        super().close()
        self.heading_level = 0
        self._flush()


def read_html(path: Path) -> Parsed:
    text = decode_utf8(path.read_bytes(), path.name)
    b = _Builder()
    parser = _HtmlText(b)
    parser.feed(text)
    parser.close()
    parsed = b.result()
    if parser.title.strip():
        parsed.meta = {"title": " ".join(parser.title.split())}
    return parsed
