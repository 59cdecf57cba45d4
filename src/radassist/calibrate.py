"""`radassist calibrate`: fit the support model and the sentence model on a labelled tune split.

    radassist calibrate --set evals/blind/sample-tune.jsonl --conversations evals/blind/conversations-tune.jsonl

For every question it runs the same retrieval and the same feature code the answerer runs
(support.gather, support_features, sentence_features), then fits two logistic regressions:

- support: answerable (1) or not (0), from the question-level features;
- sentence: does this candidate sentence state the labelled evidence (an evidence string inside it,
  it inside an evidence string, or half its content words shared), from the sentence features.

The refusal threshold is the highest support probability that refuses at most `--max-false-refusals`
of the answerable tune questions; the caution threshold is where a quarter of them would be refused.
The result goes to data/support_model.json (or --out) with the tune metrics, and is what the
answerer loads. Fit on the tune split only; report on test (`radassist eval`).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

from radassist import metrics as M
from radassist.question import analyse
from radassist.support import (MODEL_FILE, Logistic, SupportModel, fit_logistic, follow_up_focus, gather,
                               sentence_features, support_features)
from radassist.text import content_terms

SUPPORT_FEATURES = ["similarity", "passage_similarity", "cover", "missing", "asked_fact_gap", "asked_fact_missing", "peak"]
SENTENCE_FEATURES = ["similarity", "cover", "context_cover", "fact", "kind", "defines", "passage_rank", "similarity_rank",
                     "short", "length"]


def labelled_items(set_path: Path, conversations: Path | None) -> list[dict]:
    """Single questions plus conversation turns made standalone the way the engine does."""
    from radassist.conversation import Turn, standalone_question
    from radassist.eval import load_jsonl

    items = [dict(x) for x in load_jsonl(set_path)]
    if conversations:
        for conv in load_jsonl(conversations):
            history: list[Turn] = []
            for t, turn in enumerate(conv["turns"], start=1):
                standalone = standalone_question(turn["question"], history)
                history.append(Turn(turn["question"], standalone))
                items.append({**turn, "id": f"{conv['id']}/{t}", "asked": turn["question"], "question": standalone})
    return items


def evidence_sentence(text: str, evidence: list[str]) -> bool:
    low = " ".join(text.lower().split())
    terms = set(content_terms(text))
    for e in evidence:
        e_low = " ".join(e.lower().split())
        if e_low in low or (len(low) > 20 and low in e_low):
            return True
        e_terms = set(content_terms(e))
        if e_terms and len(e_terms & terms) / len(e_terms | terms) >= 0.5:
            return True
    return False


def collect(engine, items: list[dict]) -> tuple[list[dict], list[tuple[dict, bool]]]:
    from radassist.retrieve import Filters

    index = engine.index
    questions, sentences = [], []
    for n, item in enumerate(items, start=1):
        retrieval = engine.retrieve(item.get("asked", item["question"]), item["question"],
                                    filters=Filters.from_json(item.get("filters")))
        q = analyse(item["question"])
        cands = gather(q, retrieval, index)
        own = item["asked"] if item.get("asked", item["question"]) != item["question"] else None
        judged = follow_up_focus(q, own)  # the engine judges a follow-up by its own words
        feats = support_features(judged, cands if judged is q else gather(judged, retrieval, index), retrieval, index)
        questions.append({"id": item.get("id"), "answerable": bool(item.get("answerable", True)), "features": feats})
        if item.get("answerable", True) and item.get("evidence"):
            for s in cands:
                sentences.append((sentence_features(s, len(retrieval.passages)), evidence_sentence(s.text, item["evidence"])))
        if n % 50 == 0:
            print(f"calibrate: {n}/{len(items)}", file=sys.stderr, flush=True)
    return questions, sentences


def choose_thresholds(scores: list[float], answerable: list[bool], max_false_refusals: float) -> tuple[float, float]:
    pos = np.sort([s for s, a in zip(scores, answerable) if a])
    if not len(pos):
        return 0.5, 0.5
    k = int(np.floor(max_false_refusals * len(pos)))  # this many answerable questions may fall below
    refusal = float(pos[k]) - 1e-6 if k < len(pos) else float(pos[-1])
    caution = max(refusal, float(pos[min(len(pos) - 1, int(0.25 * len(pos)))]))
    return round(refusal, 6), round(caution, 6)


def calibrate(engine, set_path: Path, conversations: Path | None, out: Path, max_false_refusals: float) -> SupportModel:
    items = labelled_items(set_path, conversations)
    questions, sentences = collect(engine, items)
    X = np.array([[q["features"][n] for n in SUPPORT_FEATURES] for q in questions])
    y = np.array([q["answerable"] for q in questions])
    support = fit_logistic(X, y, SUPPORT_FEATURES)
    Xs = np.array([[f[n] for n in SENTENCE_FEATURES] for f, _ in sentences])
    ys = np.array([label for _, label in sentences])
    sentence = fit_logistic(Xs, ys, SENTENCE_FEATURES)
    scores = [support.probability(q["features"]) for q in questions]
    refusal, caution = choose_thresholds(scores, list(y), max_false_refusals)
    refused = [s < refusal for s in scores]
    metrics = {
        "n_questions": len(questions), "n_answerable": int(y.sum()), "n_sentences": len(sentences),
        "n_evidence_sentences": int(ys.sum()),
        "support_auroc": M.auroc([s for s, a in zip(scores, y) if a], [s for s, a in zip(scores, y) if not a]),
        "refusal_recall": M.mean([float(r) for r, a in zip(refused, y) if not a]),
        "false_refusal_rate": M.mean([float(r) for r, a in zip(refused, y) if a]),
    }
    model = SupportModel(support, sentence, refusal, caution,
                         fitted_on=f"{set_path}" + (f" + {conversations}" if conversations else "")
                         + f" ({dt.date.today().isoformat()})", metrics=metrics)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    return model


def register_cli(sub) -> None:
    p = sub.add_parser("calibrate", help="fit the support (refusal) and sentence models on a labelled tune set",
                       description="Fit the support model and the sentence model on a labelled set (the tune split) "
                       "and write them as JSON for the answerer. See evals/README.md.")
    p.add_argument("--set", required=True, metavar="FILE", help="labelled questions (JSONL, eval format)")
    p.add_argument("--conversations", metavar="FILE", help="labelled conversations (JSONL) to include")
    p.add_argument("--corpus", metavar="DIR", help="the corpus the set was written for (indexed into a temp index)")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("--out", default=str(MODEL_FILE), help="where the model goes (default: the bundled model)")
    p.add_argument("--max-false-refusals", type=float, default=0.08,
                   help="share of answerable tune questions the refusal threshold may refuse (default 0.08)")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    from radassist.cli import _settings
    from radassist.engine import Engine
    from radassist.eval import argparse_namespace_without_corpus, resolve_index

    settings = resolve_index(_settings(argparse_namespace_without_corpus(args)), args.corpus, args.index)
    engine = Engine(settings)
    model = calibrate(engine, Path(args.set), Path(args.conversations) if args.conversations else None,
                      Path(args.out), args.max_false_refusals)
    m = model.metrics
    print(f"support model: AUROC {m['support_auroc']:.3f} on {m['n_questions']} tune questions; refusal threshold "
          f"{model.refusal_threshold:.3f} refuses {m['false_refusal_rate']:.2f} of answerable and "
          f"{m['refusal_recall']:.2f} of unanswerable ones")
    print(f"sentence model: {m['n_evidence_sentences']} evidence sentences of {m['n_sentences']}")
    print(f"geschreven: {args.out}")
    return 0
