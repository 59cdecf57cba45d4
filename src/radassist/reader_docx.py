"""The DOCX reader (python-docx, imported lazily): headings and list styles, tables, zip-bomb checks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from radassist.parsed import Parsed, _Builder
from radassist.types import ReadError


# ----------------------------------------------------------------------------- DOCX

def _check_zip(path: Path, max_ratio: float) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > 5000:
                raise ReadError(f"{path.name}: te veel onderdelen in het DOCX-bestand (suspicious archive)")
            unpacked = sum(i.file_size for i in infos)
            if unpacked > max(path.stat().st_size, 1) * max_ratio or unpacked > 500_000_000:
                raise ReadError(f"{path.name}: verdacht archief, uitgepakt veel te groot (zip bomb?)")
            if "word/document.xml" not in zf.namelist():
                raise ReadError(f"{path.name}: geen geldig Word-document (word/document.xml missing)")
    except zipfile.BadZipFile:
        raise ReadError(f"{path.name}: beschadigd of geen Word-bestand (not a valid DOCX/zip)") from None


def read_docx(path: Path, max_zip_ratio: float = 100.0) -> Parsed:
    _check_zip(path, max_zip_ratio)
    import docx  # python-docx; imported lazily to keep start-up fast

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on broken parts
        raise ReadError(f"{path.name}: Word-bestand kan niet worden gelezen ({type(exc).__name__})") from None
    b = _Builder()
    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        text = para.text.strip()
        if not text:
            continue
        level = _docx_heading_level(style)
        if level is not None:
            b.heading(level, text)
        elif style.lower().startswith("list"):
            b.add("- " + text)
        else:
            b.add(text)
    for table in document.tables:
        for row in table.rows:
            b.add(" | ".join(cell.text.strip() for cell in row.cells))
    meta = {}
    title = (document.core_properties.title or "").strip()
    if title:
        meta["title"] = title
    return b.result(meta=meta)


def _docx_heading_level(style: str) -> int | None:
    low = style.lower()
    if low == "title":
        return 0
    match = re.fullmatch(r"(heading|kop)\s*(\d)", low)
    return int(match.group(2)) + 1 if match else None  # Heading 1 sits below the title
