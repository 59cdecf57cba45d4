"""Measure the personal-data guard against labelled questions.

Each line of a labelled file is a JSON object
``{"text": ..., "spans": [{"kind": ..., "text": ...}, ...], "split": ...}`` ("split" is
optional; other fields are ignored).

Two scores per kind:

- *exact* (precision, recall, F1): a predicted span counts when a labelled span of the
  same kind has exactly the same text after whitespace normalisation; repeated mentions
  count separately (multiset matching per question).
- *redacted* (recall only): a labelled span counts when ``redact`` leaves none of its letters
  and digits behind, whatever kind the covering span has. This is what matters for privacy
  ("does the value survive redaction?") and is what the targets are judged on.

Besides those: the share of questions without personal data that ``redact`` changes, and
the detection time per question (p50, p95, after one warm-up pass).

Labelling conventions: a name span holds the name as written, including tussenvoegsels and
initials but not titles such as 'meneer' or 'dhr.'; an address span holds street and number
and/or postcode and number, not the place name; a date of birth span holds only the date (or
the year after 'geboren in').

Run ``python -m radassist.privacy.evaluate [labelled.jsonl ...] [--markdown results.md]``
(also ``python -m radassist.privacy_eval``). The report lists the questions with errors for
every split except ``test``: the test split is only reported in aggregate, so that it stays
unseen by whoever tunes the rules.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from radassist.privacy import KINDS, detect, redact

STRUCTURED_KINDS = ("bsn", "telefoon", "email", "iban")
DEFAULT_LABELLED = Path("evals/privacy/labelled.jsonl")
BLIND_LABELLED = Path("evals/privacy/blind.jsonl")
HIDDEN_SPLITS = frozenset({"test"})


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _scores(tp: int, n_pred: int, n_gold: int) -> dict:
    precision = _ratio(tp, n_pred)
    recall = _ratio(tp, n_gold)
    f1 = None
    if precision is not None and recall is not None and precision + recall > 0:
        f1 = 2 * precision * recall / (precision + recall)
    return {"tp": tp, "predicted": n_pred, "gold": n_gold, "precision": precision, "recall": recall, "f1": f1}


def load(path: str | Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _counters(spans: list[tuple[str, str]]) -> Counter:
    return Counter((kind, _normalise(text)) for kind, text in spans)


def _gold_positions(text: str, spans: list[dict]) -> list[tuple[str, str, int, int]]:
    """Where each labelled span sits in *text*: the n-th label with the same value is the
    n-th occurrence of that value."""
    seen: Counter = Counter()
    positions = []
    for span in spans:
        value = span["text"]
        start = -1
        for _ in range(seen[value] + 1):
            start = text.find(value, start + 1)
            if start < 0:
                break
        seen[value] += 1
        if start >= 0:
            positions.append((span["kind"], value, start, start + len(value)))
        else:
            positions.append((span["kind"], value, -1, -1))
    return positions


def _survives(text: str, covered: bytearray, start: int, end: int) -> bool:
    """True when a letter or digit of text[start:end] is not covered by a detected span."""
    if start < 0:
        return True
    return any(text[i].isalnum() and not covered[i] for i in range(start, end))


def _score(examples: list[dict]) -> dict:
    """Exact and redaction scores per kind for *examples*, plus the questions with errors."""
    tp, pred, gold = Counter(), Counter(), Counter()
    redacted, leaked = Counter(), Counter()
    clean = changed = 0
    errors = []
    for example in examples:
        text = example["text"]
        spans = detect(text)
        expected = _counters([(s["kind"], s["text"]) for s in example["spans"]])
        found = _counters([(s.kind, s.text) for s in spans])
        hits = expected & found
        for counter, source in ((tp, hits), (pred, found), (gold, expected)):
            for (kind, _), count in source.items():
                counter[kind] += count
        covered = bytearray(len(text))
        for span in spans:
            covered[span.start:span.end] = b"\x01" * (span.end - span.start)
        leaks = []
        for kind, value, start, end in _gold_positions(text, example["spans"]):
            if _survives(text, covered, start, end):
                leaked[kind] += 1
                leaks.append((kind, value))
            else:
                redacted[kind] += 1
        if not example["spans"]:
            clean += 1
            changed += redact(text, spans) != text
        missed, extra = expected - hits, found - hits
        if missed or extra or leaks:
            errors.append(
                {
                    "text": text,
                    "split": example.get("split", ""),
                    "leaked": sorted(leaks),
                    "false_negatives": sorted(missed.elements()),
                    "false_positives": sorted(extra.elements()),
                }
            )
    per_kind = {kind: _scores(tp[kind], pred[kind], gold[kind]) for kind in KINDS}
    for kind in KINDS:
        per_kind[kind]["redacted"] = redacted[kind]
        per_kind[kind]["redaction_recall"] = _ratio(redacted[kind], redacted[kind] + leaked[kind])
    return {
        "examples": len(examples),
        "with_personal_data": sum(1 for e in examples if e["spans"]),
        "per_kind": per_kind,
        "structured": _sum_scores(per_kind, STRUCTURED_KINDS),
        "overall": _sum_scores(per_kind, KINDS),
        "clean": {"questions": clean, "changed": changed, "rate": _ratio(changed, clean)},
        "errors": errors,
    }


def _sum_scores(per_kind: dict, kinds: tuple[str, ...]) -> dict:
    total = _scores(
        sum(per_kind[k]["tp"] for k in kinds),
        sum(per_kind[k]["predicted"] for k in kinds),
        sum(per_kind[k]["gold"] for k in kinds),
    )
    total["redacted"] = sum(per_kind[k]["redacted"] for k in kinds)
    total["redaction_recall"] = _ratio(total["redacted"], total["gold"])
    return total


def evaluate(path: str | Path = DEFAULT_LABELLED, split: str | None = None) -> dict:
    """Scores for the labelled file at *path* (only *split* when given).

    The result holds the scores over all selected examples and, under "by_split", the same
    scores per split. The questions with errors are under "errors".
    """
    examples = load(path)
    if split is not None:
        examples = [e for e in examples if e.get("split") == split]
    result = _score(examples)
    result["by_split"] = {
        name: _score([e for e in examples if e.get("split") == name])
        for name in sorted({e.get("split", "") for e in examples} - {""})
    }
    return result


def latency(texts: list[str], repeats: int = 3) -> dict:
    """Detection time per question in ms (p50, p95, max) after one warm-up pass."""
    for text in texts:
        detect(text)
    times = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            detect(text)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()

    def pick(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))]

    return {"questions": len(texts), "runs": len(times), "p50_ms": pick(0.5), "p95_ms": pick(0.95), "max_ms": times[-1]}


def main(argv: list[str] | None = None) -> int:
    from radassist.privacy.report import main as report_main

    return report_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
