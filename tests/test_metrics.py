"""Each evaluation metric on small hand-made cases where the right value is known."""

import pytest

from radassist import metrics as M


def test_evidence_match_ignores_whitespace_and_case():
    assert M.holds_evidence("De weegploeg  bestaat uit\ngemeente, politie en OM.", ["bestaat uit Gemeente, politie"])
    assert not M.holds_evidence("De weegploeg bestaat uit gemeente.", ["politie en OM"])


def test_hit_mrr_ndcg():
    rel = [False, True, False, True]
    assert M.hit_at(rel, 1) == 0 and M.hit_at(rel, 2) == 1
    assert M.mrr_at(rel) == 0.5
    # two relevant passages exist; found at ranks 2 and 4
    expected = (1 / 1.5849625 + 1 / 2.3219281) / (1 + 1 / 1.5849625)
    assert M.ndcg_at(rel, 2) == pytest.approx(expected, rel=1e-6)
    assert M.ndcg_at([True, True], 2) == pytest.approx(1.0)
    assert M.ndcg_at([False], 0) == 0.0


def test_fact_recall_normalises_dutch_text():
    answer = "De casus blijft ten minste zes maanden in de monitoringsfase [1]. Daarna sluit het overleg af."
    assert M.fact_recall(answer, ["zes maanden", "monitoringsfase"]) == 1.0
    assert M.fact_recall(answer, ["Zes Maanden", "twaalf weken"]) == 0.5
    assert M.fact_recall("Reïntegratie na detentie.", ["reintegratie"]) == 1.0
    assert M.fact_recall(answer, []) is None


def test_fact_recall_counts_a_fact_when_half_its_content_words_are_there():
    answer = "De procesregisseur zit het casusoverleg voor [1]."
    assert M.fact_recall(answer, ["voorzitter van het casusoverleg"]) == 1.0  # casusoverleg: 1 of 2 content words
    assert M.fact_recall(answer, ["weegploeg van de gemeente"]) == 0.0
    assert M.fact_recall("Het OM beslist [2].", ["OM"]) == 1.0  # no content words: the phrase itself
    assert M.fact_recall_exact(answer, ["voorzitter van het casusoverleg"]) == 0.0


def test_citation_metrics():
    passages = {1: "De weegploeg bestaat uit gemeente, politie en OM.", 2: "Een casussimulatie is een rollenspel."}
    citations = [
        {"marker": 1, "quote": "De weegploeg bestaat uit gemeente, politie en OM."},
        {"marker": 2, "quote": "Een casussimulatie is een rollenspel."},
        {"marker": 7, "quote": "Niet bestaand."},
    ]
    assert M.citation_validity(citations, passages) == pytest.approx(2 / 3)
    assert M.citation_support(citations[:2], passages, ["gemeente, politie en OM"], []) == 0.5
    assert M.citation_support(citations[:2], passages, [], ["rollenspel"]) == 0.5
    assert M.citation_coverage("Eerste zin [1]. Tweede zin zonder bron. Derde [2].") == pytest.approx(2 / 3)


def test_refusal_scores_and_auroc():
    answerable = [True, True, False, False]
    refused = [False, True, True, False]
    scores = M.refusal_scores(answerable, refused)
    assert scores == {"refusal_precision": 0.5, "refusal_recall": 0.5, "false_refusal_rate": 0.5}
    assert M.auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert M.auroc([0.5], [0.5]) == 0.5


def test_best_threshold_separates_classes():
    threshold, accuracy = M.best_threshold([0.9, 0.8, 0.3, 0.2], [True, True, False, False])
    assert 0.3 < threshold <= 0.8 and accuracy == 1.0


def test_percentiles():
    assert M.percentiles([1, 2, 3, 4, 100])["p50"] == 3
    assert M.percentiles([]) == {"p50": None, "p95": None}
