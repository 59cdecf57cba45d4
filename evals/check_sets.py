"""Validate the evaluation sets in evals/ against the extracted text of a built index.

Usage:
    .venv/bin/python evals/check_sets.py                       # dev.jsonl + conversations.jsonl (index/),
                                                               # realdocs.jsonl (/tmp/realdocs-index, if built)
    .venv/bin/python evals/check_sets.py --set FILE [--set FILE ...] --index DIR

A set is JSONL. A line is either a single question

    {"id", "question", "answerable", "doc_ids", "evidence", "answer_facts", "kind", "filters"?, "note"?}

or a conversation

    {"id", "turns": [<question without id>, ...], "note"?}

Checks: required fields and their types, the kind vocabulary, unique ids, 6-15 words per evidence
string, answerable=false => no doc_ids/evidence/answer_facts and kind "unanswerable", every doc_id
exists in the index, every evidence string occurs (whitespace-normalised, case-insensitive) in the
extracted text of at least one of its doc_ids, every answer fact occurs as whole words (accents and
punctuation ignored, as the eval matches facts in answers) in the evidence or in the text of one of
its doc_ids, and filters (type/region/themes/doc_ids) admit every cited doc_id.

The functions `load_set`, `load_documents`, `load_document_meta` and `check_set` are importable so
a test can reuse them, e.g.:

    spec = importlib.util.spec_from_file_location("check_sets", ROOT / "evals" / "check_sets.py")

Standard library only; exits 1 and lists every failure when a set does not pass.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

KINDS = {"fact", "definition", "procedure", "why", "multi-part", "comparison", "unanswerable"}
FILTER_KEYS = {"type", "types", "theme", "themes", "region", "regions", "doc_ids"}
QUESTION_KEYS = {"question", "answerable", "doc_ids", "evidence", "answer_facts", "kind", "filters", "note"}
EVIDENCE_MIN_WORDS = 6
EVIDENCE_MAX_WORDS = 15
MAX_EVIDENCE = 3
MAX_FACTS = 3
MAX_FACT_WORDS = 10
MIN_TURNS = 2
MAX_TURNS = 3

ROOT = Path(__file__).resolve().parents[1]
# (set, index, skip when that index is not built)
DEFAULT_SETS = [
    (ROOT / "evals" / "dev.jsonl", ROOT / "index", False),
    (ROOT / "evals" / "conversations.jsonl", ROOT / "index", False),
    (ROOT / "evals" / "realdocs.jsonl", Path("/tmp/realdocs-index"), True),
]

_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Unicode NFC, whitespace runs collapsed to one space, trimmed, case-folded."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def fact_form(text: str) -> str:
    """Token form used to match answer facts: accents stripped, lower case, punctuation to spaces.

    Mirrors radassist.text.normalize, which the eval uses to find facts in an answer as whole words,
    so a fact must be whole words ("rechts-extremisme", not "rechts-extremis").
    """
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def word_count(text: str) -> int:
    return len(_WS.sub(" ", text).strip().split(" ")) if text.strip() else 0


# ---------------------------------------------------------------------------------------------- loading


def load_set(path: str | Path, errors: list[str] | None = None) -> list[dict]:
    """The objects of a JSONL file, in order; blank lines are skipped.

    A line that is not a JSON object is reported in `errors` when a list is given (and skipped);
    without one, a ValueError naming every such line is raised.
    """
    items: list[dict] = []
    problems: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{number}: invalid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path}:{number}: not a JSON object")
                continue
            items.append(obj)
    if problems:
        if errors is None:
            raise ValueError("\n".join(problems))
        errors.extend(problems)
    return items


def _generation_dir(index_dir: Path) -> Path:
    current = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    try:
        name = json.loads(current)["generation"]
    except (json.JSONDecodeError, TypeError, KeyError):
        name = current  # tolerate a plain generation name
    return index_dir / "generations" / name


def _documents(index_dir: str | Path):
    path = _generation_dir(Path(index_dir)) / "documents.jsonl"
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_documents(index_dir: str | Path) -> dict[str, str]:
    """{document id: extracted text} from documents.jsonl of the index's CURRENT generation."""
    return {doc["meta"]["id"]: doc.get("text", "") for doc in _documents(index_dir)}


def load_document_meta(index_dir: str | Path) -> dict[str, dict]:
    """{document id: catalog metadata (type, region, themes, ...)} of the CURRENT generation."""
    return {doc["meta"]["id"]: doc["meta"] for doc in _documents(index_dir)}


# --------------------------------------------------------------------------------------------- checking


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _filter_values(value) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if _is_str_list(value):
        return value
    return None


def _check_filters(where: str, filters, doc_ids: list[str], meta: dict[str, dict] | None) -> list[str]:
    failures: list[str] = []
    if not isinstance(filters, dict):
        return [f"{where}: filters must be an object"]
    for key, value in filters.items():
        if key not in FILTER_KEYS:
            failures.append(f"{where}: unknown filter key {key!r} (allowed: {sorted(FILTER_KEYS)})")
        elif _filter_values(value) is None:
            failures.append(f"{where}: filter {key!r} must be a string or a list of strings")
    if failures or meta is None or not doc_ids:
        return failures

    def admitted(doc_id: str) -> bool:
        m = meta.get(doc_id)
        if m is None:
            return False
        for keys, field in ((("type", "types"), "type"), (("region", "regions"), "region")):
            wanted = [v for k in keys for v in (_filter_values(filters.get(k)) or [])]
            if wanted and m.get(field) not in wanted:
                return False
        themes = [v for k in ("theme", "themes") for v in (_filter_values(filters.get(k)) or [])]
        if themes and not set(themes) & set(m.get("themes") or []):
            return False
        ids = _filter_values(filters.get("doc_ids")) or []
        if ids and doc_id not in ids:
            return False
        return True

    excluded = [d for d in doc_ids if not admitted(d)]
    if excluded:
        failures.append(f"{where}: filters {filters} exclude cited doc_ids {excluded}")
    return failures


def _check_question(
    where: str, q: dict, docs_norm: dict[str, str], docs_facts: dict[str, str], meta: dict[str, dict] | None
) -> list[str]:
    """Every failure of one question (or conversation turn); checks continue past bad fields."""
    failures: list[str] = []
    for key in sorted(set(q) - QUESTION_KEYS - {"id"}):
        failures.append(f"{where}: unknown field {key!r}")
    for key in ("question", "answerable", "doc_ids", "evidence", "answer_facts", "kind"):
        if key not in q:
            failures.append(f"{where}: missing field {key!r}")

    question = q.get("question")
    if "question" in q and (not isinstance(question, str) or not question.strip()):
        failures.append(f"{where}: question must be a non-empty string")
    answerable = q.get("answerable")
    if "answerable" in q and not isinstance(answerable, bool):
        failures.append(f"{where}: answerable must be true or false")
        answerable = None
    kind = q.get("kind")
    if "kind" in q and kind not in KINDS:
        failures.append(f"{where}: kind {kind!r} not in {sorted(KINDS)}")
    lists: dict[str, list[str]] = {}
    for name in ("doc_ids", "evidence", "answer_facts"):
        value = q.get(name, [])
        if _is_str_list(value):
            lists[name] = value
        else:
            failures.append(f"{where}: {name} must be a list of strings")
            lists[name] = []
    doc_ids, evidence, facts = lists["doc_ids"], lists["evidence"], lists["answer_facts"]
    if "note" in q and not isinstance(q["note"], str):
        failures.append(f"{where}: note must be a string")
    if "filters" in q:
        failures += _check_filters(where, q["filters"], doc_ids, meta)

    if answerable is False:
        if doc_ids or evidence or facts:
            failures.append(f"{where}: answerable=false requires empty doc_ids, evidence and answer_facts")
        if kind != "unanswerable":
            failures.append(f"{where}: answerable=false requires kind 'unanswerable' (got {kind!r})")
        return failures
    if answerable is True:
        if kind == "unanswerable":
            failures.append(f"{where}: kind 'unanswerable' but answerable=true")
        if not doc_ids:
            failures.append(f"{where}: answerable question without doc_ids")
        if not 1 <= len(evidence) <= MAX_EVIDENCE:
            failures.append(f"{where}: needs 1-{MAX_EVIDENCE} evidence strings (has {len(evidence)})")
        if not 1 <= len(facts) <= MAX_FACTS:
            failures.append(f"{where}: needs 1-{MAX_FACTS} answer_facts (has {len(facts)})")

    if len(set(doc_ids)) != len(doc_ids):
        failures.append(f"{where}: duplicate doc_ids")
    for d in doc_ids:
        if d not in docs_norm:
            failures.append(f"{where}: doc_id {d!r} not in the index")
    known = [d for d in dict.fromkeys(doc_ids) if d in docs_norm]

    for ev in evidence:
        n = word_count(ev)
        if not EVIDENCE_MIN_WORDS <= n <= EVIDENCE_MAX_WORDS:
            failures.append(
                f"{where}: evidence has {n} words (needs {EVIDENCE_MIN_WORDS}-{EVIDENCE_MAX_WORDS}): {ev!r}"
            )
        if known and not any(normalize(ev) in docs_norm[d] for d in known):
            failures.append(f"{where}: evidence not found in the text of {known}: {ev!r}")

    sources = [f" {fact_form(e)} " for e in evidence] + [f" {docs_facts[d]} " for d in known]
    for fact in facts:
        if not fact_form(fact):
            failures.append(f"{where}: empty answer fact")
            continue
        if word_count(fact) > MAX_FACT_WORDS:
            failures.append(f"{where}: answer fact longer than {MAX_FACT_WORDS} words: {fact!r}")
        key = f" {fact_form(fact)} "
        if known and not any(key in src for src in sources):
            failures.append(
                f"{where}: answer fact is not a whole-word phrase of the evidence or of the text of {known}: {fact!r}"
            )
    return failures


def check_set(items: list[dict], documents: dict[str, str], meta: dict[str, dict] | None = None) -> list[str]:
    """Every failure found in `items` (single questions or conversations), as readable lines.

    `documents` maps document id to extracted text (see `load_documents`); `meta` (optional, see
    `load_document_meta`) enables the check that filters admit every cited document.
    """
    docs_norm = {doc_id: normalize(text) for doc_id, text in documents.items()}
    docs_facts = {doc_id: fact_form(text) for doc_id, text in documents.items()}
    failures: list[str] = []
    seen_ids: set[str] = set()
    seen_questions: dict[str, str] = {}

    for position, item in enumerate(items, 1):
        item_id = item.get("id")
        where = f"item {position} ({item_id})" if item_id else f"item {position}"
        if not isinstance(item_id, str) or not item_id.strip():
            failures.append(f"{where}: missing or empty id")
        elif item_id in seen_ids:
            failures.append(f"{where}: duplicate id {item_id!r}")
        else:
            seen_ids.add(item_id)

        if "turns" in item:
            for key in sorted(set(item) - {"id", "turns", "note"}):
                failures.append(f"{where}: unknown field {key!r} in a conversation")
            turns = item["turns"]
            if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
                failures.append(f"{where}: turns must be a list of objects")
                continue
            if not MIN_TURNS <= len(turns) <= MAX_TURNS:
                failures.append(f"{where}: needs {MIN_TURNS}-{MAX_TURNS} turns (has {len(turns)})")
            for t, turn in enumerate(turns, 1):
                failures += _check_question(f"{where} turn {t}", turn, docs_norm, docs_facts, meta)
            continue

        failures += _check_question(where, item, docs_norm, docs_facts, meta)
        question = item.get("question")
        if isinstance(question, str) and question.strip():
            key = normalize(question)
            if key in seen_questions:
                failures.append(f"{where}: same question as {seen_questions[key]}")
            else:
                seen_questions[key] = where
    return failures


# -------------------------------------------------------------------------------------------------- CLI


def _summary(items: list[dict]) -> str:
    questions = [t for it in items for t in (it["turns"] if isinstance(it.get("turns"), list) else [it])]
    kinds: dict[str, int] = {}
    for q in questions:
        kinds[str(q.get("kind"))] = kinds.get(str(q.get("kind")), 0) + 1
    answerable = sum(1 for q in questions if q.get("answerable") is True)
    kinds_text = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    return f"{len(items)} items, {len(questions)} questions ({answerable} answerable); {kinds_text}"


def run(sets: list[tuple[Path, Path, bool]]) -> int:
    """Check each (set, index, skip-if-index-missing); print a line per set; 1 if any failed."""
    failed = False
    loaded: dict[Path, tuple[dict, dict]] = {}
    for set_path, index_dir, skip_missing_index in sets:
        label = str(set_path)
        if not Path(index_dir, "CURRENT").exists():
            if skip_missing_index:
                print(f"SKIP {label}: no index at {index_dir} (build it: .venv/bin/radassist index --corpus "
                      f"/work/shared/realdocs --index {index_dir})")
                continue
            print(f"FAIL {label}: no index at {index_dir}")
            failed = True
            continue
        parse_errors: list[str] = []
        try:
            items = load_set(set_path, parse_errors)
        except OSError as exc:
            print(f"FAIL {label}: {exc}")
            failed = True
            continue
        index_dir = Path(index_dir)
        if index_dir not in loaded:
            loaded[index_dir] = (load_documents(index_dir), load_document_meta(index_dir))
        documents, meta = loaded[index_dir]
        failures = parse_errors + check_set(items, documents, meta)
        if failures:
            failed = True
            print(f"FAIL {label} ({len(failures)} failures; index {index_dir}):")
            for line in failures:
                print(f"  - {line}")
        else:
            print(f"OK   {label}: {_summary(items)}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", dest="sets", type=Path, help="a JSONL set (repeatable)")
    parser.add_argument("--index", type=Path, help="index directory whose CURRENT generation to check against")
    args = parser.parse_args(argv)
    if args.sets:
        index_dir = args.index or ROOT / "index"
        return run([(s, index_dir, False) for s in args.sets])
    if args.index:
        parser.error("--index needs --set")
    return run(DEFAULT_SETS)


if __name__ == "__main__":
    sys.exit(main())
