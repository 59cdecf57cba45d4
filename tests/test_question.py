"""Question analysis: the kind of answer a Dutch question asks for, its focus words and the asked fact."""

import pytest

from radassist.question import analyse, answers_kind, defines, states_asked_fact
from radassist.text import content_terms
from radassist.wordforms import WordForms


# ----------------------------------------------------------------------------- kind

@pytest.mark.parametrize("question, kind", [
    ("Hoeveel kost een casussimulatie?", "quantity"),
    ("Wat zijn de kosten van een casussimulatie?", "quantity"),
    ("hoeveel mensen zitten in de weegploeg", "quantity"),
    ("Welk percentage van de meldingen leidt tot een casus?", "quantity"),
    ("Wat is een casushouder?", "definition"),
    ("en wat is een casushouder?", "definition"),
    ("Wat betekent procesregie?", "definition"),
    ("Wat wordt verstaan onder radicalisering?", "definition"),
    ("Wat houdt een casussimulatie in?", "definition"),
    ("wie is de procesregisseur?", "definition"),
    ("Wie beslist over opschaling?", "actor"),
    ("WIE BESLIST OVER OPSCHALING?", "actor"),
    ("Welke partijen zitten in het casusoverleg?", "actor"),
    ("Hoe lang blijft een casus in de monitorfase?", "duration"),
    ("hoelang duurt de weging nou eigenlijk", "duration"),
    ("hoeveel weken duurt het", "duration"),
    ("binnen welke termijn moet de weegploeg reageren", "duration"),
    ("hoe snel moet ik melden?", "duration"),
    ("hoe vaak is het casusoverleg", "frequency"),
    ("hoevaak komt de weegploeg bij elkaar", "frequency"),
    ("Hoeveel keer per jaar komt het overleg bijeen?", "frequency"),
    ("In welk jaar is het casusoverleg begonnen?", "date"),
    ("wanneer wordt een casus afgesloten", "date"),
    ("Wat is het verschil tussen procesregie en casusregie?", "comparison"),
    ("waarom is nazorg belangrijk", "reason"),
    ("Wat is het doel van het casusoverleg?", "reason"),
    ("Mag de gemeente persoonsgegevens delen met de politie?", "rule"),
    ("mag ik als leraar info delen met de gemeente??", "rule"),
    ("is het verplicht om toestemming te vragen", "rule"),
    ("Hoe meld ik een zorg over radicalisering?", "procedure"),
    ("Hoe werkt een casussimulatie?", "procedure"),
    ("Waar vind ik het privacyconvenant?", "place"),
    ("Vertel iets over nazorg", "open"),
    ("wat is de rol van de gemeente", "open"),
])
def test_kind_of_answer_asked(question, kind):
    assert analyse(question).kind == kind


def test_duration_wins_over_quantity_and_comparison_over_definition():
    # "hoeveel weken" counts time, not things; "wat is het verschil" is no definition.
    assert analyse("Hoeveel maanden duurt de monitoring?").kind == "duration"
    assert analyse("Wat is het verschil tussen een casushouder en een procesregisseur?").kind == "comparison"


def test_specific_kinds_need_a_figure_duration_frequency_or_date():
    specific = {analyse(q).specific for q in (
        "Hoeveel kost een casussimulatie?", "Hoe lang blijft een casus in de monitorfase?",
        "hoe vaak is het casusoverleg", "In welk jaar is het casusoverleg begonnen?")}
    assert specific == {True}
    assert not analyse("Wie beslist over opschaling?").specific
    assert not analyse("Wat is een casushouder?").specific
    assert not analyse("Mag de gemeente persoonsgegevens delen met de politie?").specific


# ----------------------------------------------------------------------------- focus, subject, target, flags

def test_focus_keeps_subject_words_and_drops_question_words():
    q = analyse("Mag de gemeente persoonsgegevens delen met de politie?")
    assert q.focus == content_terms("gemeente persoonsgegevens delen politie")
    q = analyse("Wie beslist over opschaling?")
    assert content_terms("opschaling")[0] in q.focus
    assert not set(content_terms("wie")) & set(q.focus)
    q = analyse("Wat is een casushouder?")
    assert q.focus == content_terms("casushouder")


def test_focus_has_no_duplicates_and_falls_back_to_all_terms():
    q = analyse("casus casus casus overleg")
    assert q.focus == content_terms("casus overleg")
    # Only words that say how something is asked: the focus is those words rather than nothing.
    q = analyse("Wat betekent dat eigenlijk precies, verschil?")
    assert q.focus == content_terms("betekent verschil")


@pytest.mark.parametrize("question, subject", [
    ("Wat is een casushouder?", "casushouder"),
    ("Wat betekent procesregie?", "procesregie"),
    ("Wat wordt verstaan onder radicalisering?", "radicalisering"),
    ("Wat houdt een casussimulatie in?", "casussimulatie"),
    ("Wat wordt bedoeld met een ZVH?", "zvh"),
    ("Wat is een plan van aanpak?", "plan van aanpak"),
])
def test_definition_subject_is_the_term_asked_about(question, subject):
    q = analyse(question)
    assert q.kind == "definition" and q.subject == subject


def test_subject_only_for_definitions():
    assert analyse("Wie beslist over opschaling?").subject == ""
    assert analyse("Hoeveel kost een casussimulatie?").subject == ""


def test_money_percent_and_counted_thing():
    money = analyse("Hoeveel kost een casussimulatie?")
    assert money.money and not money.percent
    assert analyse("hoe groot is het budget").money
    assert analyse("Wat zijn de kosten van een casussimulatie?").money
    percent = analyse("Welk percentage van de meldingen leidt tot een casus?")
    assert percent.percent and not percent.money
    counted = analyse("Hoeveel casussen zijn er per jaar?")
    assert not counted.money and not counted.percent
    assert counted.target == content_terms("casussen")
    assert analyse("hoeveel mensen zitten in de weegploeg").target == content_terms("mensen")
    # 'van de' between hoeveel and the noun is skipped.
    assert analyse("Hoeveel van de meldingen worden een casus?").target == content_terms("meldingen")


def test_flags_are_only_set_for_their_kind():
    q = analyse("Wie betaalt de casussimulatie?")  # 'betaalt' is about money, but this asks for an actor
    assert q.kind == "actor" and not q.money and q.target == []
    assert not analyse("Wanneer wordt de casus besproken?").money


def test_strict_date_only_for_questions_that_ask_a_calendar_date():
    assert analyse("In welk jaar is het casusoverleg begonnen?").strict_date
    assert analyse("sinds wanneer bestaat het flexteam").strict_date
    assert analyse("Op welke datum is het convenant getekend?").strict_date
    assert not analyse("wanneer wordt een casus afgesloten").strict_date


# ----------------------------------------------------------------------------- does a sentence answer it

def test_duration_is_answered_by_a_stated_time_span():
    q = analyse("Hoe lang blijft een casus in de monitorfase?")
    assert answers_kind(q, "De casus blijft ten minste zes maanden in de monitoringsfase.")
    assert answers_kind(q, "Het overleg duurt twee uur.")
    assert answers_kind(q, "De weegploeg reageert binnen een week.")
    assert not answers_kind(q, "De casus wordt in de monitoringsfase besproken in het overleg.")
    assert not answers_kind(q, "Die fase duurt lang.")  # no figure, no time unit


def test_frequency_is_answered_by_a_rhythm():
    q = analyse("Hoe vaak komt het casusoverleg bijeen?")
    assert answers_kind(q, "Het casusoverleg komt elke zes weken bijeen.")
    assert answers_kind(q, "Het casusoverleg komt maandelijks bijeen.")
    assert answers_kind(q, "De weegploeg vergadert twee keer per maand.")
    assert not answers_kind(q, "Het casusoverleg komt bijeen in het gemeentehuis.")


def test_date_is_answered_by_a_year_or_month():
    q = analyse("In welk jaar is het casusoverleg begonnen?")
    assert answers_kind(q, "Het casusoverleg begon in 2019.")
    assert answers_kind(q, "Het casusoverleg begon in maart.")
    assert not answers_kind(q, "Het casusoverleg begint zodra er een melding is.")


def test_other_kinds_need_their_own_kind_of_sentence():
    reason = analyse("waarom is nazorg belangrijk")
    assert answers_kind(reason, "Nazorg is belangrijk omdat huisvesting het grootste knelpunt is.")
    assert not answers_kind(reason, "Nazorg begint zes maanden voor de invrijheidstelling.")
    rule = analyse("Mag de gemeente persoonsgegevens delen met de politie?")
    assert answers_kind(rule, "Gegevens delen mag alleen als daar een wettelijke grondslag voor is.")
    assert not answers_kind(rule, "De gemeente en de politie werken samen in het veiligheidshuis.")
    procedure = analyse("Hoe meld ik een zorg over radicalisering?")
    assert answers_kind(procedure, "Bespreek de zorg eerst met een collega en meld het daarna bij de gemeente.")
    assert not answers_kind(procedure, "Radicalisering is een proces van vervreemding.")
    # Kinds without a fact of their own (actor, open, ...) accept any sentence.
    assert answers_kind(analyse("Vertel iets over nazorg"), "Dit staat er.")
    assert answers_kind(analyse("Wie beslist over opschaling?"), "Dit staat er.")


def test_quantity_needs_a_number_about_the_counted_thing():
    q = analyse("Hoeveel cliënten heeft een TER-duo?")
    assert q.target == content_terms("cliënten")
    near_miss = "Het team telt 15 tot 18 medewerkers."
    assert answers_kind(q, near_miss)  # a number, but ...
    assert not states_asked_fact(q, near_miss)  # ... not about cliënten
    assert states_asked_fact(q, "Een duo begeleidt gemiddeld 12 cliënten.")
    assert not states_asked_fact(q, "Een duo begeleidt cliënten.")  # no number at all


def test_quantity_counts_number_words_within_three_words():
    q = analyse("Hoeveel casussen zijn er per jaar?")
    assert states_asked_fact(q, "Er zijn veertig casussen.")
    assert states_asked_fact(q, "Er zijn tientallen casussen.")
    assert states_asked_fact(q, "Per jaar worden 41 casussen besproken.")
    assert not states_asked_fact(q, "In 41 gemeenten is er een overleg over casussen en andere dingen.")
    assert not states_asked_fact(q, "Er zijn een paar casussen.")  # 'een' is no figure


def test_money_question_needs_an_amount():
    q = analyse("Hoeveel kost een casussimulatie?")
    assert states_asked_fact(q, "Een casussimulatie kost 2.500 euro per dag.")
    assert states_asked_fact(q, "De kosten bedragen € 800.")
    assert not states_asked_fact(q, "Aan een casussimulatie doen 12 deelnemers mee.")
    assert not states_asked_fact(q, "Een casussimulatie is een rollenspel.")


def test_percent_question_needs_a_share():
    q = analyse("Hoeveel procent van de casussen wordt afgesloten?")
    assert states_asked_fact(q, "Ongeveer 40% van de casussen wordt binnen een jaar afgesloten.")
    assert states_asked_fact(q, "De helft van de casussen wordt afgesloten.")
    assert not states_asked_fact(q, "Er zijn 40 casussen afgesloten.")


def test_when_may_be_answered_by_a_condition_unless_a_date_is_asked():
    loose = analyse("Wanneer wordt een casus afgesloten?")
    condition = "Een casus wordt afgesloten nadat de monitoring is afgerond."
    assert states_asked_fact(loose, condition)
    assert not states_asked_fact(loose, "Een casus wordt afgesloten door de voorzitter.")
    assert states_asked_fact(loose, "In 2020 werden veel casussen afgesloten.")
    strict = analyse("In welk jaar wordt een casus afgesloten?")
    assert not states_asked_fact(strict, condition)
    assert states_asked_fact(strict, "In 2020 werden veel casussen afgesloten.")


def test_word_forms_let_plurals_and_compounds_of_the_counted_word_count():
    compound = analyse("Hoeveel gesprekken voert de procesregisseur?")
    sentence = "De procesregisseur voert 20 intakegesprekken per jaar."
    assert not states_asked_fact(compound, sentence)
    assert states_asked_fact(compound, sentence, WordForms(content_terms("gesprek intake intakegesprek")))
    plural = analyse("Hoeveel casussen zijn er per jaar?")
    sentence = "Het overleg besprak 41 casus per jaar."
    assert not states_asked_fact(plural, sentence)
    assert states_asked_fact(plural, sentence, WordForms(content_terms("casus overleg")))


def test_other_kinds_fall_back_to_answers_kind():
    q = analyse("Hoe vaak komt het casusoverleg bijeen?")
    for sentence in ("Het casusoverleg komt elke zes weken bijeen.", "Het casusoverleg komt bijeen in het gemeentehuis."):
        assert states_asked_fact(q, sentence) == answers_kind(q, sentence)


# ----------------------------------------------------------------------------- definitions

def test_defines_needs_the_term_near_the_start_and_a_defining_verb():
    q = analyse("Wat is een casushouder?")
    assert defines(q, "Een casushouder is de professional die verantwoordelijk is voor de uitvoering van het plan.")
    assert defines(q, "Casushouder: de partner die de casus trekt.")
    assert answers_kind(q, "Casushouder: de partner die de casus trekt.")
    assert not defines(q, "De procesregisseur is een medewerker van de gemeente.")  # another term
    assert not defines(q, "De casushouder belt de familie.")  # the term, but no definition
    late = ("In het overleg van de partners in de regio met de gemeente en de politie is een casushouder "
            "de partner die de casus trekt.")
    assert not defines(q, late)  # the term comes too late to be what the sentence is about


def test_defines_without_subject_looks_for_a_definition_only():
    q = analyse("Vertel iets over nazorg")
    assert q.subject == ""
    assert defines(q, "Nazorg is de begeleiding na detentie.")
    assert not defines(q, "Nazorg helpt bij terugkeer.")


def test_definition_with_accents_and_case():
    q = analyse("Wat is een CASUSHOUDER?")
    assert q.kind == "definition"
    assert defines(q, "Een casushouder is de partner die de casus trekt.")


@pytest.mark.parametrize("question", [
    "wat moet ik doen als ik me zorgen maak over een leerling",
    "Wat moet je doen bij een vermoeden van radicalisering?",
    "Wat moet ik regelen voor de nazorg?",
    "wat kunnen we als eerste doen?",
])
def test_what_must_i_do_asks_for_steps_not_a_rule(question):
    assert analyse(question).kind == "procedure"


def test_a_must_question_without_doing_stays_a_rule():
    assert analyse("Moet ik dat melden bij het ZVH?").kind == "rule"


@pytest.mark.parametrize("question, focus", [
    ("Hoe lang blijft een casus in de monitoring?", ["blijft", "casus", "monitor"]),
    ("hoe lang duurt de weging", ["duurt", "weging"]),
    ("hoelang duurt de weging", ["duurt", "weging"]),
    ("hoe vaak is het casusoverleg", ["casusoverleg"]),
    ("hoevaak is het casusoverleg", ["casusoverleg"]),
])
def test_the_question_phrase_is_not_a_focus_word(question, focus):
    assert analyse(question).focus == focus


def test_how_expensive_asks_for_money_not_a_duration():
    q = analyse("Hoe duur is een training?")
    assert q.kind == "quantity" and q.money
    assert analyse("Wat is de duur van het toezicht?").kind == "duration"


@pytest.mark.parametrize("question, kind", [
    # a follow-up made standalone: the follow-up's own question word decides
    ("Hoe lang duurt de weging? En wie beslist daarover?", "actor"),
    ("Hoe lang duurt de weging? Hoeveel kost dat?", "quantity"),
    ("Hoe lang duurt de weging? Wat moet ik dan doen?", "procedure"),
    # its own question word without a kind of its own: asked anew, not the earlier figure
    ("Hoe lang blijft een casus in monitoring? Wat gebeurt er in die periode?", "open"),
    ("Hoe vaak komt het casusoverleg bijeen? En wat is er in die instructie vastgelegd?", "open"),
    # ... and without one the earlier question's kind stays
    ("Hoe lang duurt de weging? En bij minderjarigen?", "duration"),
    # context first, the question last
    ("Een leerling van 14 tekende een hakenkruis. Moet ik dat melden?", "rule"),
    ("Hoe lang duurt de weging? Ik vraag het voor een collega.", "duration"),
])
def test_the_last_sentence_that_asks_something_decides_the_kind(question, kind):
    assert analyse(question).kind == kind


def test_money_is_read_from_the_deciding_sentence():
    q = analyse("Wat is een casussimulatie? En wat kost die?")
    assert q.kind == "quantity" and q.money


def test_a_duration_or_a_year_does_not_count_the_asked_thing():
    q = analyse("hoeveel wijkagenten heeft Twente")
    assert not states_asked_fact(q, "De geïnterviewde is al ruim tien jaar wijkagent in een stadswijk in Twente.")
    assert states_asked_fact(q, "Twente telt ongeveer 40 wijkagenten.")
    q = analyse("Hoeveel casussen waren er in 2020?")
    assert not states_asked_fact(q, "Casussen uit 2020 zijn besproken.")
    assert states_asked_fact(q, "In 2020 waren er 41 casussen in de regio.")


@pytest.mark.parametrize("question", [
    "telefoonnummer meldpunt radicalisering?",
    "Wat is het e-mailadres van het flexteam?",
    "helpdesk nummer ZVH",
])
def test_contact_details_are_an_asked_fact(question):
    q = analyse(question)
    assert q.kind == "contact" and q.specific
    assert states_asked_fact(q, "Bel het meldpunt via 0800-1234567 of mail naar meldpunt@voorbeeld.nl.")
    assert not states_asked_fact(q, "Neem bij twijfel contact op met het meldpunt of de adviseur van de gemeente.")


def test_salary_is_a_money_question():
    q = analyse("Wat verdient een procesregisseur bij het ZVH, welke salarisschaal?")
    assert q.kind == "quantity" and q.money
    assert not states_asked_fact(q, "De procesregisseur werkt sinds 2014 bij het ZVH Haaglanden.")


def test_an_average_or_a_maximum_is_not_answered_by_a_minimum():
    q = analyse("hoe lang blijft iemand gemiddeld in het casusoverleg?")
    assert not states_asked_fact(q, "De casus blijft ten minste zes maanden in de monitoringsfase.")
    assert states_asked_fact(q, "Een casus blijft gemiddeld acht maanden in het overleg.")
    q = analyse("hoe lang mag een gebiedsverbod maximaal duren?")
    assert not states_asked_fact(q, "Een gebiedsverbod geldt ten minste drie maanden.")
    assert states_asked_fact(q, "Een gebiedsverbod duurt hoogstens zes maanden.")
    # without a qualifier in the question any stated duration answers
    assert states_asked_fact(analyse("Hoe lang blijft een casus in de monitoring?"),
                             "De casus blijft ten minste zes maanden in de monitoringsfase.")
