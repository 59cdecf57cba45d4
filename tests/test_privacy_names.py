"""Names of the origins our users meet, the fail safe near person cues, and what stays alone.

All names and questions here are made up for these tests (none comes from the blind set).
"""

from __future__ import annotations

import re

import pytest

from radassist.privacy import detect, redact
from radassist.privacy import lookups
from radassist.privacy import namewords as nw
from radassist.privacy.tokens import tokenize

_PARTICLES = {"van", "de", "der", "den", "'t", "el", "al", "ter", "te"}


def leaked_words(text: str, name: str) -> list[str]:
    """The words of *name* (tussenvoegsels aside) that are still in the redacted text."""
    redacted = redact(text)
    return [
        word for word in name.split()
        if word.lower() not in _PARTICLES and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", redacted)
    ]


NAMED = [
    # Frisian
    ("Mijn cliënt Hessel Bijlsma wil niet meer naar school.", "Hessel Bijlsma"),
    ("Sytske de Haan heeft haar vader bedreigd, wat nu?", "Sytske de Haan"),
    ("Is er iets bekend over Jildou Wiersma (15)?", "Jildou Wiersma"),
    ("Zijn zus Baukje heeft de politie gebeld.", "Baukje"),
    # Moroccan
    ("Abdelkarim Ouazzani post filmpjes van strijders, moet ik dit melden?", "Abdelkarim Ouazzani"),
    ("mijn cliënt youssef el khattabi is 17 en wil naar syrië", "youssef el khattabi"),
    ("Kan ik met meneer Benhaddou praten over zijn zoon?", "Benhaddou"),
    ("al-haddouchi senior heeft de school gebeld.", "al-haddouchi"),
    # Turkish
    ("Emre Yıldırım (16) zegt dat hij een wapen heeft.", "Emre Yıldırım"),
    ("Mevrouw Öztürk zegt dat haar man radicaliseert.", "Öztürk"),
    ("Gülay Arslan-Demir belde over haar zoon.", "Gülay Arslan-Demir"),
    # Surinamese
    ("Rajesh Ramdjan woont bij zijn oom in Den Haag.", "Rajesh Ramdjan"),
    ("De broer van Dwayne Kasanwirjo zit vast.", "Dwayne Kasanwirjo"),
    # Antillean
    ("Shurwin Isenia komt uit Willemstad, kan hij in het casusoverleg?", "Shurwin Isenia"),
    # Polish
    ("Krzysztof Nowakowski werkt in de kassen en praat over wraak.", "Krzysztof Nowakowski"),
    ("Mijn cliënte Agnieszka Wróbel wil hulp.", "Agnieszka Wróbel"),
    # Ukrainian
    ("Bohdan Tkachuk (17) woont in de opvang in Budel.", "Bohdan Tkachuk"),
    ("Olena Marchenko zegt dat haar zoon online wordt benaderd.", "Olena Marchenko"),
    # Syrian
    ("Yamen Al-Hamwi is 19 en komt uit Aleppo.", "Yamen Al-Hamwi"),
    # Eritrean
    ("Filmon Tesfamichael is 16 en woont bij een pleeggezin.", "Filmon Tesfamichael"),
    ("Zijn voogd zegt dat Merhawi Kahsay niet meer eet.", "Merhawi Kahsay"),
    # Somali
    ("Ayaan Warsame (18) is vertrokken naar Kenia.", "Ayaan Warsame"),
    # Afghan
    ("Farzana Stanikzai wil haar dochter beschermen.", "Farzana Stanikzai"),
    ("Mirwais Popalzai gaat naar de moskee in Zeist.", "Mirwais Popalzai"),
    # Initials, lower case, first names alone, hyphens, 't
    ("Kan ik J.M. van den Heuvel uitnodigen voor het overleg?", "J.M. van den Heuvel"),
    ("is a. el amrani al bekend bij de politie?", "a. el amrani"),
    ("Is J de Vries al bekend bij de politie?", "J de Vries"),
    ("melding over k.de graaf, 19 jaar, wat nu?", "k.de graaf"),
    ("De jongen heet Tjeerd.", "Tjeerd"),
    ("Wietse zegt dat hij niet meer wil leven.", "Wietse"),
    ("Ik maak me zorgen om Kaoutar, ze is pas 14.", "Kaoutar"),
    ("Anne-Fleur van 't Zand heeft een melding gedaan.", "Anne-Fleur van 't Zand"),
    ("Jan-Kees Smit is de vader van de jongen.", "Jan-Kees Smit"),
    # Surnames that are ordinary words or places
    ("Gisteren belde mevrouw Visser over haar zoon Lars.", "Visser"),
    ("meneer bakker zegt dat zijn zoon radicaliseert", "bakker"),
    ("ik heb een casus met Mark Zwolle, woont in Deventer.", "Mark Zwolle"),
    ("Mijn cliënt Bakker-Jansen wil haar dossier zien.", "Bakker-Jansen"),
]


@pytest.mark.parametrize("text, name", NAMED)
def test_names_of_every_origin_are_redacted(text, name):
    assert leaked_words(text, name) == [], redact(text)


@pytest.mark.parametrize(
    "text, name",
    [
        # Unknown to every list: only the person cue next to it gives it away.
        ("Mijn cliënt Zorvan wil niet meewerken.", "Zorvan"),
        ("Zijn broer Quelindo zegt dat hij komt.", "Quelindo"),
        ("De jongen (16), Tavrek, woont bij zijn oom.", "Tavrek"),
        ("Ravonne (15) wil niet meer naar school.", "Ravonne"),
        ("Gisteren zei Dorvyn dat hij naar Syrië wil.", "Dorvyn"),
        ("Mevrouw Kelvaar belt steeds over haar dochter.", "Kelvaar"),
        ("Brelloni (vader) heeft een strafblad, kunnen we dat opvragen?", "Brelloni"),
        ("Vantrosi senior heeft de school bedreigd.", "Vantrosi"),
        ("update casus kdv: hij is weer thuis, wat nu?", "kdv"),
    ],
)
def test_fail_safe_treats_unknown_capitalised_words_near_a_person_cue_as_names(text, name):
    assert ("naam", name) in [(s.kind, s.text) for s in detect(text)]


@pytest.mark.parametrize(
    "text",
    [
        # Corpus vocabulary, places, laws and organisations near a person cue.
        "Mijn cliënt wil naar Veilig Thuis, kan dat?",
        "Zijn broer zit in PI Vught op de TA, kan ik de casus toch inbrengen?",
        "De jongen woont in Leeuwarden en gaat naar school in Sneek.",
        "Hoe betrek ik de moeder uit Ter Apel bij het casusoverleg?",
        "Zijn vader woont in Mosul en zijn broer in Kabul.",
        "Wat zegt de Wet PGA over de cliënt?",
        "De jongen is van Marokkaanse afkomst en de moeder spreekt Arabisch.",
        "Kan de jongen terecht bij de Raad voor de Kinderbescherming in Zwolle?",
        "Hoe werkt de Jeugdreclassering bij een jongere uit Emmen?",
        "Mijn cliënt wil zich aanmelden bij Defensie, mag dat?",
        "Zij wil naar Turkije verhuizen met de kinderen, wat moet ik doen?",
        # Organisations, places and expressions named after a person.
        "Wanneer verwijs ik naar het Pieter Baan Centrum?",
        "Mag de jongen naar Stichting Anne Frank?",
        "Is het Prinses Máxima Centrum betrokken bij jeugdzorg?",
        "Onze gemeente Anna Paulowna hoort bij welk ZVH?",
        "Kun je dit in Jip-en-Janneketaal uitleggen voor de jongen?",
        "Jan en alleman weet dat hij radicaliseert.",
        "Wat betekent de term lone wolf in een dreigingsbeeld?",
        # Instruments, numbers, acronyms.
        "Hoe werkt de VERA-2R bij deze jongen?",
        "Is er een verschil tussen de Top400 en de Top600?",
        "Tussen 2018 en 2024 zijn 26 ZVH's ondersteund.",
        "Hoe verhoudt de Jeugdwet zich tot de Wmo 2015?",
        "Geldt de nieuwe regeling voor alle jongeren die na 1 januari 2008 geboren zijn?",
        "Verwijs ik hem door naar het Juridisch Loket?",
    ],
)
def test_known_organisations_places_and_terms_stay(text):
    assert detect(text) == []


def test_a_person_named_in_an_organisation_phrase_elsewhere_is_still_found():
    spans = detect("Anne Frank belt over haar broer, hij wil naar het Anne Frank Huis.")
    assert [(s.kind, s.text) for s in spans][:1] == [("naam", "Anne Frank")]


def test_deduce_lists_are_installed_and_read():
    # make install puts deduce in the venv; without it the guard loses most of its names.
    assert lookups.deduce_lists_available()
    assert len(lookups.first_names()) > 10_000
    assert len(lookups.surnames()) > 10_000
    assert "leeuwarden" in lookups.place_names()
    assert "sjoerd" in lookups.first_names() and "hoekstra" in lookups.surnames()


def test_deduce_code_is_not_imported():
    # Only the lists are read: importing deduce would build its lookup structures (seconds, ~1 GB).
    import sys

    detect("Mijn cliënt Sjoerd Hoekstra belt.")
    assert "deduce" not in sys.modules


def test_word_classes():
    assert nw.safe("veiligheidshuis") and nw.safe("reclassering")
    assert nw.place("leeuwarden") and nw.place("kabul")
    assert nw.surname("wiersma") and nw.surname("kovalenko") and nw.surname("nowicki")
    assert not nw.surname("strafrechtstoepassing")
    assert nw.noun_like("jeugdreclassering") and not nw.noun_like("hoekstra")
    assert nw.common("oom") and not nw.common("arts")
    assert [t.text for t in tokenize("dhr. 's-Gravesande en j.de vries")] == ["dhr", "'s-Gravesande", "en", "j.", "de", "vries"]


# Rules added for issue 16 (second round): compact initials, person verbs, case words and
# lower-case surnames. The names are made up for these tests.


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # Initials run together with the letters of a tussenvoegsel in lower case.
        ("update over JvdB: moet het plan worden aangepast?", "JvdB"),
        ("is PdJ al besproken in het casusoverleg?", "PdJ"),
        # Loose letters right after a case word.
        ("casus kd besproken, wat is de volgende stap", "kd"),
        ("dossier mfb ligt bij de wijkagent, mag ik het inzien?", "mfb"),
        # An unknown capitalised word next to a verb that takes a person.
        ("hoe motiveer ik Tamsyn om mee te doen", "Tamsyn"),
        ("kun je Tamsyn doorverwijzen naar de GGZ", "Tamsyn"),
        ("Is Kaylano al aangemeld bij de ZVH?", "Kaylano"),
        ("Jermainy dreigt de school te bekladden, wat nu?", "Jermainy"),
        # An unknown lower-case first name before a known surname.
        ("jaysheena martina heeft een mes meegenomen", "jaysheena martina"),
    ],
)
def test_second_round_rules_find_the_name(text, name):
    assert ("naam", name) in [(s.kind, s.text) for s in detect(text)]


def test_lower_case_surname_ending_in_en_after_a_first_name():
    # A surname ending in -en is taken, a known verb is not.
    assert leaked_words("hoe werkt nazorg voor patrick wouden na zijn straf", "patrick wouden") == []
    assert redact("kan ik met kevin bellen over zijn plan") == "kan ik met [NAAM] bellen over zijn plan"


def test_a_participle_ends_a_lower_case_name():
    assert redact("ik heb fatma gevraagd om toestemming") == "ik heb [NAAM] gevraagd om toestemming"


@pytest.mark.parametrize(
    "text",
    [
        "Is het PvA al besproken met de RvS en de VvE?",
        "Welke postcodegebieden vallen onder de ZVH in Twente?",
        "Hoe motiveer ik Veilig Thuis om mee te doen aan het casusoverleg?",
        "casus besproken in het overleg, wat is de volgende stap?",
        "kan ik de jeugdbescherming bellen zonder toestemming",
    ],
)
def test_second_round_rules_leave_clean_questions(text):
    assert detect(text) == []
