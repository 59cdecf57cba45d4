"""The privacy evaluator and its report: redaction scores, hidden test split, the blind set's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from radassist.privacy.evaluate import evaluate, latency, load
from radassist.privacy.report import format_markdown, targets

ROOT = Path(__file__).resolve().parents[1]
BLIND = ROOT / "evals" / "privacy" / "blind.jsonl"
OLD = ROOT / "evals" / "privacy" / "labelled.jsonl"
PACKAGE = ROOT / "src" / "radassist" / "privacy"


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_redaction_recall_counts_values_that_disappear_whatever_their_span(tmp_path):
    labelled = write(tmp_path / "set.jsonl", [
        # Found as one address span where the labels have two: both are gone, neither is exact.
        {"text": "Zij woont op Kerkstraat 14, 1234 AB Ede.", "split": "tune",
         "spans": [{"kind": "adres", "text": "Kerkstraat 14"}, {"kind": "adres", "text": "1234 AB"}]},
        # A name the guard cannot know stays.
        {"text": "ik sprak mo gisteren over de reis", "split": "tune", "spans": [{"kind": "naam", "text": "mo"}]},
        {"text": "Wat doet de procesregisseur?", "split": "tune", "spans": []},
    ])
    result = evaluate(labelled)
    assert result["per_kind"]["adres"]["redaction_recall"] == 1.0
    assert result["per_kind"]["adres"]["recall"] == 0.0
    assert result["per_kind"]["naam"]["redaction_recall"] == 0.0
    assert result["clean"] == {"questions": 1, "changed": 0, "rate": 0.0}
    assert [e["leaked"] for e in result["errors"]] == [[], [("naam", "mo")]]


def test_report_never_shows_questions_of_the_test_split(tmp_path):
    tune_text = "ik sprak mo gisteren over de reis"
    test_text = "ik sprak bo gisteren over de reis"
    blind = write(tmp_path / "blind.jsonl", [
        {"text": tune_text, "split": "tune", "spans": [{"kind": "naam", "text": "mo"}]},
        {"text": test_text, "split": "test", "spans": [{"kind": "naam", "text": "bo"}]},
        {"text": "Wat doet de procesregisseur?", "split": "test", "spans": []},
    ])
    report = format_markdown(blind, None)
    assert tune_text in report
    assert test_text not in report and "`bo`" not in report
    assert "Blijven staan na redactie: naam 1" in report
    assert "| naam: verwijderd | >= 0.95 | 0.00 | nee |" in report


def test_targets_judge_every_kind(tmp_path):
    result = evaluate(write(tmp_path / "s.jsonl", [
        {"text": "Bel 06-12345678 of mail a@b.nl.", "split": "test",
         "spans": [{"kind": "telefoon", "text": "06-12345678"}, {"kind": "email", "text": "a@b.nl"}]},
    ]))
    rows = {row[0]: row for row in targets(result, {"p95_ms": 30.0})}
    assert rows["telefoon: verwijderd"][3] and rows["email: verwijderd"][3]
    assert rows["bsn: verwijderd"][2] is None and rows["bsn: verwijderd"][3]
    assert rows["detectie p95 (ms)"][3] is False


def test_blind_set_is_large_enough_and_split():
    rows = load(BLIND)
    assert len(rows) >= 440
    assert {row["split"] for row in rows} == {"tune", "test"}
    assert sum(1 for row in rows if row["spans"]) >= 250


def test_quality_on_the_tune_split_of_the_blind_set():
    result = evaluate(BLIND, split="tune")
    kinds = result["per_kind"]
    assert kinds["naam"]["redaction_recall"] >= 0.95
    for kind in ("bsn", "telefoon", "email", "iban", "adres", "geboortedatum"):
        assert kinds[kind]["redaction_recall"] >= 0.98, kind
    assert result["clean"]["rate"] <= 0.05


def test_detection_is_fast():
    timing = latency([row["text"] for row in load(BLIND) if row["split"] == "tune"], repeats=1)
    assert timing["p95_ms"] <= 20


def test_results_file_reports_both_sets():
    text = (ROOT / "evals" / "privacy" / "results.md").read_text(encoding="utf-8")
    assert "evals/privacy/blind.jsonl" in text and "evals/privacy/labelled.jsonl" in text
    assert "### Doelen (deel `test`)" in text
    test_texts = [row["text"] for row in load(BLIND) if row["split"] == "test"]
    assert not any(t in text for t in test_texts), "the test split must stay unseen"


def test_old_module_entry_point_still_works(tmp_path):
    labelled = write(tmp_path / "s.jsonl", [{"text": "Bel Jan de Vries.", "spans": [{"kind": "naam", "text": "Jan de Vries"}]}])
    out = subprocess.run(
        [sys.executable, "-m", "radassist.privacy_eval", str(labelled)], capture_output=True, text=True, check=True
    ).stdout
    assert "| naam | 1 | 1 | 1.00 |" in out


def test_package_layout_small_modules_and_packaged_data():
    for module in PACKAGE.glob("*.py"):
        assert len(module.read_text(encoding="utf-8").splitlines()) < 400, module.name
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"radassist.privacy" = ["data/*.txt"]' in pyproject
    assert sorted(p.suffix for p in (PACKAGE / "data").iterdir()) == [".txt"] * len(list((PACKAGE / "data").iterdir()))


def test_packaged_corpus_words_are_the_whole_corpus():
    from radassist.privacy.wordlists import words

    assert len(words("corpus_words")) > 1000
    assert {"bellen", "casus", "toestemming"} <= words("corpus_words")


@pytest.mark.parametrize("name", ["corpus_vocabulary", "name_like_words"])
def test_generated_vocabulary_holds_no_known_names(name):
    from radassist.privacy import lookups
    from radassist.privacy.wordlists import words

    vocabulary = words(name)
    assert len(vocabulary) > 20
    if name == "corpus_vocabulary":
        assert not vocabulary & (lookups.first_names() | lookups.surnames())


def test_vocabulary_is_derived_from_the_indexed_chunks(tmp_path):
    from radassist.privacy.vocabulary import main

    index = tmp_path / "index"
    generation = index / "generations" / "g1"
    generation.mkdir(parents=True)
    (index / "CURRENT").write_text(json.dumps({"generation": "g1"}), encoding="utf-8")
    chunks = [
        {"title": "Factsheet", "text": "De jongen gaat naar de Zonnebloemkliniek en het Kompasplein-overleg."},
        {"title": "Interview", "text": "Volgens Sjoerd Hoekstra werkt de FLOK-methode; de bron is bekend."},
    ]
    write(generation / "chunks.jsonl", chunks)
    vocabulary, name_like = tmp_path / "v.txt", tmp_path / "n.txt"
    assert main(["--index", str(index), "--output", str(vocabulary), "--name-like-output", str(name_like)]) == 0
    derived = set(vocabulary.read_text(encoding="utf-8").split("\n", 3)[3].split())
    assert {"zonnebloemkliniek", "kompasplein-overleg", "flok-methode"} <= derived
    assert not derived & {"sjoerd", "hoekstra", "de", "volgens"}
    assert "bron" in name_like.read_text(encoding="utf-8")
    # The ordinary lower-case words go beside --output, never over the packaged list.
    lower_words = set((tmp_path / "corpus_words.txt").read_text(encoding="utf-8").split("\n", 3)[3].split())
    assert {"bron", "gaat", "werkt"} <= lower_words and "zonnebloemkliniek" not in lower_words
