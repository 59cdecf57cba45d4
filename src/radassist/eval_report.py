"""Report rendering for `radassist eval`: report.md with tables and the worst questions, PNG plots."""

from __future__ import annotations

from pathlib import Path

KEYS = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10")


def render_plots(out_dir: Path, summary: dict, baseline: dict | None, rows: list[dict]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    single = summary["single"]
    files = {}

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ks = [1, 3, 5, 10]
    ax.plot(ks, [single[f"hit@{k}"] or 0 for k in ks], marker="o", label="radassist (hybride)")
    if baseline:
        ax.plot(ks, [baseline[f"hit@{k}"] or 0 for k in ks], marker="s", linestyle="--", label="baseline (llama-index)")
    ax.set_xlabel("k")
    ax.set_ylabel("strict hit@k")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ks)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Passage met het antwoord in de top-k")
    fig.tight_layout()
    fig.savefig(out_dir / "hit_at_k.png", dpi=110)
    plt.close(fig)
    files["hit_at_k"] = "hit_at_k.png"

    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    names = list(KEYS) + ["fact_recall", "citation_validity", "citation_support", "refusal_recall"]
    ours = [single.get(k) or 0 for k in names]
    xs = range(len(names))
    width = 0.4
    ax.bar([x - width / 2 for x in xs], ours, width, label="radassist")
    if baseline:
        ax.bar([x + width / 2 for x in xs], [baseline.get(k) or 0 for k in names], width, label="baseline")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title("Metrieken (baseline: alleen retrieval)")
    fig.tight_layout()
    fig.savefig(out_dir / "metrics_vs_baseline.png", dpi=110)
    plt.close(fig)
    files["metrics"] = "metrics_vs_baseline.png"

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    totals = [r["timings_ms"].get("retrieve", 0) + r["timings_ms"].get("answer", 0) for r in rows if r["timings_ms"]]
    ax.hist(totals, bins=25, color="#4a7c8c")
    ax.set_xlabel("ms per vraag (zoeken + antwoord)")
    ax.set_ylabel("aantal vragen")
    ax.set_title("Latentie")
    fig.tight_layout()
    fig.savefig(out_dir / "latency.png", dpi=110)
    plt.close(fig)
    files["latency"] = "latency.png"
    return files


def _f(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def worst(rows: list[dict], n: int = 10) -> list[dict]:
    def badness(r: dict) -> float:
        if not r["answerable"]:
            return 2.0 if not r["refused"] else -1.0
        return (1 - (r.get("hit@5") or 0)) + (1 - (r.get("fact_recall") or 0)) + (0.5 if r["refused"] else 0)

    return sorted(rows, key=badness, reverse=True)[:n]


def render_markdown(name: str, results: dict, plots: dict[str, str]) -> str:
    s = results["summary"]["single"]
    b = results.get("baseline") or {}
    out = [f"# Eval report: {name}", "",
           f"Generated {results['created']} by `radassist eval` in {results['seconds']:.0f} s "
           f"({s['n']} questions: {s['n_answerable']} answerable, {s['n_unanswerable']} unanswerable). "
           "All metrics are deterministic (no LLM judge). Baseline = naive llama-index pipeline "
           "(SentenceSplitter 1024/200, dense top-k, same embedder)" + (f", {b.get('chunks')} chunks." if b else "."),
           "", "## Retrieval", "", "| metric | radassist | baseline |", "|---|---|---|"]
    for key in (*KEYS, "doc_hit@1", "doc_hit@5"):
        out.append(f"| {key} | {_f(s.get(key))} | {_f(b.get(key))} |")
    out += ["", "## Answers and citations", "", "| metric | value |", "|---|---|"]
    for key in ("fact_recall", "fact_recall_exact", "citation_validity", "citation_support", "citation_coverage",
                "refusal_precision", "refusal_recall", "near_miss_refused", "false_refusal_rate", "support_auroc",
                "answer_words_mean"):
        out.append(f"| {key} | {_f(s.get(key))} |")
    ret, ans = s["latency_retrieve_ms"], s["latency_answer_ms"]
    out += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|",
            f"| retrieve | {_f(ret['p50'], 0)} | {_f(ret['p95'], 0)} |",
            f"| answer | {_f(ans['p50'], 0)} | {_f(ans['p95'], 0)} |"]
    if b:
        bl = b["latency_retrieve_ms"]
        out.append(f"| baseline retrieve | {_f(bl['p50'], 0)} | {_f(bl['p95'], 0)} |")
    conv = results["summary"].get("conversations")
    if conv:
        out += ["", "## Conversations (each turn graded like a single question)", "",
                "| metric | value |", "|---|---|"]
        for key in ("n", "hit@1", "hit@5", "mrr@10", "fact_recall", "citation_support", "refusal_recall",
                    "false_refusal_rate", "unanswerable_followups_refused", "support_auroc"):
            out.append(f"| {key} | {_f(conv.get(key)) if key != 'n' else conv['n']} |")
    out += ["", "## Plots", ""] + [f"![{k}]({v})" for k, v in plots.items()]
    out += ["", "## Worst 10 questions", ""]
    for r in worst(results["questions"]):
        status = "weigering" if r["refused"] else "antwoord"
        out.append(f"### {r['id']} ({r['kind']}, {'beantwoordbaar' if r['answerable'] else 'niet beantwoordbaar'}) - {status}")
        out.append(f"*{r['question']}*  ")
        if r["answerable"]:
            out.append(f"hit@5 {_f(r.get('hit@5'), 0)}, fact recall {_f(r.get('fact_recall'), 2)}, support {r['support']:.3f}  ")
        out.append(f"Answer: {r['answer'][:400]}  ")
        out.append("Retrieved:")
        for p in r["retrieved"]:
            mark = "✔" if p["relevant"] else "·"
            out.append(f"- {mark} `{p['doc_id']}` {p['section'] or ''} {('p.' + str(p['page'])) if p['page'] else ''}: "
                       f"{p['text'][:120]}")
        out.append("")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- README headline block

HEADLINE_SETS = ("sample-test", "realdocs-test", "dev")


def latest_reports(root: Path, names=HEADLINE_SETS) -> dict[str, tuple[str, dict]]:
    """The newest results.json of each named report under evals/reports/<date>-<name>/."""
    import json

    found: dict[str, tuple[str, dict]] = {}
    for name in names:
        folders = sorted(p for p in root.glob(f"*-{name}") if (p / "results.json").is_file()
                         and p.name[:10].replace("-", "").isdigit() and p.name[11:] == name)
        if folders:
            found[name] = (folders[-1].as_posix(), json.loads((folders[-1] / "results.json").read_text(encoding="utf-8")))
    return found


def headline_block(reports: dict[str, tuple[str, dict]]) -> str:
    """The README's numbers: blind test splits side by side with the naive baseline; dev as regression."""
    def cell(name: str, key: str, where: str = "single", digits: int = 2) -> str:
        if name not in reports:
            return "-"
        summary = reports[name][1]["summary"].get(where) or {}
        return _f(summary.get(key), digits)

    def base(name: str, key: str) -> str:
        if name not in reports:
            return "-"
        return _f((reports[name][1].get("baseline") or {}).get(key), 2)

    def both(name: str, key: str) -> str:
        return f"{cell(name, key)} ({base(name, key)})"

    links = ", ".join(f"[{n}]({path}/report.md)" for n, (path, _r) in reports.items())
    counts = "; ".join(
        f"{n}: {r['summary']['single']['n']} questions, {r['summary']['single']['n_unanswerable']} unanswerable"
        for n, (_p, r) in reports.items())
    rows = [
        f"Reports: {links} ({counts}; written by `make eval`, not by hand). "
        "Weights and thresholds were fitted on the tune splits only; the blind sets are described in "
        "[evals/blind/README.md](evals/blind/README.md). In brackets: the naive llama-index baseline on the same questions.",
        "",
        "| | sample corpus, blind test | realdocs, blind test | dev (regression) |",
        "|---|---|---|---|",
        f"| strict hit@1 | {both('sample-test', 'hit@1')} | {both('realdocs-test', 'hit@1')} | {both('dev', 'hit@1')} |",
        f"| strict hit@5 | {both('sample-test', 'hit@5')} | {both('realdocs-test', 'hit@5')} | {both('dev', 'hit@5')} |",
        f"| MRR@10 | {both('sample-test', 'mrr@10')} | {both('realdocs-test', 'mrr@10')} | {both('dev', 'mrr@10')} |",
        f"| support AUROC (answerable vs not) | {cell('sample-test', 'support_auroc')} | {cell('realdocs-test', 'support_auroc')} | {cell('dev', 'support_auroc')} |",
        f"| unanswerable refused | {cell('sample-test', 'refusal_recall')} | {cell('realdocs-test', 'refusal_recall')} | {cell('dev', 'refusal_recall')} |",
        f"| near misses refused | {cell('sample-test', 'near_miss_refused')} | {cell('realdocs-test', 'near_miss_refused')} | - |",
        f"| answerable refused | {cell('sample-test', 'false_refusal_rate')} | {cell('realdocs-test', 'false_refusal_rate')} | {cell('dev', 'false_refusal_rate')} |",
        f"| answer-fact recall | {cell('sample-test', 'fact_recall')} | {cell('realdocs-test', 'fact_recall')} | {cell('dev', 'fact_recall')} |",
        f"| answer length (words, mean) | {cell('sample-test', 'answer_words_mean', digits=0)} | {cell('realdocs-test', 'answer_words_mean', digits=0)} | {cell('dev', 'answer_words_mean', digits=0)} |",
        f"| citation validity | {cell('sample-test', 'citation_validity')} | {cell('realdocs-test', 'citation_validity')} | {cell('dev', 'citation_validity')} |",
        f"| conversations: turn hit@5 | {cell('sample-test', 'hit@5', 'conversations')} | - | {cell('dev', 'hit@5', 'conversations')} |",
        f"| conversations: answerable turns refused | {cell('sample-test', 'false_refusal_rate', 'conversations')} | - | {cell('dev', 'false_refusal_rate', 'conversations')} |",
        f"| conversations: unanswerable follow-ups refused | {cell('sample-test', 'unanswerable_followups_refused', 'conversations')} | - | {cell('dev', 'unanswerable_followups_refused', 'conversations')} |",
    ]
    return "\n".join(rows)
