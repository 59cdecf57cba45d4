"""corpus/catalog.yaml: document metadata kept by the maintainers.

    documents:
      - id: fs-03-procesregie
        file: factsheets/fs-03-procesregie.pdf
        title: "Factsheet: Procesregie"
        type: factsheet            # rapport | factsheet | interview | other
        themes: [procesregie]
        region: landelijk
        date: 2024-05-01
        confidentiality: openbaar  # openbaar | intern

A missing file, a duplicate id or a bad field is a `ConfigError` that names the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from radassist.types import CONFIDENTIALITY, DOC_TYPES, ConfigError, DocMeta

CATALOG_NAMES = ("catalog.yaml", "catalog.yml")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    file: str
    title: str
    type: str = "other"
    themes: list[str] = []
    region: str = ""
    date: str = ""
    confidentiality: str = "openbaar"

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("id may only hold letters, digits, '.', '_' and '-'")
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in DOC_TYPES:
            raise ValueError(f"type must be one of {', '.join(DOC_TYPES)}")
        return v

    @field_validator("confidentiality")
    @classmethod
    def _conf(cls, v: str) -> str:
        if v not in CONFIDENTIALITY:
            raise ValueError(f"confidentiality must be one of {', '.join(CONFIDENTIALITY)}")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v) -> str:
        if v in (None, ""):
            return ""
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()[:10]
        dt.date.fromisoformat(str(v))
        return str(v)

    def meta(self) -> DocMeta:
        return DocMeta(
            id=self.id,
            title=self.title,
            type=self.type,
            themes=list(self.themes),
            region=self.region,
            date=self.date,
            confidentiality=self.confidentiality,
        )


def find_catalog(corpus_dir: Path) -> Path | None:
    for name in CATALOG_NAMES:
        if (corpus_dir / name).is_file():
            return corpus_dir / name
    return None


def load_catalog(corpus_dir: Path) -> dict[str, CatalogEntry]:
    """Entries keyed by file path relative to the corpus dir (forward slashes)."""
    path = find_catalog(corpus_dir)
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: geen geldige YAML ({exc.__class__.__name__})") from None
    items = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path.name}: verwacht een lijst 'documents:'")
    entries: dict[str, CatalogEntry] = {}
    seen_ids: set[str] = set()
    for number, item in enumerate(items, start=1):
        label = f"{path.name}: entry {number}"
        if isinstance(item, dict) and item.get("id"):
            label += f" (id '{item['id']}')"
        try:
            entry = CatalogEntry.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "entry"
            raise ConfigError(f"{label}: field '{field}': {first['msg']}") from None
        if entry.id in seen_ids:
            raise ConfigError(f"{label}: duplicate id '{entry.id}'")
        seen_ids.add(entry.id)
        rel = Path(entry.file.replace("\\", "/")).as_posix()
        if not (corpus_dir / rel).is_file():
            raise ConfigError(f"{label}: file '{entry.file}' does not exist in {corpus_dir}")
        entries[rel] = entry
    return entries


def meta_from_front_matter(front: dict, fallback_id: str, fallback_title: str) -> DocMeta:
    """Metadata from Markdown front matter; invalid values fall back to defaults."""
    def text(key: str, default: str = "") -> str:
        value = front.get(key, default)
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()[:10]
        return str(value) if value is not None else default

    doc_type = text("type", "other")
    conf = text("confidentiality", "openbaar")
    themes = front.get("themes") or []
    doc_id = text("id", fallback_id)
    return DocMeta(
        id=doc_id if _ID.match(doc_id) else fallback_id,
        title=text("title", fallback_title) or fallback_title,
        type=doc_type if doc_type in DOC_TYPES else "other",
        themes=[str(t) for t in themes] if isinstance(themes, list) else [str(themes)],
        region=text("region"),
        date=text("date"),
        confidentiality=conf if conf in CONFIDENTIALITY else "intern",
    )
