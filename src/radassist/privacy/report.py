"""The privacy report (evals/privacy/results.md) and the command line of the evaluator."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from radassist.privacy.evaluate import BLIND_LABELLED, DEFAULT_LABELLED, HIDDEN_SPLITS, evaluate, latency, load

# Targets of issue 16, judged on the test split of the blind set.
NAME_TARGET = 0.95
OTHER_KIND_TARGET = 0.98
CLEAN_CHANGED_TARGET = 0.05
P95_TARGET_MS = 20.0


def _fmt(value: float | None) -> str:
    return "n.v.t." if value is None else f"{value:.2f}"


def format_table(result: dict) -> str:
    """Scores per kind as a Markdown table."""
    lines = [
        "| soort | gold | verwijderd | verwijderd (recall) | exact P | exact R | exact F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = list(result["per_kind"].items())
    rows += [("gestructureerd (bsn, telefoon, email, iban)", result["structured"]), ("totaal", result["overall"])]
    for name, s in rows:
        lines.append(
            f"| {name} | {s['gold']} | {s['redacted']} | {_fmt(s['redaction_recall'])} | "
            f"{_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} |"
        )
    clean = result["clean"]
    lines += [
        "",
        f"Vragen zonder persoonsgegevens: {clean['questions']}, waarvan {clean['changed']} toch gewijzigd "
        f"({_fmt(clean['rate'])}).",
    ]
    return "\n".join(lines)


def format_errors(result: dict, split: str | None = None) -> str:
    errors = [e for e in result["errors"] if split is None or e["split"] == split]
    lines = []
    for error in errors:
        tag = f" ({error['split']})" if error["split"] else ""
        lines.append(f"- `{error['text']}`{tag}")
        leaked = set(error["leaked"])
        for kind, text in error["false_negatives"]:
            lines.append(f"  - gemist: {kind} `{text}`" + (" (blijft staan)" if (kind, text) in leaked else ""))
        for kind, text in error["false_positives"]:
            lines.append(f"  - onterecht: {kind} `{text}`")
    return "\n".join(lines) if lines else "Geen fouten."


def _hidden_summary(result: dict) -> str:
    leaked: dict[str, int] = {}
    for error in result["errors"]:
        for kind, _ in error["leaked"]:
            leaked[kind] = leaked.get(kind, 0) + 1
    extra = sum(len(e["false_positives"]) for e in result["errors"])
    parts = ", ".join(f"{kind} {n}" for kind, n in sorted(leaked.items())) or "geen"
    return (
        f"{len(result['errors'])} vragen met een fout (niet getoond: dit deel blijft ongezien). "
        f"Blijven staan na redactie: {parts}. Onterechte spans: {extra}."
    )


def targets(test: dict, timing: dict) -> list[tuple[str, str, float | None, bool]]:
    """(criterion, target, measured, met) for each target of the blind test split."""
    rows = []
    per_kind = test["per_kind"]
    name = per_kind["naam"]["redaction_recall"]
    rows.append(("naam: verwijderd", f">= {NAME_TARGET:.2f}", name, name is not None and name >= NAME_TARGET))
    for kind, s in per_kind.items():
        if kind == "naam":
            continue
        value = s["redaction_recall"]
        met = value is None or value >= OTHER_KIND_TARGET
        rows.append((f"{kind}: verwijderd", f">= {OTHER_KIND_TARGET:.2f}", value, met))
    rate = test["clean"]["rate"]
    rows.append(("schone vragen gewijzigd", f"<= {CLEAN_CHANGED_TARGET:.2f}", rate, rate is None or rate <= CLEAN_CHANGED_TARGET))
    p95 = timing["p95_ms"]
    rows.append(("detectie p95 (ms)", f"<= {P95_TARGET_MS:.0f}", p95, p95 <= P95_TARGET_MS))
    return rows


def format_markdown(blind_path: Path | None, old_path: Path | None) -> str:
    lines = [
        "# Privacy-detector: gemeten resultaat",
        "",
        f"Gegenereerd door `python -m radassist.privacy.evaluate` (ook onderdeel van `make eval`) op "
        f"{date.today().isoformat()}; niet met de hand bewerken. Alle gegevens in de sets zijn verzonnen.",
        "",
        "*Verwijderd*: het gelabelde gegeven blijft na `redact` niet (ook niet gedeeltelijk) staan, welke soort "
        "de detector er ook aan gaf; daarop worden de doelen beoordeeld. *Exact*: dezelfde tekst en dezelfde soort.",
        "",
    ]
    texts: list[str] = []
    if blind_path is not None and blind_path.is_file():
        blind = evaluate(blind_path)
        texts += [e["text"] for e in load(blind_path)]
        test = blind["by_split"].get("test")
        lines += [
            f"## Blinde set (`{blind_path.as_posix()}`)",
            "",
            f"{blind['examples']} vragen, waarvan {blind['with_personal_data']} met persoonsgegevens, geschreven "
            "door iemand die de regels niet kende. Het deel `tune` is gebruikt om de regels bij te stellen; het deel "
            "`test` alleen om het resultaat te meten (de fouten daarvan worden hier niet getoond).",
            "",
        ]
        if test is not None:
            timing = latency([e["text"] for e in load(blind_path) if e.get("split") == "test"])
            lines += ["### Doelen (deel `test`)", "", "| criterium | doel | gemeten | gehaald |", "|---|---|---:|---|"]
            for criterion, target, value, met in targets(test, timing):
                lines.append(f"| {criterion} | {target} | {_fmt(value)} | {'ja' if met else 'nee'} |")
            lines.append("")
        for split, result in blind["by_split"].items():
            lines += [f"### Deel `{split}` ({result['examples']} vragen)", "", format_table(result), ""]
            if split in HIDDEN_SPLITS:
                lines += [_hidden_summary(result), ""]
    if old_path is not None and old_path.is_file():
        old = evaluate(old_path)
        texts += [e["text"] for e in load(old_path)]
        lines += [
            f"## Eerdere set (`{old_path.as_posix()}`)",
            "",
            f"{old['examples']} vragen, waarvan {old['with_personal_data']} met persoonsgegevens, geschreven door de "
            "maker van de eerste regels (optimistisch).",
            "",
            format_table(old),
            "",
        ]
    if texts:
        timing = latency(texts)
        lines += [
            "## Snelheid",
            "",
            f"`detect` per vraag over {timing['questions']} vragen ({timing['runs']} metingen, na een opwarmronde): "
            f"p50 {timing['p50_ms']:.2f} ms, p95 {timing['p95_ms']:.2f} ms, max {timing['max_ms']:.2f} ms.",
            "",
        ]
    lines += ["## Fouten", ""]
    if blind_path is not None and blind_path.is_file():
        for split in blind["by_split"]:
            if split not in HIDDEN_SPLITS:
                lines += [f"### Blinde set, deel `{split}`", "", format_errors(blind, split), ""]
    if old_path is not None and old_path.is_file():
        lines += ["### Eerdere set", "", format_errors(old), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Meet de detectie van persoonsgegevens.")
    parser.add_argument("labelled", nargs="*", type=Path, help="gelabelde sets (standaard: de blinde en de eerdere set)")
    parser.add_argument("--split", help="alleen dit deel meten")
    parser.add_argument("--markdown", type=Path, help="schrijf het rapport (blinde + eerdere set) naar dit bestand")
    parser.add_argument("--blind", type=Path, default=BLIND_LABELLED, help="blinde set voor het rapport")
    parser.add_argument("--old", type=Path, default=DEFAULT_LABELLED, help="eerdere set voor het rapport")
    parser.add_argument("--errors", action="store_true", help="toon de fouten (nooit voor het deel test)")
    args = parser.parse_args(argv)
    for path in args.labelled or [p for p in (BLIND_LABELLED, DEFAULT_LABELLED) if p.is_file()]:
        result = evaluate(path, args.split)
        print(f"== {path}" + (f" (deel {args.split})" if args.split else ""))
        print(format_table(result))
        for split, part in result["by_split"].items():
            s = part["per_kind"]["naam"]
            print(f"  deel {split}: naam verwijderd {_fmt(s['redaction_recall'])}, schone vragen gewijzigd "
                  f"{_fmt(part['clean']['rate'])}, totaal verwijderd {_fmt(part['overall']['redaction_recall'])}")
        if args.errors:
            visible = [e for e in result["errors"] if e["split"] not in HIDDEN_SPLITS]
            print(format_errors({"errors": visible}))
        print()
    if args.markdown:
        args.markdown.write_text(format_markdown(args.blind, args.old), encoding="utf-8")
        print(f"Geschreven: {args.markdown}")
    return 0
