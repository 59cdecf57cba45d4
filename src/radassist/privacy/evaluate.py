"""Measure the personal-data detector against a hand-labelled set.

Each line of the labelled file is a JSON object
``{"text": ..., "spans": [{"kind": ..., "text": ...}, ...], "split": "dev"}``
("split" is optional).

Scoring is span level: a predicted span counts as correct when a labelled span
of the same kind has exactly the same text after whitespace normalisation.
Repeated mentions count separately (multiset matching per question).

Labelling conventions: a name span holds the name as written, including
tussenvoegsels and initials but not titles such as 'meneer' or 'dhr.'; an
address span holds street and number and/or postcode and number, not the
place name; a date of birth span holds only the date (or the year after
'geboren in').

Run ``python -m radassist.privacy.evaluate [labelled.jsonl] [--markdown results.md]``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import date
from pathlib import Path

from radassist.privacy import KINDS, detect

STRUCTURED_KINDS = ("bsn", "telefoon", "email", "iban")
DEFAULT_LABELLED = Path("evals/privacy/labelled.jsonl")


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


def _load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _counters(spans: list[tuple[str, str]]) -> Counter:
    return Counter((kind, _normalise(text)) for kind, text in spans)


def _score(examples: list[dict]) -> tuple[dict, list[dict]]:
    """Scores per kind for *examples*, plus the questions with errors."""
    tp, pred, gold = Counter(), Counter(), Counter()
    errors = []
    for example in examples:
        expected = _counters([(s["kind"], s["text"]) for s in example["spans"]])
        found = _counters([(s.kind, s.text) for s in detect(example["text"])])
        hits = expected & found
        for counter, source in ((tp, hits), (pred, found), (gold, expected)):
            for (kind, _), count in source.items():
                counter[kind] += count
        missed, extra = expected - hits, found - hits
        if missed or extra:
            errors.append(
                {
                    "text": example["text"],
                    "split": example.get("split", ""),
                    "false_negatives": sorted(missed.elements()),
                    "false_positives": sorted(extra.elements()),
                }
            )
    per_kind = {kind: _scores(tp[kind], pred[kind], gold[kind]) for kind in KINDS}
    return per_kind, errors


def evaluate(path: str | Path = DEFAULT_LABELLED) -> dict:
    """Precision, recall and F1 per kind, for the structured kinds and overall.

    Examples may carry a "split": "dev" was used while writing the rules,
    "holdout" was written afterwards and not used for tuning; both are also
    scored separately under "by_split". The questions with misses
    ('false_negatives') or false alarms ('false_positives') are listed under
    "errors".
    """
    examples = _load(Path(path))
    per_kind, errors = _score(examples)
    by_split = {}
    for split in sorted({e.get("split", "") for e in examples} - {""}):
        split_kinds, _ = _score([e for e in examples if e.get("split") == split])
        by_split[split] = {
            "examples": sum(1 for e in examples if e.get("split") == split),
            "structured": _sum_scores(split_kinds, STRUCTURED_KINDS),
            "naam": split_kinds["naam"],
            "overall": _sum_scores(split_kinds, KINDS),
        }
    return {
        "examples": len(examples),
        "with_personal_data": sum(1 for e in examples if e["spans"]),
        "per_kind": per_kind,
        "structured": _sum_scores(per_kind, STRUCTURED_KINDS),
        "overall": _sum_scores(per_kind, KINDS),
        "by_split": by_split,
        "errors": errors,
    }


def _sum_scores(per_kind: dict, kinds: tuple[str, ...]) -> dict:
    return _scores(
        sum(per_kind[k]["tp"] for k in kinds),
        sum(per_kind[k]["predicted"] for k in kinds),
        sum(per_kind[k]["gold"] for k in kinds),
    )


def _fmt(value: float | None) -> str:
    return "n.v.t." if value is None else f"{value:.2f}"


def format_table(result: dict) -> str:
    """The scores as a Markdown table."""
    lines = [
        "| soort | gold | voorspeld | correct | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = list(result["per_kind"].items())
    rows += [("gestructureerd (bsn, telefoon, email, iban)", result["structured"]), ("totaal", result["overall"])]
    for name, s in rows:
        lines.append(
            f"| {name} | {s['gold']} | {s['predicted']} | {s['tp']} | "
            f"{_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} |"
        )
    return "\n".join(lines)


def format_split_table(result: dict) -> str:
    """Scores per split: did the rules carry over to questions written after tuning?"""
    lines = [
        "| deel | vragen | gestructureerd P | gestructureerd R | naam P | naam R | totaal P | totaal R |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split, s in result["by_split"].items():
        cells = [s["structured"], s["naam"], s["overall"]]
        scores = " | ".join(f"{_fmt(c['precision'])} | {_fmt(c['recall'])}" for c in cells)
        lines.append(f"| {split} | {s['examples']} | {scores} |")
    return "\n".join(lines)


def format_errors(result: dict) -> str:
    lines = []
    for error in result["errors"]:
        split = f" ({error['split']})" if error["split"] else ""
        lines.append(f"- `{error['text']}`{split}")
        for label, items in (("gemist", error["false_negatives"]), ("onterecht", error["false_positives"])):
            for kind, text in items:
                lines.append(f"  - {label}: {kind} `{text}`")
    return "\n".join(lines) if lines else "Geen fouten."


def format_markdown(result: dict, path: Path) -> str:
    return "\n".join(
        [
            "# Privacy-detector: gemeten resultaat",
            "",
            f"Gegenereerd door `python -m radassist.privacy_eval` op {date.today().isoformat()}; "
            "niet met de hand bewerken.",
            "",
            f"Labelset: `{path.as_posix()}` met {result['examples']} vragen, waarvan "
            f"{result['with_personal_data']} met persoonsgegevens (alle gegevens zijn verzonnen).",
            "Score per span: exact dezelfde tekst (na normalisatie van witruimte) en dezelfde soort.",
            "Let op: de vragen zijn geschreven door dezelfde maker als de regels. Op echte vragen ligt de score",
            "lager, vooral bij namen (onbekende voornamen zonder achternaam of aanspreekvorm, kleine letters).",
            "",
            format_table(result),
            "",
            "## Per deel",
            "",
            "`dev`: gebruikt bij het schrijven van de regels. "
            "`holdout`: daarna geschreven en niet gebruikt om bij te stellen.",
            "",
            format_split_table(result),
            "",
            "## Fouten",
            "",
            format_errors(result),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Meet de detectie van persoonsgegevens.")
    parser.add_argument("labelled", nargs="?", type=Path, default=DEFAULT_LABELLED)
    parser.add_argument("--markdown", type=Path, help="schrijf het resultaat ook naar dit Markdown-bestand")
    args = parser.parse_args(argv)
    result = evaluate(args.labelled)
    print(format_table(result))
    if result["by_split"]:
        print()
        print(format_split_table(result))
    print(f"\n{len(result['errors'])} vragen met fouten.")
    if args.markdown:
        args.markdown.write_text(format_markdown(result, args.labelled), encoding="utf-8")
        print(f"Geschreven: {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
