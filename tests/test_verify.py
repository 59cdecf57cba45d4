"""Citation checks beyond similarity: numbers, negation, modality, scope, conditions, named terms.

The rules are tested on hand-written Dutch pairs (each error kind once, and the paraphrases that must
survive), then end to end through `verify()` over real retrieved passages with the real USE
embedder, and through the evaluator over a small labelled file.
"""

from __future__ import annotations

import json

import pytest

from radassist.claims import clauses, contradictions, findings
from radassist.named_terms import base_vocabulary, build_vocabulary, vocabulary_for
from radassist.quantities import quantities
from radassist.claims import tokens
from radassist.verify import REASON_BAD_MARKER, REASON_SUPPORT, contradictions as verify_contradictions, verify

SOURCE = ("Is het plan van aanpak uitgevoerd, dan blijft de casus ten minste zes maanden in de monitoringsfase "
          "voordat het overleg hem afsluit.")


def kinds(claim: str, source: str) -> list[str]:
    return [check for check, _reason in findings(claim, source)]


# ----------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("text, kind, value", [
    ("binnen twee weken", "dur", 14), ("21 dagen", "dur", 21), ("een half jaar", "dur", 182.6),
    ("drie kwartier", "dur", 45 / 1440), ("vier keer per jaar", "rate", 4 / 365.25), ("maandelijks", "rate", 1 / 30.44),
    ("elke twee weken", "rate", 1 / 14), ("de helft", "frac", 0.5), ("50 procent", "frac", 0.5),
    ("eenentwintig", "n", 21), ("een zeventienjarige", "n", 17), ("in maart", "month", 2),
])
def test_quantities_read_dutch_number_words(text, kind, value):
    found = [q for q in quantities(tokens(text)) if q.kind == kind]
    assert found and abs(found[0].value - value) <= 0.01 * max(1, value), quantities(tokens(text))


@pytest.mark.parametrize("claim, source", [
    ("De PGA heeft 4 fasen.", "De PGA kent vier fasen."),
    ("De weegploeg bespreekt een melding binnen 14 dagen.", "De weegploeg bespreekt elke melding binnen twee weken."),
    ("De helft van de regio's deed mee.", "Vijftig procent van de regio's deed mee."),
    ("Het overleg komt maandelijks bijeen.", "Het overleg komt een keer per maand bijeen."),
    ("De nabespreking duurt 45 minuten.", "De nabespreking duurt drie kwartier."),
])
def test_the_same_amount_written_differently_is_consistent(claim, source):
    assert contradictions(claim, source) == []


@pytest.mark.parametrize("claim, source, words", [
    ("De PGA heeft drie fasen.", "De PGA kent vier fasen.", "drie"),
    ("De casus blijft ten minste zes weken in de monitoringsfase.", SOURCE, "zes weken"),
    ("Het overleg komt elke maand bijeen.", "Het overleg komt elk kwartaal bijeen.", "elke maand"),
    ("Het flexteam werkte van 2018 tot eind 2022.", "Het flexteam werkte van 2018 tot eind 2024.", "2022"),
    ("Radicalisering is een proces van dagen tot weken.", "Radicalisering is een proces van weken tot jaren.", "dagen"),
    ("Aanbeveling 8 gaat over het weegkader.", "Aanbeveling 7 gaat over het weegkader.", "aanbeveling 8"),
])
def test_a_changed_number_is_a_contradiction(claim, source, words):
    reasons = contradictions(claim, source)
    assert reasons and words in reasons[0].lower(), reasons
    assert kinds(claim, source)[0] == "number"


# ----------------------------------------------------------------------------- negation and modality

@pytest.mark.parametrize("claim, source, kind, words", [
    ("De casus blijft niet in de monitoringsfase.", SOURCE, "negation", "ontkent"),
    ("De procesregisseur doet zelf ook casemanagement.", "De procesregisseur doet zelf geen casemanagement.", "negation", "geen"),
    ("De melder hoort dat er een besluit is, met details over de persoon.",
     "De melder hoort dat er een besluit is, zonder details over de persoon.", "negation", "zonder"),
    ("De NCTV moet adviseren over duiding.", "De NCTV kan adviseren over duiding.", "modality", "moet"),
    ("De gemeente hoeft het besluit niet vast te leggen.", "De gemeente moet het besluit vastleggen.", "modality", "hoeft niet"),
    ("Deze aantallen mogen als officiële statistiek worden gebruikt.",
     "Deze aantallen mogen niet als officiële statistiek worden gebruikt.", "modality", "mogen niet"),
    ("Het besluit moet met redenen worden vastgelegd.", "Het besluit wordt met redenen vastgelegd.", "modality", "verplichting"),
])
def test_flipped_negation_or_modality_is_a_contradiction(claim, source, kind, words):
    found = findings(claim, source)
    assert found and found[0][0] == kind and words in found[0][1], found


@pytest.mark.parametrize("claim, source", [
    ("Een vaste frequentie zorgt ervoor dat meldingen niet blijven liggen.", "Een vaste frequentie voorkomt dat meldingen blijven liggen."),
    ("Neem contact op met het meldpunt als je er niet uitkomt.", "Kom je er niet uit, neem dan contact op met het meldpunt."),
    ("De inhoudelijke begeleiding is niet de taak van de procesregisseur, maar van de casemanager.",
     "De procesregisseur doet zelf geen casemanagement: de begeleiding ligt bij de casemanager."),
    ("Het OM kan niet alles delen.", "Het OM mag niet alles delen."),
    ("Met afspraken over wat het OM wel en niet kan delen, voorkom je frustratie.",
     "Afspraken over wat het OM wel en niet kan delen voorkomen frustratie."),
])
def test_paraphrased_negation_and_modality_are_consistent(claim, source):
    assert contradictions(claim, source) == []


# ----------------------------------------------------------------------------- scope, conditions, opposites

@pytest.mark.parametrize("claim, source, words", [
    ("De casus blijft hoogstens zes maanden in de monitoringsfase.", SOURCE, "hoogstens"),
    ("Koppel in sommige gevallen terug aan de melder.", "Koppel altijd terug aan de melder.", "in sommige gevallen"),
    ("De privacyfunctionaris schuift bij sommige overleggen aan.", "De privacyfunctionaris schuift bij elk overleg aan.", "sommige"),
    ("Een gast is ook bij andere casussen aanwezig.", "Een gast is alleen bij de eigen casus aanwezig.", "ook"),
    ("De doelstelling is volledig gehaald.", "De doelstelling is grotendeels gehaald.", "volledig"),
    ("Het team adviseert een hogere frequentie.", "Het team adviseert een lagere frequentie.", "hoger"),
    ("De factsheets zijn onvoldoende bekend.", "De factsheets zijn voldoende bekend.", "onvoldoende"),
])
def test_changed_scope_or_opposite_is_a_contradiction(claim, source, words):
    reasons = contradictions(claim, source)
    assert reasons and words in reasons[0], reasons


def test_dropped_condition_is_named():
    source = "De gemeente deelt gegevens met de politie, tenzij de betrokkene bezwaar maakt."
    reasons = contradictions("De gemeente deelt gegevens met de politie.", source)
    assert reasons and "tenzij" in reasons[0]
    assert contradictions("De gemeente deelt gegevens met de politie, behalve bij bezwaar van de betrokkene.", source) == []


def test_extractive_trim_api_is_the_same_function():
    claim, source = "De casus blijft drie maanden in de monitoringsfase.", SOURCE
    assert verify_contradictions(claim, source) == contradictions(claim, source) != []
    assert contradictions("De casus blijft ten minste zes maanden in de monitoringsfase.", SOURCE) == []


def test_clauses_keep_list_items_and_their_negation_together():
    parts = clauses("De kern bestaat uit de gemeente, de politie en het OM, maar niet uit de school.")
    assert len(parts) == 2 and "politie" in parts[0].text and parts[1].negations == 1


# ----------------------------------------------------------------------------- named terms

def test_vocabulary_comes_from_the_corpus_itself():
    corpus = ["Het Regionaal Meldpunt Zorg (RMZ) werkt samen met de Omgevingsdienst Noordwest.",
              "Het RMZ meldt signalen aan de jeugdcoördinator."]
    vocab = build_vocabulary(corpus, regions=["Noordwest-Veluwe"])
    found = {t.surface: t.kind for t, _k in vocab.find("De RMZ en de jeugdcoördinator in Noordwest-Veluwe.")}
    assert found == {"RMZ": "afkorting", "jeugdcoördinator": "rol", "Noordwest-Veluwe": "regio"}
    key = next(k for t, k in vocab.find("het RMZ") if t.surface == "RMZ")
    from radassist.named_terms import stems, words
    assert vocab.occurs(key, stems(words("het regionaal meldpunt zorg")))  # the long form counts
    assert not base_vocabulary().find("Dat is om negen uur.")  # "om" is no abbreviation


def test_index_vocabulary_knows_its_regions_and_abbreviations(engine):
    vocab = vocabulary_for(engine.index)
    found = {t.surface for t, _k in vocab.find("Het OM in Twente en de LSE.")}
    assert {"OM", "Twente", "LSE"} <= found
    assert vocabulary_for(engine.index) is vocab  # built once per generation


# ----------------------------------------------------------------------------- verify() end to end

@pytest.fixture(scope="module")
def monitoring(engine):
    passages = engine.search("Hoe lang blijft een casus in de monitoringsfase?").passages
    rank = next(p.rank for p in passages if "monitoringsfase voordat het overleg hem afsluit" in p.chunk.text)
    return passages, rank, vocabulary_for(engine.index)


@pytest.mark.parametrize("sentence, check", [
    ("Na uitvoering van het plan van aanpak blijft de casus ten minste zes maanden in de monitoringsfase.", ""),
    ("Na uitvoering van het plan van aanpak blijft de casus ten minste 6 maanden in de monitoringsfase.", ""),
    ("Na uitvoering van het plan van aanpak blijft de casus ten minste drie maanden in de monitoringsfase.", "number"),
    ("Na uitvoering van het plan van aanpak blijft de casus niet in de monitoringsfase.", "negation"),
    ("Na uitvoering van het plan van aanpak blijft de casus hoogstens zes maanden in de monitoringsfase.", "scope"),
    ("Volgens de politie blijft de casus na het plan van aanpak ten minste zes maanden in de monitoringsfase.", "term"),
    ("In Limburg blijft de casus na het plan van aanpak ten minste zes maanden in de monitoringsfase.", "term"),
    ("De procesregisseur rapporteert daarover elke week schriftelijk aan de burgemeester.", "support"),
])
def test_verify_keeps_faithful_sentences_and_names_the_failed_check(monitoring, sentence, check):
    passages, rank, vocab = monitoring
    checked = verify(f"{sentence} [{rank}]", passages, 0.35, vocab)
    [verdict] = checked.verdicts
    assert verdict.check == check and verdict.kept == (check == ""), (verdict.check, verdict.reason)
    if check:
        assert verdict.reason and verdict.reason != REASON_SUPPORT or check == "support"
        assert not checked.citations and checked.text == ""
    else:
        assert checked.citations[0].quote in passages[rank - 1].chunk.text
    assert verdict.quote and verdict.quote.split(". ")[0][:40] in " ".join(p.chunk.text for p in passages)


def test_verify_handles_several_sentences_and_bad_markers(monitoring):
    passages, rank, vocab = monitoring
    answer = (f"De casus blijft na het plan van aanpak ten minste zes maanden in de monitoringsfase [{rank}]. "
              f"Dit staat in bron negen [9]. De casus blijft na het plan van aanpak nooit in de monitoringsfase [{rank}].")
    checked = verify(answer, passages, 0.35, vocab)
    assert [v.kept for v in checked.verdicts] == [True, False, False]
    assert checked.verdicts[1].reason == REASON_BAD_MARKER and checked.verdicts[2].check in ("negation", "scope")
    assert "[9]" not in checked.text and checked.kept_share == pytest.approx(1 / 3)


# ----------------------------------------------------------------------------- the evaluator

def test_evaluator_writes_rates_per_type_and_latency(tmp_path, sample_settings, monkeypatch):
    from radassist import verify_eval

    passage = ("De weegploeg bestaat uit gemeente, politie en OM. Zij bespreken elke melding binnen twee weken.")
    rows = [
        {"id": "a", "passage_id": "x#1", "passage": passage, "sentence": "De weegploeg bespreekt elke melding binnen 14 dagen.",
         "label": "faithful", "type": "number-word", "split": "test"},
        {"id": "b", "passage_id": "x#1", "passage": passage, "sentence": "De weegploeg bespreekt elke melding binnen drie weken.",
         "label": "unfaithful", "type": "number", "split": "test"},
        {"id": "c", "passage_id": "x#2", "passage": passage, "sentence": "De weegploeg bestaat uit gemeente, politie en OM.",
         "label": "faithful", "type": "verbatim", "split": "tune"},
    ] + [{"id": f"p{i}", "passage_id": f"y#{i}", "passage": passage, "sentence": "De weegploeg bespreekt elke melding.",
          "label": "faithful", "type": "shortened", "split": "tune"} for i in range(6)]
    data = tmp_path / "verify.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    monkeypatch.setenv("RADASSIST_INDEX_DIR", str(sample_settings.index_dir))
    monkeypatch.setenv("RADASSIST_DATA_DIR", str(tmp_path / "var"))
    assert verify_eval.main(["--set", str(data), "--out", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "verify.json").read_text(encoding="utf-8"))
    test = report["summary"]["test"]["types"]
    assert test["number"]["rate"] == 1.0 and test["number-word"]["rate"] == 0.0
    assert report["latency"]["p95_ms"] > 0 and report["meta"]["vocabulary"] == "index"
    md = (tmp_path / "out" / "verify.md").read_text(encoding="utf-8")
    assert "| number | unfaithful | 1 | 1 | 1.000 |" in md and "faithful removed" in md
