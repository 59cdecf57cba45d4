"""Reading a corpus folder: walk it, read each file, attach metadata, skip what is bad.

`scan_corpus` only fingerprints files (cheap: used to decide whether anything changed);
`read_document` reads one file. Bad files never raise out of here: they become `Skipped`.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from radassist.catalog import CatalogEntry, meta_from_front_matter
from radassist.readers import READERS, clip_label, reader_for, read_docx
from radassist.settings import ReadingSettings
from radassist.types import DocMeta, Document, ReadError, Skipped, rel_path

MAX_THEMES = 30  # per document, from front matter


@dataclass(frozen=True)
class FileInfo:
    path: Path
    rel: str
    size: int
    sha256: str


def scan_corpus(corpus_dir: Path, reading: ReadingSettings) -> tuple[list[FileInfo], list[Skipped]]:
    """All candidate document files under corpus_dir, recursively, in a stable order."""
    files: list[FileInfo] = []
    skipped: list[Skipped] = []
    root = corpus_dir.resolve()
    max_bytes = int(reading.max_file_mb * 1024 * 1024)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.startswith("~$"):
                continue
            path = Path(dirpath) / name
            rel = rel_path(path, root)
            if rel in reading.ignore:
                continue
            if reader_for(path) is None:
                continue
            try:
                real = path.resolve(strict=True)
                if not real.is_file():
                    raise OSError("not a regular file")
                size = real.stat().st_size
            except (OSError, RuntimeError):
                skipped.append(Skipped(rel, f"{rel}: onleesbare of kapotte link (broken link or symlink loop)"))
                continue
            if size == 0:
                skipped.append(Skipped(rel, f"{rel}: leeg bestand (empty file)"))
                continue
            if size > max_bytes:
                skipped.append(
                    Skipped(rel, f"{rel}: te groot ({size / 2**20:.1f} MB > {reading.max_file_mb:g} MB) (file too large)")
                )
                continue
            files.append(FileInfo(path=real, rel=rel, size=size, sha256=_sha256(real)))
    return files, skipped


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_document(
    info: FileInfo, catalog: dict[str, CatalogEntry], reading: ReadingSettings
) -> tuple[Document, list[str]]:
    """Read one file into a Document (plus warnings); raises ReadError with a one-line reason."""
    reader = READERS[info.path.suffix.lower()] if info.path.suffix.lower() in READERS else None
    if reader is None:
        raise ReadError(f"{info.rel}: onbekend bestandstype (unsupported type)")
    try:
        if reader is read_docx:
            parsed = read_docx(info.path, reading.max_zip_ratio)
        else:
            parsed = reader(info.path)
    except ReadError as exc:
        raise ReadError(f"{info.rel}: {str(exc).split(': ', 1)[-1]}") from None
    except (MemoryError, RecursionError) as exc:
        raise ReadError(f"{info.rel}: te complex om te lezen ({type(exc).__name__})") from None
    except Exception as exc:  # a reader bug must not stop the whole index run
        raise ReadError(f"{info.rel}: kan niet worden gelezen ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not parsed.text.strip():
        raise ReadError(f"{info.rel}: geen tekst gevonden (no text)")

    fallback_title = parsed.first_heading or _title_from_name(info.path)
    entry = catalog.get(info.rel)
    if entry is not None:
        meta = entry.meta()
    else:
        meta = _bounded(meta_from_front_matter(parsed.meta, _id_from_rel(info.rel), fallback_title))
    # Readers name the file only; two files of the same name in different folders must be told apart.
    warnings = [f"{info.rel}: {w.split(': ', 1)[-1]}" for w in parsed.warnings]
    return Document(
        meta=meta,
        path=info.rel,
        text=parsed.text,
        sha256=info.sha256,
        sections=parsed.sections,
        pages=parsed.pages,
    ), warnings


def _bounded(meta: DocMeta) -> DocMeta:
    """Front matter comes from the file itself, and every chunk carries a copy of these fields."""
    meta.title = clip_label(meta.title)
    meta.region = clip_label(meta.region)
    meta.date = clip_label(meta.date, 40)
    meta.themes = [clip_label(t, 80) for t in meta.themes[:MAX_THEMES]]
    return meta


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_-]+", " ", path.stem).strip().capitalize() or path.name


def _id_from_rel(rel: str) -> str:
    stem = re.sub(r"\.[^.]+$", "", rel)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-")[:120] or "doc"
