"""Examples of what the personal-data detector finds, and what it leaves alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radassist.privacy import (
    PLACEHOLDERS,
    PiiSpan,
    detect,
    has_personal_data,
    is_valid_bsn,
    is_valid_iban,
    redact,
    warning_nl,
)
from radassist.privacy_eval import evaluate

LABELLED = Path(__file__).resolve().parents[1] / "evals" / "privacy" / "labelled.jsonl"


def found(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in detect(text)]


# --- BSN -------------------------------------------------------------------


@pytest.mark.parametrize("number", ["725763863", "162275869", "192285142", "011111112"])
def test_elfproef_accepts_valid_bsn(number):
    assert is_valid_bsn(number)


@pytest.mark.parametrize("number", ["123456789", "200497933", "000000000", "12345678", "7257638630"])
def test_elfproef_rejects_invalid_bsn(number):
    assert not is_valid_bsn(number)


@pytest.mark.parametrize(
    "text, bsn",
    [
        ("BSN 725763863 is bekend.", "725763863"),
        ("Kan ik het BSN 162.275.869 delen?", "162.275.869"),
        ("burgerservicenummer 688 136 138", "688 136 138"),
        ("nummer 1922 85 142 in het dossier", "1922 85 142"),
    ],
)
def test_bsn_in_several_formats(text, bsn):
    assert ("bsn", bsn) in found(text)


def test_nine_digits_failing_the_elfproef_are_not_a_bsn():
    assert found("Het zaaknummer 123456789 is geen BSN.") == []


# --- Phone numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "06-12345678",
        "06 1234 5678",
        "0612345678",
        "06.12.34.56.78",
        "+31 6 12345678",
        "+31612345678",
        "+31 (0)6 1234 5678",
        "0031 6 1234 5678",
        "010-1234567",
        "(010) 123 45 67",
        "020 123 4567",
        "+32 470 12 34 56",
    ],
)
def test_phone_numbers_in_several_formats(phone):
    assert found(f"Bel hem op {phone} voor een afspraak.") == [("telefoon", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "Tussen 2018 en 2024 zijn 26 ZVH's ondersteund.",
        "Het budget is 250.000 euro voor 2024-2025.",
        "Ons dossiernummer is 2024-001234.",
        "Bel het landelijke nummer 0800-1234.",
        "De bijeenkomst is van 09.00 tot 17.00 uur.",
        "Overleggen op 12-03-2024 12-03-2025 en 01-04-2025.",
    ],
)
def test_years_amounts_and_service_numbers_are_not_phone_numbers(text):
    assert found(text) == []


def test_phone_number_next_to_another_number():
    assert ("telefoon", "06 12345678") in found("Hij belde vanaf 06 12345678 12 keer.")


# --- E-mail and IBAN -------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["jan.devries@voorbeeld.nl", "A.Benali@Voorbeeld.NL", "mama.youssef123@gmail.com"]
)
def test_email_addresses(email):
    assert found(f"Mail naar {email}, graag.") == [("email", email)]


@pytest.mark.parametrize(
    "iban",
    [
        "NL02ABNA0123456789",
        "NL02 ABNA 0123 4567 89",
        "nl36asnb0701122334",
        "DE89 3704 0044 0532 0130 00",
        "BE68539007547034",
    ],
)
def test_iban_with_valid_checksum(iban):
    assert is_valid_iban(iban)
    assert found(f"Het geld ging naar {iban} vorige week.") == [("iban", iban)]


@pytest.mark.parametrize("iban", ["NL12 ABNA 0123 4567 89", "NL02ABNA012345678", "XX00 0000 0000 0000"])
def test_iban_checksum_rejects(iban):
    assert not is_valid_iban(iban)


def test_invalid_iban_is_not_reported_as_anything_else():
    assert found("Is NL12 ABNA 0123 4567 89 een geldig IBAN-formaat?") == []


# --- Addresses and dates of birth ------------------------------------------


@pytest.mark.parametrize(
    "text, address",
    [
        ("De cliënt woont op 3011 AB 12 in Rotterdam.", "3011 AB 12"),
        ("Adres: 1234AB, nr 5.", "1234AB, nr 5"),
        ("Sanne woont Dorpsstraat 12, 1234 AB Ede.", "Dorpsstraat 12, 1234 AB"),
        ("Hij woont op de Kerkstraat 14 in Zwolle.", "Kerkstraat 14"),
        ("Ze woont aan de Van Boetzelaerlaan 112.", "Van Boetzelaerlaan 112"),
        ("Het gezin woont op Laan van Meerdervoort 230.", "Laan van Meerdervoort 230"),
        ("Staat de postcode 3521 AZ in het verslag?", "3521 AZ"),
    ],
)
def test_addresses(text, address):
    assert ("adres", address) in found(text)


def test_year_followed_by_abbreviation_is_not_a_postcode():
    assert found("In 2019 startte het OM 3 nieuwe zaken in Zeeland.") == []


@pytest.mark.parametrize(
    "text, birth_date",
    [
        ("Een meisje, geboren op 3 maart 2010, deelt filmpjes.", "3 maart 2010"),
        ("Geboortedatum 2004-11-23, verblijft bij zijn oom.", "2004-11-23"),
        ("Hij is op 05/09/2001 geboren in Syrië.", "05/09/2001"),
        ("Cliënt (geb. 1999) heeft contact met een netwerk.", "1999"),
        ("Mohammed Aziz, 03-06-2003, is bekend bij de politie.", "03-06-2003"),
    ],
)
def test_dates_of_birth(text, birth_date):
    assert ("geboortedatum", birth_date) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Het Wpg-machtigingsbesluit PGA is van 10 juli 2017.",
        "De WGS is op 18 juni 2024 aangenomen door de Eerste Kamer.",
        "Hij is sinds 01-09-2023 in detentie; wanneer start de nazorg?",
        "Hij is op 12-05-2003 veroordeeld voor bedreiging.",
    ],
)
def test_dates_that_are_not_dates_of_birth(text):
    assert found(text) == []


# --- Names -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("Mijn cliënt Mohammed El Amrani is vrijgekomen.", "Mohammed El Amrani"),
        ("Meneer de Vries belt steeds.", "de Vries"),
        ("Het nummer van mevrouw Yilmaz is bekend.", "Yilmaz"),
        ("De heer J.P. van der Linden is eerder veroordeeld.", "J.P. van der Linden"),
        ("Een jongen genaamd Bilal heeft gedreigd.", "Bilal"),
        # Unknown first name: found as a capitalised pair in a sentence about a person.
        ("Ik maak me zorgen over Dewayne Pinas, hij post steeds extremere berichten.", "Dewayne Pinas"),
        ("ik heb een vraag over mohammed el amrani, hij is 17", "mohammed el amrani"),
        ("kan ik fatma yilmaz aanmelden voor het casusoverleg?", "fatma yilmaz"),
        ("ik heb contact gehad met meneer pinas over zijn zoon", "pinas"),
        ("De gedetineerde Soufiane A. komt in mei vrij.", "Soufiane A."),
        ("Hoe betrek ik de moeder van Kevin erbij?", "Kevin"),
        ("Piotr Kowalski is naar Polen vertrokken.", "Piotr Kowalski"),
        ("Wat als Hüseyin Çelik weigert mee te werken?", "Hüseyin Çelik"),
        ("Sanne van der Meer werkt bij de gemeente.", "Sanne van der Meer"),
    ],
)
def test_names(text, name):
    assert ("naam", name) in found(text)


def test_a_name_mentioned_again_without_trigger_is_found_again():
    text = "Meneer Yilmaz komt niet. Yilmaz zegt dat hij ziek is."
    assert found(text) == [("naam", "Yilmaz"), ("naam", "Yilmaz")]


@pytest.mark.parametrize(
    "text",
    [
        "Wat doet de procesregisseur?",
        "Mag de gemeente gegevens delen met de politie?",
        "Wat regelt de Wet PGA over gegevensdeling in het casusoverleg?",
        "Wanneer is de AVG van toepassing op het casusoverleg?",
        "Welke rol heeft de Raad voor de Kinderbescherming?",
        "Hoe werkt het Zorg- en Veiligheidshuis Rotterdam-Rijnmond samen met Reclassering Nederland?",
        "Wat is de rol van het Openbaar Ministerie in de weegploeg?",
        "Wanneer schakel ik Veilig Thuis in en wanneer de GGZ?",
        "Wat doet de NCTV en wat doet het LSE?",
        "Hoe zijn de terroristenafdelingen in PI Vught en PI Rotterdam (De Schie) georganiseerd?",
        "Kan Den Haag de casus overdragen aan Midden- en West-Brabant?",
        "Ben ik als procesregisseur verplicht om de privacy officer te betrekken?",
        "Wat zei de profeet Mohammed over geweld?",
        "Mevrouw de burgemeester wil weten hoe het casusoverleg werkt.",
        "Hoe heet het overleg waarin de weegploeg besluit?",
        "Geldt de Wet PGA ook voor Bonaire, Sint Eustatius en Saba?",
        "Mag de jongen naar het Rode Kruis in Den Haag?",
        "Verwijs ik hem door naar het Juridisch Loket?",
    ],
)
def test_policy_questions_have_no_personal_data(text):
    assert detect(text) == []
    assert not has_personal_data(text)


# --- redact() and warning_nl() ---------------------------------------------

CASE = (
    "Mijn cliënt Mohammed El Amrani (BSN 725763863, geboren op 3 maart 2005) woont op "
    "Dorpsstraat 12, 1234 AB Utrecht. Bel 06-12345678 of mail m.elamrani@voorbeeld.nl; "
    "zijn IBAN is NL02 ABNA 0123 4567 89. El Amrani wil niet meewerken."
)


def test_redact_removes_every_piece_of_personal_data():
    redacted = redact(CASE)
    for secret in (
        "Mohammed",
        "Amrani",
        "725763863",
        "3 maart 2005",
        "Dorpsstraat",
        "1234 AB",
        "06-12345678",
        "m.elamrani@voorbeeld.nl",
        "NL02 ABNA",
    ):
        assert secret not in redacted
    assert redacted == (
        "Mijn cliënt [NAAM] (BSN [BSN], geboren op [GEBOORTEDATUM]) woont op [ADRES] Utrecht. "
        "Bel [TELEFOONNUMMER] of mail [E-MAILADRES]; zijn IBAN is [IBAN]. [NAAM] wil niet meewerken."
    )


def test_redact_leaves_clean_text_alone():
    text = "Mag de gemeente gegevens delen met de politie?"
    assert redact(text) == text


def test_redact_uses_given_spans():
    text = "Bel Jan."
    assert redact(text, [PiiSpan("naam", 4, 7, "Jan")]) == "Bel [NAAM]."


def test_warning_names_the_kinds_found():
    spans = detect("Kan ik het BSN 725763863 van Mohammed Aziz delen?")
    assert warning_nl(spans) == (
        "Uw vraag lijkt persoonsgegevens te bevatten (BSN, naam). Stel de vraag liever zonder "
        "gegevens die een persoon herkenbaar maken; u kunt de vraag ook geanonimiseerd versturen."
    )
    assert warning_nl([]) == ""


def test_placeholders_are_dutch():
    assert set(PLACEHOLDERS.values()) == {
        "[BSN]",
        "[TELEFOONNUMMER]",
        "[E-MAILADRES]",
        "[IBAN]",
        "[ADRES]",
        "[GEBOORTEDATUM]",
        "[NAAM]",
    }


# --- Properties on random text ---------------------------------------------


def check_spans(text: str, spans: list[PiiSpan]) -> None:
    previous_end = 0
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end, "spans must be sorted and must not overlap"
        assert text[span.start:span.end] == span.text
        previous_end = span.end


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_detect_never_raises_on_random_text(text):
    check_spans(text, detect(text))


FRAGMENTS = [
    "Mohammed", "El Amrani", "meneer", "mevrouw", "de", "van", "Vries", "jan", "Jan", "cliënt",
    "725763863", "123456789", "162.275.869", "06-12345678", "+31 6 1234 5678", "010-1234567",
    "jan@voorbeeld.nl", "NL02ABNA0123456789", "NL02 ABNA 0123 4567 89", "1234 AB", "12", "nr",
    "Kerkstraat", "geboren", "op", "3 maart 2005", "12-03-2024", "2005", "Wet", "PGA", "GGZ",
    "Veilig", "Thuis", "De Schie", "Rotterdam", "hij", "is", "belt", ",", ".", "(", ")", "Fatima",
    "Yilmaz", "Bakker", "sinds", "heet", "genaamd", "J.", "B.", "Ahmed",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25), st.sampled_from([" ", "  ", "\n", ", "]))
def test_redacted_text_contains_no_detected_span(fragments, separator):
    text = separator.join(fragments)
    spans = detect(text)
    check_spans(text, spans)
    redacted = redact(text)
    for span in spans:
        # Only a whole-word occurrence is a leak: 'Jan' inside 'Jansen' is not.
        assert not re.search(rf"(?<!\w){re.escape(span.text)}(?!\w)", redacted), span


def test_detect_is_fast_on_long_text():
    long_text = ("Mijn cliënt Mohammed belt 06-12345678 over de Wet PGA. " * 400) + "a@" * 2000
    check_spans(long_text, detect(long_text))


# --- Measured quality on the labelled set ----------------------------------


def test_quality_on_labelled_set():
    result = evaluate(LABELLED)
    assert result["examples"] >= 120
    assert result["structured"]["recall"] >= 0.95
    assert result["overall"]["precision"] >= 0.95
    assert result["overall"]["recall"] >= 0.93
    assert result["per_kind"]["naam"]["recall"] >= 0.9
