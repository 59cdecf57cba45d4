"""Support model: logistic fitting, the bundled model, and evidence gathered from real retrievals."""

import json
import math
import shutil

import numpy as np
import pytest

from conftest import CORPUS, make_settings
from radassist.calibrate import SENTENCE_FEATURES, SUPPORT_FEATURES
from radassist.question import analyse
from radassist.scale import corpus_scale
from radassist.support import (
    MODEL_FILE, Logistic, SupportModel, fit_logistic, gather, sentence_features, support_features,
)

ANSWERABLE = "Hoe lang blijft een casus in de monitorfase?"
DEFINITION = "Wat is een casussimulatie?"
OFF_TOPIC = "Wat is de hoofdstad van Peru?"
NEAR_MISS = "Hoeveel kost een casussimulatie?"  # the corpus describes casussimulaties but names no price


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ----------------------------------------------------------------------------- fit_logistic

def test_fit_recovers_known_weights():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6000, 3))
    y = rng.random(6000) < sigmoid(2.0 * X[:, 0] - 1.0 * X[:, 1] + 0.5)
    model = fit_logistic(X, y, ["a", "b", "c"], l2=1e-3, balanced=False)
    assert set(model.weights) == {"a", "b", "c"}
    assert model.weights["a"] == pytest.approx(2.0, abs=0.2)
    assert model.weights["b"] == pytest.approx(-1.0, abs=0.15)
    assert model.weights["c"] == pytest.approx(0.0, abs=0.1)
    assert model.bias == pytest.approx(0.5, abs=0.1)


def test_fit_separates_separable_data():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(400, 2))
    y = X[:, 0] + X[:, 1] > 0.2
    model = fit_logistic(X, y, ["x", "z"], l2=0.1)
    predicted = np.array([model.probability({"x": a, "z": b}) > 0.5 for a, b in X])
    assert (predicted == y).mean() > 0.97
    assert model.weights["x"] > 0 and model.weights["z"] > 0
    # With separable data the penalty keeps the weights finite.
    assert all(math.isfinite(w) for w in model.weights.values()) and math.isfinite(model.bias)


def test_penalty_shrinks_weights_but_not_the_bias():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 2))
    y = rng.random(2000) < sigmoid(1.5 * X[:, 0] + 1.0)  # about 70 % positive
    loose = fit_logistic(X, y, ["a", "b"], l2=1e-3, balanced=False)
    tight = fit_logistic(X, y, ["a", "b"], l2=1e6, balanced=False)
    assert abs(tight.weights["a"]) < 0.01 < abs(loose.weights["a"])
    # The unpenalised bias then carries the base rate on its own.
    assert tight.bias == pytest.approx(math.log(y.mean() / (1 - y.mean())), abs=0.01)


def test_balanced_weighting_moves_the_bias_towards_the_minority_class():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 1))
    y = rng.random(3000) < sigmoid(2.0 * X[:, 0] - 2.5)  # few positives
    plain = fit_logistic(X, y, ["a"], balanced=False)
    balanced = fit_logistic(X, y, ["a"], balanced=True)
    assert balanced.bias > plain.bias
    assert balanced.weights["a"] > 0 and plain.weights["a"] > 0
    # One class only: weighting cannot balance anything and the fit still returns numbers.
    single = fit_logistic(X, np.ones(3000), ["a"], balanced=True)
    assert single.probability({"a": 0.0}) > 0.9


# ----------------------------------------------------------------------------- Logistic, SupportModel

def test_logistic_margin_and_probability():
    model = Logistic({"a": 2.0, "b": -1.0}, bias=0.5)
    assert model.margin({"a": 1.0, "b": 3.0}) == pytest.approx(-0.5)
    assert model.margin({}) == 0.5  # absent features count as 0
    assert model.margin({"a": 1.0, "unknown": 100.0}) == pytest.approx(2.5)  # features without weight are ignored
    assert model.probability({"a": 0.0, "b": 0.5}) == pytest.approx(0.5)
    assert model.probability({"a": 1e6}) == pytest.approx(1.0) and model.probability({"b": 1e6}) == pytest.approx(0.0)
    assert 0.0 < model.probability({"b": 1e6})  # clipped margin: no overflow, never exactly 0


def test_bundled_model_loads_with_the_calibrated_features():
    model = SupportModel.load()
    assert list(model.support.weights) == SUPPORT_FEATURES
    assert list(model.sentence.weights) == SENTENCE_FEATURES
    assert 0.0 < model.refusal_threshold <= model.caution_threshold < 1.0
    assert model.fitted_on and model.metrics["n_questions"] > model.metrics["n_answerable"] > 0
    # The signs that make the model sensible: similarity helps, a missing word or asked fact hurts.
    assert model.support.weights["similarity"] > 0 and model.support.weights["passage_similarity"] > 0
    assert model.support.weights["missing"] < 0 and model.support.weights["asked_fact_gap"] < 0
    assert SupportModel.load() is model and SupportModel.load(MODEL_FILE) is model


def test_model_round_trips_through_json(tmp_path):
    model = SupportModel.load()
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    again = SupportModel.load(path)
    assert again is not model and again == model
    assert again.to_json() == json.loads(MODEL_FILE.read_text(encoding="utf-8"))


def test_model_without_fit_details_still_loads(tmp_path):
    path = tmp_path / "bare.json"
    path.write_text(json.dumps({
        "refusal_threshold": 0.4, "caution_threshold": 0.6,
        "support": {"weights": {"similarity": 1.0}, "bias": -0.2},
        "sentence": {"weights": {"cover": 2.0}, "bias": 0},
    }), encoding="utf-8")
    model = SupportModel.load(path)
    assert model.fitted_on == "" and model.metrics == {}
    assert model.support.probability({"similarity": 0.2}) == pytest.approx(0.5)
    assert model.sentence.bias == 0.0 and isinstance(model.sentence.bias, float)


# ----------------------------------------------------------------------------- evidence from real retrievals

@pytest.fixture(scope="module")
def assessed(engine):
    """question -> (Question, retrieval, sentences, features), for a few questions over the sample index."""
    out = {}
    for text in (ANSWERABLE, DEFINITION, OFF_TOPIC, NEAR_MISS):
        retrieval = engine.retrieve(text, text)
        q = analyse(text)
        sentences = gather(q, retrieval, engine.index)
        out[text] = (q, retrieval, sentences, support_features(q, sentences, retrieval, engine.index))
    return out


def test_gathered_sentences_point_into_the_top_passages(engine, assessed):
    scale = corpus_scale(engine.index)
    for text, (_q, retrieval, sentences, _f) in assessed.items():
        assert sentences, text
        top = {p.chunk.id for p in retrieval.passages[:6]}
        assert {s.passage.chunk.id for s in sentences} <= top
        texts = [" ".join(s.text.lower().split()) for s in sentences]
        assert len(texts) == len(set(texts))  # each sentence once
        for s in sentences:
            assert s.text == s.passage.chunk.text[s.start:s.end].strip()
            assert not s.text.endswith("?")  # the documents' own questions are no answers
            assert -1.0 <= s.cos <= 1.0 and s.rel == pytest.approx(scale.sentence(s.cos))
            assert 0.0 <= s.cover <= s.context_cover + 1e-9 <= 1.0 + 1e-9
        ranks = sorted(sentences, key=lambda s: s.cos_rank)
        assert [s.cos_rank for s in ranks] == list(range(len(sentences)))
        assert all(a.cos >= b.cos for a, b in zip(ranks, ranks[1:]))


def test_answer_sentence_states_the_asked_fact(assessed):
    _q, _r, sentences, _f = assessed[ANSWERABLE]
    facts = [s for s in sentences if s.fact and s.cover >= 0.3]
    assert any("zes maanden" in s.text for s in facts)
    _q, _r, sentences, _f = assessed[DEFINITION]
    assert any(s.defines and s.cover == 1.0 and "rollenspel" in s.text for s in sentences)


def test_support_features_tell_answerable_from_off_topic(assessed):
    answerable = assessed[ANSWERABLE][3]
    off_topic = assessed[OFF_TOPIC][3]
    assert set(answerable) == set(SUPPORT_FEATURES) == set(off_topic)
    assert answerable["similarity"] > off_topic["similarity"] + 0.5
    assert answerable["passage_similarity"] > off_topic["passage_similarity"] + 0.5
    assert answerable["cover"] > 0.5 and off_topic["cover"] == 0.0
    assert answerable["missing"] == 0.0 and off_topic["missing"] > 0.5  # 'peru', 'hoofdstad' are in no passage
    assert answerable["asked_fact_missing"] == 0.0
    assert off_topic["asked_fact_gap"] == 0.0 == off_topic["asked_fact_missing"]  # not a figure question


def test_bundled_model_supports_answerable_and_refuses_off_topic(assessed):
    model = SupportModel.load()
    p = {text: model.support.probability(features) for text, (_q, _r, _s, features) in assessed.items()}
    assert p[ANSWERABLE] > model.caution_threshold
    assert p[DEFINITION] > model.caution_threshold
    assert p[OFF_TOPIC] < model.refusal_threshold
    assert p[ANSWERABLE] > p[OFF_TOPIC] + 0.5


def test_near_miss_without_the_asked_figure_is_refused(assessed):
    """The corpus explains casussimulaties but names no price: a figure question, no figure."""
    features = assessed[NEAR_MISS][3]
    assert features["asked_fact_missing"] == 1.0 and features["asked_fact_gap"] > 0.9
    model = SupportModel.load()
    assert model.support.probability(features) < model.refusal_threshold
    assert model.support.probability(features) < model.support.probability(assessed[DEFINITION][3])


def test_sentence_features_rank_the_answer_sentence_high(assessed):
    model = SupportModel.load()
    _q, retrieval, sentences, _f = assessed[ANSWERABLE]
    n = len(retrieval.passages)
    for s in sentences:
        f = sentence_features(s, n)
        assert set(f) == set(SENTENCE_FEATURES)
        assert 0.0 < f["similarity_rank"] <= 1.0 and 0.0 <= f["length"] <= 1.0
        assert f["short"] in (0.0, 1.0) and f["fact"] == float(s.fact)
    ranked = sorted(sentences, key=lambda s: -model.sentence.margin(sentence_features(s, n)))
    assert any("zes maanden" in s.text for s in ranked[:3])


def test_gather_without_sentence_vectors_embeds_the_candidates(engine, sample_index, tmp_path, assessed):
    """An older generation without sentence vectors: the same sentences, cosines computed on the spot."""
    from radassist.index import LoadedIndex
    from radassist.sentences import ROWS_FILE, SENTENCES_FILE, SPANS_FILE

    copy = tmp_path / "index"
    shutil.copytree(sample_index, copy)
    index = LoadedIndex.open(make_settings(CORPUS, copy))
    for name in (SENTENCES_FILE, ROWS_FILE, SPANS_FILE):
        (index.folder / name).unlink()
    index = LoadedIndex.open(make_settings(CORPUS, copy))
    assert index.sentences is None
    q, retrieval, with_table, _f = assessed[ANSWERABLE]
    without = gather(q, retrieval, index)
    assert [s.text for s in without] == [s.text for s in with_table]
    assert [s.cos for s in without] == pytest.approx([s.cos for s in with_table], abs=1e-4)


# ----------------------------------------------------------------------------- follow-ups

def test_a_follow_up_is_judged_by_its_own_focus_words():
    from radassist.support import follow_up_focus

    standalone = analyse("Wie zitten er bij het casusoverleg? wie betaalt dat dan?")
    judged = follow_up_focus(standalone, "wie betaalt dat dan?")
    assert judged.focus == analyse("wie betaalt dat dan?").focus and judged.kind == standalone.kind
    assert set(judged.focus) < set(standalone.focus)
    assert follow_up_focus(standalone, None) is standalone  # not a follow-up
    no_words = analyse("Wie zitten er bij het casusoverleg? waarom dan?")
    assert follow_up_focus(no_words, "waarom dan?") is no_words  # nothing of its own: the whole question


def test_engine_scores_a_follow_up_on_its_own_words(engine):
    """The support of a follow-up does not hang on the earlier turn's words recurring in the passages
    about the new point; an unrelated new point is still refused."""
    from radassist.answer import support_score
    from radassist.conversation import Turn
    from radassist.engine import AskContext

    first = "Ik ben leerplichtambtenaar en een jongen van 15 spijbelt en zit op extreemrechtse chats. Wie pakt dit op?"
    history = [Turn(first, first, engine.ask(first, AskContext(audit=False)).answer)]
    follow = engine.ask("mag ik dat zelf inbrengen?", AskContext(history=history, audit=False))
    standalone = follow.standalone_question
    assert standalone != "mag ik dat zelf inbrengen?"
    retrieval = engine.retrieve("mag ik dat zelf inbrengen?", standalone)
    whole = support_score(standalone, retrieval, engine.index, engine.extractive.model)
    assert follow.support == pytest.approx(
        support_score(standalone, retrieval, engine.index, engine.extractive.model, "mag ik dat zelf inbrengen?"))
    assert follow.support > whole and not follow.refused
    off = engine.ask("en wat is de hoofdstad van Peru?", AskContext(history=history, audit=False))
    assert off.refused
