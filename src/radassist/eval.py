"""`radassist eval`: run an eval set (and conversations) and write a report with plots.

    radassist eval --set evals/dev.jsonl --conversations evals/conversations.jsonl --name dev
    radassist eval --set my.jsonl --corpus /path/to/docs      # any corpus: indexed into a temp index

Every report runs the naive llama-index pipeline (SentenceSplitter 1024/200, dense top-k, same
embedder) side by side on the same corpus and questions, so it shows what our design adds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from radassist import metrics as M
from radassist.conversation import Turn
from radassist.engine import AskContext, Engine
from radassist.retrieve import Filters
from radassist.settings import Settings
from radassist.types import ConfigError

KS = (1, 3, 5, 10)


# ----------------------------------------------------------------------------- loading

def load_jsonl(path: Path) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                raise ConfigError(f"{path}: regel {n} is geen geldige JSON") from None
    return items


# ----------------------------------------------------------------------------- grading one question

def relevant_flags(passages: list[dict], evidence: list[str]) -> list[bool]:
    return [M.holds_evidence(p["text"], evidence) for p in passages]


def grade(item: dict, answer: dict, retrieval: list[dict], n_relevant_total: int) -> dict:
    """Metrics for one question given the engine's answer JSON and a top-10 retrieval list."""
    answerable = bool(item.get("answerable", True))
    evidence = item.get("evidence", [])
    facts = item.get("answer_facts", [])
    rel = relevant_flags(retrieval, evidence)
    docs = set(item.get("doc_ids", []))
    doc_rel = [p["doc_id"] in docs for p in retrieval]
    by_rank = {p["rank"]: p["text"] for p in answer["passages"]}
    row: dict[str, Any] = {
        "id": item.get("id"),
        "question": item["question"],
        "kind": item.get("kind", ""),
        "answerable": answerable,
        "near_miss": bool(item.get("near_miss", False)),
        "refused": answer["refused"],
        "support": answer.get("support", 0.0),
        "answer": answer["answer"],
        "answer_words": len(answer["answer"].split()) if not answer["refused"] else 0,
        "retrieved": [{"doc_id": p["doc_id"], "section": p["section"], "page": p["page"], "relevant": r,
                       "text": p["text"][:160]} for p, r in zip(retrieval[:5], rel)],
        "timings_ms": answer.get("timings_ms", {}),
    }
    if answerable:
        for k in KS:
            row[f"hit@{k}"] = M.hit_at(rel, k)
            row[f"doc_hit@{k}"] = M.hit_at(doc_rel, k)
        row["mrr@10"] = M.mrr_at(rel, 10)
        row["ndcg@10"] = M.ndcg_at(rel, n_relevant_total, 10)
        row["fact_recall"] = M.fact_recall(answer["answer"], facts) if not answer["refused"] else 0.0
        row["fact_recall_exact"] = M.fact_recall_exact(answer["answer"], facts) if not answer["refused"] else 0.0
        row["citation_validity"] = M.citation_validity(answer["citations"], by_rank)
        row["citation_support"] = M.citation_support(answer["citations"], by_rank, evidence, facts)
        row["citation_coverage"] = M.citation_coverage(answer["answer"]) if not answer["refused"] else None
    return row


def count_relevant(chunks, evidence: list[str]) -> int:
    if not evidence:
        return 0
    return sum(1 for c in chunks if M.holds_evidence(c.text, evidence))


# ----------------------------------------------------------------------------- running

def _ask(engine: Engine, item: dict, history: list[Turn], backend: str | None) -> tuple[dict, list[dict], str]:
    filters = Filters.from_json(item.get("filters"))
    ctx = AskContext(history=history, filters=filters, backend=backend, audit=False, session="eval")
    answer = engine.ask(item["question"], ctx)
    # Retrieval metrics look at the top 10 of the same search the engine answered from.
    search = engine.retrieve(answer.question, answer.standalone_question or answer.question, k=10, filters=filters)
    return answer.to_json(), [p.to_json() for p in search.passages], answer.standalone_question


def run_set(engine: Engine, items: list[dict], backend: str | None, progress=None) -> list[dict]:
    rows = []
    for n, item in enumerate(items, start=1):
        answer, retrieval, _ = _ask(engine, item, [], backend)
        rows.append(grade(item, answer, retrieval, count_relevant(engine.index.chunks, item.get("evidence", []))))
        if progress:
            progress(n, len(items))
    return rows


def run_conversations(engine: Engine, conversations: list[dict], backend: str | None) -> list[dict]:
    rows = []
    for conv in conversations:
        history: list[Turn] = []
        for t, turn in enumerate(conv["turns"], start=1):
            item = {**turn, "id": f"{conv['id']}/{t}"}
            answer, retrieval, standalone = _ask(engine, item, history, backend)
            row = grade(item, answer, retrieval, count_relevant(engine.index.chunks, item.get("evidence", [])))
            row["turn"] = t
            row["standalone_question"] = standalone
            rows.append(row)
            history.append(Turn(turn["question"], standalone, answer["answer"]))
    return rows


def aggregate(rows: list[dict]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    out: dict[str, Any] = {"n": len(rows), "n_answerable": len(answerable), "n_unanswerable": len(rows) - len(answerable)}
    for key in [*(f"hit@{k}" for k in KS), *(f"doc_hit@{k}" for k in KS), "mrr@10", "ndcg@10", "fact_recall",
                "fact_recall_exact", "citation_validity", "citation_support", "citation_coverage"]:
        out[key] = M.mean([r.get(key) for r in answerable])
    out.update(M.refusal_scores([r["answerable"] for r in rows], [r["refused"] for r in rows]))
    near = [r for r in rows if not r["answerable"] and r.get("near_miss")]
    out["n_near_miss"] = len(near)
    out["near_miss_refused"] = M.mean([float(r["refused"]) for r in near])
    followups = [r for r in rows if not r["answerable"] and r.get("turn", 1) > 1]
    if followups:
        out["unanswerable_followups_refused"] = M.mean([float(r["refused"]) for r in followups])
    words = [r["answer_words"] for r in rows if not r["refused"]]
    out["answer_words_mean"] = M.mean(words)
    pos = [r["support"] for r in rows if r["answerable"]]
    neg = [r["support"] for r in rows if not r["answerable"]]
    out["support_auroc"] = M.auroc(pos, neg)
    for stage in ("retrieve", "answer"):
        vals = [r["timings_ms"].get(stage) for r in rows if r["timings_ms"].get(stage) is not None]
        out[f"latency_{stage}_ms"] = M.percentiles(vals)
    return out


def calibration(rows: list[dict], settings: Settings) -> dict[str, Any]:
    """How the support probability separates answerable from unanswerable questions, and the thresholds in use."""
    from radassist.support import SupportModel

    model = SupportModel.load(settings.answer.support_model)
    scores = [r["support"] for r in rows]
    answerable = [r["answerable"] for r in rows]
    threshold, balanced = M.best_threshold(scores, answerable)
    n_pos = sum(answerable) or 1
    n_neg = (len(rows) - sum(answerable)) or 1
    points = []
    for t in [round(0.05 * i, 2) for i in range(1, 16)]:
        points.append({
            "threshold": t,
            "refusal_recall": round(sum(1 for s, a in zip(scores, answerable) if not a and s < t) / n_neg, 3),
            "false_refusal_rate": round(sum(1 for s, a in zip(scores, answerable) if a and s < t) / n_pos, 3),
        })
    refusal = settings.answer.refusal_threshold
    caution = settings.answer.caution_threshold
    return {
        "support_model": model.fitted_on,
        "support_weights": model.support.weights,
        "auroc": M.auroc([s for s, a in zip(scores, answerable) if a], [s for s, a in zip(scores, answerable) if not a]),
        "best_balanced_threshold": threshold,
        "best_balanced_accuracy": round(balanced, 3),
        "refusal_threshold_in_use": model.refusal_threshold if refusal is None else refusal,
        "caution_threshold_in_use": model.caution_threshold if caution is None else caution,
        "operating_points": points,
        "n_answerable": sum(answerable),
        "n_unanswerable": len(rows) - sum(answerable),
    }


# ----------------------------------------------------------------------------- baseline

def run_baseline(engine: Engine, items: list[dict]) -> tuple[list[dict], dict]:
    """The naive llama-index pipeline on the same documents: SentenceSplitter defaults, dense top-k."""
    from llama_index.core import Document as LIDocument
    from llama_index.core import VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from radassist.embed import EmbeddingCache, get_embedder, llama_index_embedding

    started = time.perf_counter()
    docs = engine.index.documents()
    splitter = SentenceSplitter(chunk_size=1024, chunk_overlap=200)
    nodes = splitter.get_nodes_from_documents(
        [LIDocument(text=d.text, doc_id=d.meta.id, metadata={"doc_id": d.meta.id}) for d in docs.values()]
    )
    model = engine.settings.embedding.model
    embedder = get_embedder(model)
    cache = EmbeddingCache(engine.settings.index_dir / "cache" / "embeddings.sqlite")
    try:
        keys = [hashlib.sha256(("baseline:" + n.get_content()).encode()).hexdigest() for n in nodes]
        found = cache.get_many(model, keys)
        missing = [(k, n) for k, n in zip(keys, nodes) if k not in found]
        for i in range(0, len(missing), 16):
            part = missing[i:i + 16]
            vecs = embedder.embed_passages([n.get_content() for _, n in part])
            new = {k: v for (k, _), v in zip(part, vecs)}
            cache.put_many(model, new)
            found.update(new)
    finally:
        cache.close()
    for k, n in zip(keys, nodes):
        n.embedding = found[k].tolist()
    index = VectorStoreIndex(nodes, embed_model=llama_index_embedding(embedder))
    retriever = index.as_retriever(similarity_top_k=10)
    build_s = time.perf_counter() - started
    rows, latencies = [], []
    for item in items:
        t0 = time.perf_counter()
        hits = retriever.retrieve(item["question"])
        latencies.append((time.perf_counter() - t0) * 1000)
        texts = [h.node.get_content() for h in hits]
        rel = [M.holds_evidence(t, item.get("evidence", [])) for t in texts]
        doc_rel = [h.node.metadata.get("doc_id") in set(item.get("doc_ids", [])) for h in hits]
        n_rel = sum(1 for n in nodes if M.holds_evidence(n.get_content(), item.get("evidence", [])))
        row = {"id": item.get("id"), "answerable": bool(item.get("answerable", True))}
        if row["answerable"]:
            for k in KS:
                row[f"hit@{k}"] = M.hit_at(rel, k)
                row[f"doc_hit@{k}"] = M.hit_at(doc_rel, k)
            row["mrr@10"] = M.mrr_at(rel, 10)
            row["ndcg@10"] = M.ndcg_at(rel, n_rel, 10)
        rows.append(row)
    agg = {key: M.mean([r.get(key) for r in rows if r["answerable"]])
           for key in [*(f"hit@{k}" for k in KS), *(f"doc_hit@{k}" for k in KS), "mrr@10", "ndcg@10"]}
    agg.update({"chunks": len(nodes), "build_seconds": round(build_s, 1),
                "latency_retrieve_ms": M.percentiles(latencies)})
    return rows, agg


# ----------------------------------------------------------------------------- report

def write_report(out_dir: Path, name: str, settings: Settings, summary: dict, rows: list[dict],
                 conv_rows: list[dict], baseline: dict | None, seconds: float) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {"name": name, "created": dt.datetime.now().isoformat(timespec="seconds"), "seconds": round(seconds, 1),
               "settings": json.loads(settings.model_dump_json()), "summary": summary, "baseline": baseline,
               "questions": rows, "conversations": conv_rows}
    (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    from radassist.eval_report import render_markdown, render_plots

    plots = render_plots(out_dir, summary, baseline, rows)
    (out_dir / "report.md").write_text(render_markdown(name, results, plots), encoding="utf-8")


def summary_table(summary: dict, baseline: dict | None) -> str:
    lines = [f"{'metric':<22}{'radassist':>11}{'baseline':>11}"]
    for key in ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "doc_hit@5", "fact_recall",
                "citation_validity", "citation_support", "citation_coverage", "refusal_precision",
                "refusal_recall", "false_refusal_rate", "support_auroc"):
        ours = summary["single"].get(key)
        base = (baseline or {}).get(key)
        lines.append(f"{key:<22}{_fmt(ours):>11}{_fmt(base):>11}")
    lat = summary["single"]["latency_answer_ms"]
    ret = summary["single"]["latency_retrieve_ms"]
    lines.append(f"{'retrieve p50/p95 ms':<22}{_fmt(ret['p50'], 0)}/{_fmt(ret['p95'], 0)}")
    lines.append(f"{'answer p50/p95 ms':<22}{_fmt(lat['p50'], 0)}/{_fmt(lat['p95'], 0)}")
    if summary.get("conversations"):
        conv = summary["conversations"]
        lines.append(f"conversations: {conv['n']} turns, hit@5 {_fmt(conv.get('hit@5'))}, "
                     f"fact recall {_fmt(conv.get('fact_recall'))}, refusal recall {_fmt(conv.get('refusal_recall'))}")
    return "\n".join(lines)


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def resolve_index(settings: Settings, corpus: str | None, index: str | None) -> Settings:
    """With --corpus and no --index, index that corpus into a temp index (reused across runs)."""
    from radassist.index import build_index

    if corpus and not index:
        key = hashlib.sha256(str(Path(corpus).resolve()).encode()).hexdigest()[:12]
        settings.index_dir = Path(tempfile.gettempdir()) / f"radassist-eval-{key}" / "index"
        settings.data_dir = settings.index_dir.parent / "var"
    if corpus:
        settings.corpus_dir = Path(corpus)
        report = build_index(settings)
        print(f"index: {report.documents} documenten, {report.chunks} passages ({report.seconds:.1f} s)", file=sys.stderr)
    return settings


def evaluate(settings: Settings, set_path: Path, conversations: Path | None = None, name: str = "dev",
             baseline: bool = True, backend: str | None = None, out_root: Path = Path("evals/reports")) -> dict:
    started = time.perf_counter()
    items = load_jsonl(set_path)
    engine = Engine(settings)
    engine.warm_up()

    def progress(n, total):
        if n % 10 == 0 or n == total:
            print(f"eval: {n}/{total}", file=sys.stderr, flush=True)

    rows = run_set(engine, items, backend, progress)
    summary = {"single": aggregate(rows), "calibration": calibration(rows, settings)}
    conv_rows: list[dict] = []
    if conversations:
        conv_rows = run_conversations(engine, load_jsonl(conversations), backend)
        summary["conversations"] = aggregate(conv_rows)
    base = None
    if baseline:
        _rows, base = run_baseline(engine, items)
    seconds = time.perf_counter() - started
    stamp = dt.date.today().isoformat()
    out_dir = out_root / f"{stamp}-{name}"
    write_report(out_dir, name, settings, summary, rows, conv_rows, base, seconds)
    return {"summary": summary, "baseline": base, "out_dir": str(out_dir), "seconds": seconds, "rows": rows}


# ----------------------------------------------------------------------------- CLI

def register_cli(sub) -> None:
    p = sub.add_parser("eval", help="evaluate answers and citations on an eval set",
                       description="Run an eval set (JSONL) and write evals/reports/<date>-<name>/ with "
                       "results.json, report.md and plots. Works for any corpus with --corpus.")
    p.add_argument("--set", required=True, metavar="FILE", help="eval set (JSONL)")
    p.add_argument("--conversations", metavar="FILE", help="multi-turn conversations (JSONL)")
    p.add_argument("--corpus", metavar="DIR", help="evaluate on this corpus (indexed into a temp index if needed)")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("--name", default=None, help="report name (default: the set's file name)")
    p.add_argument("--backend", choices=["extractive", "openai", "ollama", "llamacpp"])
    p.add_argument("--no-baseline", action="store_true", help="skip the naive llama-index baseline")
    p.add_argument("--out", default="evals/reports", help="where reports go")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--write-calibration", metavar="FILE", help="also write the refusal calibration here")
    p.add_argument("--update-readme", metavar="FILE",
                   help="refresh the headline numbers in this README from the latest sample-test, realdocs-test and dev reports")
    p.set_defaults(func=_cmd_eval)


def _cmd_eval(args) -> int:
    from radassist.cli import _settings

    settings = _settings(argparse_namespace_without_corpus(args))
    settings = resolve_index(settings, args.corpus, args.index)
    name = args.name or Path(args.set).stem
    result = evaluate(settings, Path(args.set), Path(args.conversations) if args.conversations else None,
                      name=name, baseline=not args.no_baseline, backend=args.backend, out_root=Path(args.out))
    if args.write_calibration:
        data = {"source": f"{result['out_dir']}/results.json", "set": args.set, **result["summary"]["calibration"]}
        Path(args.write_calibration).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    if args.update_readme:
        update_readme(Path(args.update_readme), Path(args.out))
    if args.json:
        print(json.dumps({"summary": result["summary"], "baseline": result["baseline"],
                          "report": result["out_dir"]}, indent=1))
    else:
        print(summary_table(result["summary"], result["baseline"]))
        print(f"\nrapport: {result['out_dir']}/report.md ({result['seconds']:.0f} s)")
    return 0


def argparse_namespace_without_corpus(args):
    import argparse

    return argparse.Namespace(**{k: v for k, v in vars(args).items() if k != "corpus"})


def update_readme(readme: Path, reports_root: Path) -> None:
    """Replace the block between the eval markers with the headline numbers of the latest reports."""
    from radassist.eval_report import headline_block, latest_reports

    block = headline_block(latest_reports(reports_root))
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- eval:start -->", "<!-- eval:end -->"
    if start not in text or end not in text:
        return
    head, rest = text.split(start, 1)
    _old, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{block}\n{end}{tail}", encoding="utf-8")
