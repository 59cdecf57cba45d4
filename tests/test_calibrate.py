"""`radassist calibrate` on a handful of labelled questions: a model file the answerer can load."""

import json

import numpy as np
import pytest

from conftest import ROOT, write
from radassist.calibrate import (
    SENTENCE_FEATURES, SUPPORT_FEATURES, calibrate, choose_thresholds, collect, evidence_sentence, labelled_items,
)
from radassist.support import SupportModel

TUNE = ROOT / "evals" / "blind" / "sample-tune.jsonl"

# In the format of evals/blind/sample-tune.jsonl.
ITEMS = [
    {"id": "t-1", "question": "Hoe lang blijft een casus in de monitoringsfase?", "answerable": True,
     "evidence": ["ten minste zes maanden in de monitoringsfase"], "kind": "fact", "style": "formal"},
    {"id": "t-2", "question": "wat is een casussimulatie", "answerable": True,
     "evidence": ["Een casussimulatie is een rollenspel van een casusoverleg."], "kind": "definition", "style": "short"},
    {"id": "t-3", "question": "hoe vaak komt het casusoverleg bij elkaar?", "answerable": True,
     "evidence": ["elke zes weken bijeen"], "kind": "fact", "style": "informal"},
    {"id": "t-4", "question": "Wat is de hoofdstad van Peru?", "answerable": False, "evidence": [],
     "kind": "unanswerable", "style": "formal"},
    {"id": "t-5", "question": "hoe bak ik een appeltaart", "answerable": False, "evidence": [],
     "kind": "unanswerable", "style": "informal"},
    {"id": "t-6", "question": "Hoeveel kost een casussimulatie?", "answerable": False, "evidence": [],
     "kind": "unanswerable", "near_miss": True, "style": "near-miss-writer"},
]

CONVERSATION = {"id": "c-1", "turns": [
    {"question": "wie zitten er bij het casusoverleg radicalisering?", "answerable": True,
     "evidence": ["gemeente, de politie en het OM"]},
    {"question": "en de GGZ ook?", "answerable": True, "evidence": []},
]}


def write_jsonl(path, rows):
    return write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def test_our_items_use_the_fields_of_the_tune_split():
    first = json.loads(TUNE.read_text(encoding="utf-8").splitlines()[0])
    for item in ITEMS:
        assert {"id", "question", "answerable", "evidence"} <= set(item) <= set(first) | {"near_miss", "style"}


# ----------------------------------------------------------------------------- helpers

def test_evidence_sentence_matching():
    evidence = ["De casus blijft ten minste zes maanden in de monitoringsfase"]
    assert evidence_sentence("Daarna: de casus blijft ten  minste zes maanden in de monitoringsfase.", evidence)
    assert evidence_sentence("DE CASUS BLIJFT TEN MINSTE ZES MAANDEN IN DE MONITORINGSFASE", evidence)  # case
    assert evidence_sentence("ten minste zes maanden in de monitoringsfase", evidence)  # a long part of the evidence
    assert not evidence_sentence("zes maanden", evidence)  # too short to count as a part
    # Half the content words shared (any word order) is enough; a different sentence is not.
    assert evidence_sentence("In de monitoringsfase blijft de casus minimaal zes maanden.", evidence)
    assert not evidence_sentence("De weegploeg bespreekt elke melding binnen twee weken.", evidence)
    assert not evidence_sentence("De casus blijft ten minste zes maanden.", [])


def test_choose_thresholds_refuses_at_most_the_allowed_share():
    answerable = [True] * 8 + [False] * 4
    scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] + [0.05, 0.15, 0.25, 0.9]
    refusal, caution = choose_thresholds(scores, answerable, 0.25)
    assert refusal == pytest.approx(0.3, abs=1e-5) and refusal < 0.3
    assert caution == pytest.approx(0.3)
    assert sum(s < refusal for s, a in zip(scores, answerable) if a) == 2  # 25 % of 8
    none_refused, _ = choose_thresholds(scores, answerable, 0.0)
    assert none_refused < 0.1 and all(s >= none_refused for s, a in zip(scores, answerable) if a)
    everything, caution_all = choose_thresholds(scores, answerable, 1.0)
    assert everything == 0.8 and caution_all == 0.8  # caution never below refusal
    assert choose_thresholds([0.2, 0.3], [False, False], 0.1) == (0.5, 0.5)


def test_labelled_items_make_conversation_turns_standalone(tmp_path):
    items = labelled_items(write_jsonl(tmp_path / "set.jsonl", ITEMS), write_jsonl(tmp_path / "conv.jsonl", [CONVERSATION]))
    assert [i["id"] for i in items] == [*(x["id"] for x in ITEMS), "c-1/1", "c-1/2"]
    follow_up = items[-1]
    assert follow_up["asked"] == "en de GGZ ook?"
    assert "casusoverleg" in follow_up["question"] and "GGZ" in follow_up["question"]
    assert items[-2]["question"] == items[-2]["asked"] == CONVERSATION["turns"][0]["question"]
    assert labelled_items(tmp_path / "set.jsonl", None) == ITEMS


# ----------------------------------------------------------------------------- a small run

def test_collect_gives_features_and_labelled_sentences(engine):
    questions, sentences = collect(engine, ITEMS)
    assert [q["id"] for q in questions] == [i["id"] for i in ITEMS]
    assert [q["answerable"] for q in questions] == [i["answerable"] for i in ITEMS]
    assert all(set(q["features"]) == set(SUPPORT_FEATURES) for q in questions)
    assert sentences and all(set(f) == set(SENTENCE_FEATURES) for f, _label in sentences)
    labels = [label for _f, label in sentences]
    assert 1 <= sum(labels) < len(labels)  # evidence sentences found among many others


def test_calibrate_writes_a_model_the_answerer_can_load(engine, tmp_path):
    set_path = write_jsonl(tmp_path / "tune.jsonl", ITEMS)
    conversations = write_jsonl(tmp_path / "conv.jsonl", [CONVERSATION])
    out = tmp_path / "models" / "support.json"
    model = calibrate(engine, set_path, conversations, out, max_false_refusals=0.0)
    assert out.is_file()
    loaded = SupportModel.load(out)
    assert loaded.to_json() == json.loads(out.read_text(encoding="utf-8")) == model.to_json()
    assert list(loaded.support.weights) == SUPPORT_FEATURES and list(loaded.sentence.weights) == SENTENCE_FEATURES
    assert all(np.isfinite(list(loaded.support.weights.values()))) and np.isfinite(loaded.support.bias)
    m = loaded.metrics
    assert m["n_questions"] == len(ITEMS) + 2 and m["n_answerable"] == 5
    assert m["n_sentences"] > m["n_evidence_sentences"] >= 2
    # Fitted on these items, the model separates them; no answerable one may be refused (max 0 %).
    assert m["support_auroc"] == 1.0
    assert m["false_refusal_rate"] == 0.0 and m["refusal_recall"] > 0
    assert 0.0 < loaded.refusal_threshold <= loaded.caution_threshold < 1.0
    assert str(set_path) in loaded.fitted_on and str(conversations) in loaded.fitted_on
    # The fitted weights keep the signs that make sense: closer passages support, missing words do not.
    assert loaded.support.weights["similarity"] > 0 and loaded.support.weights["missing"] < 0
    # The answerer takes the file through its settings and answers with it.
    from radassist.answer import ExtractiveAnswerer

    answer_settings = engine.settings.answer.model_copy(
        update={"support_model": out, "refusal_threshold": None, "caution_threshold": None})
    answerer = ExtractiveAnswerer(answer_settings)
    assert answerer.model.to_json() == loaded.to_json()
    assert answerer.refusal_threshold == loaded.refusal_threshold
    for question, refused in ((ITEMS[0]["question"], False), (ITEMS[3]["question"], True)):
        answer = answerer.answer(question, engine.retrieve(question, question), engine.index)
        assert answer.refused is refused, question
        assert answer.support == pytest.approx(
            loaded.support.probability(next(q["features"] for q in collect(engine, [{"question": question}])[0])))


def test_calibrate_command_line(env_index, tmp_path, capsys):
    from radassist.cli import main

    set_path = write_jsonl(tmp_path / "tune.jsonl", ITEMS)
    out = tmp_path / "cli-model.json"
    assert main(["calibrate", "--set", str(set_path), "--out", str(out), "--max-false-refusals", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "support model: AUROC" in printed and str(out) in printed
    model = SupportModel.load(out)
    assert model.metrics["n_questions"] == len(ITEMS) and model.fitted_on.startswith(str(set_path))
