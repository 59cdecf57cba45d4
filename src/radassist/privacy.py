"""Detect and redact personal data in questions typed by professionals.

Professionals sometimes paste case details into a question. This module finds
them before anything else touches the text (retrieval, logging, a language
model). It is deliberately pure Python with only the standard library so that
importing it is instant and it works everywhere, also without models.

Structured kinds (BSN, phone, e-mail, IBAN) are found with patterns plus the
official checksums. Addresses, dates of birth and names are found with a
pragmatic rule set; see evals/privacy/results.md for what those rules reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "PiiSpan",
    "detect",
    "has_personal_data",
    "is_valid_bsn",
    "is_valid_iban",
    "redact",
    "warning_nl",
]

KINDS = ("bsn", "telefoon", "email", "iban", "adres", "geboortedatum", "naam")

PLACEHOLDERS = {
    "bsn": "[BSN]",
    "telefoon": "[TELEFOONNUMMER]",
    "email": "[E-MAILADRES]",
    "iban": "[IBAN]",
    "adres": "[ADRES]",
    "geboortedatum": "[GEBOORTEDATUM]",
    "naam": "[NAAM]",
}

_LABELS_NL = {
    "bsn": "BSN",
    "telefoon": "telefoonnummer",
    "email": "e-mailadres",
    "iban": "IBAN",
    "adres": "adres",
    "geboortedatum": "geboortedatum",
    "naam": "naam",
}

# Earlier wins when two detectors claim overlapping text: an e-mail address
# may contain a name, an IBAN contains digits that look like a phone number.
_PRIORITY_ORDER = ("email", "iban", "bsn", "telefoon", "adres", "geboortedatum", "naam")
_PRIORITY = {kind: rank for rank, kind in enumerate(_PRIORITY_ORDER)}


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int
    text: str


class _Mask:
    """Which characters of the text are already taken; keeps long texts linear."""

    def __init__(self, length: int) -> None:
        self._taken = bytearray(length)

    def is_free(self, start: int, end: int) -> bool:
        return self._taken.find(1, start, end) == -1

    def cover(self, start: int, end: int) -> None:
        self._taken[start:end] = b"\x01" * (end - start)


# --------------------------------------------------------------------------
# Word lists (data). All entries are lower case.
# --------------------------------------------------------------------------


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


FIRST_NAMES = _words(
    """
    aad adam adrie adriaan albert alex alexander anton arie arjan arjen arnold bart bas ben bert
    boaz bram casper chris christiaan cor cornelis daan danny dave david dennis dick dirk dylan
    edwin erik ernst evert ferry finn floris frank freek frits gerard gerrit gert gijs guus hans
    harm hendrik henk herman hidde hugo ivo jaap jacob jan jasper jayden jelle jens jeroen jesse
    job joep johan johannes joost joris jos joshua jurre kees kevin klaas koen lars laurens levi
    liam lucas luuk maarten marcel marco mark martijn martin mats max mees melvin michiel milan
    niek niels noah olivier patrick paul peter piet pieter pim ramon remco rene rené richard rik
    rick rob robert robin roel ronald ruben ruud sam sander sebastiaan sem siem sjoerd stan stefan
    stijn sven teun thijs thomas ties tim timo tom tygo vincent willem wim wouter wesley
    anna anne annelies annemarie anouk anja astrid bianca britt carla charlotte chantal daphne
    demi denise dewi eline elise els emma esther eva evi fenna femke fleur floor froukje geertje
    hanna hannah hanneke ilse inge ingrid iris isa janneke jasmijn jessica jet jolanda josephine
    julia karin kim kirsten lara laura lieke linda lisa lotte lynn maaike manon marieke marit
    marloes marjolein maud melissa merel miranda mirjam monique naomi nicole nina noa noor nora
    petra priscilla ria romy roos sabine sandra sanne sara saskia sophie sterre tess truus vera
    wendy willemijn yara yvonne zoë zoe
    abdel abdelaziz abdelkader abdellah abdelhak abdullah achraf adil ahmed ahmad amine anass anas
    ayman ayoub aziz bilal brahim driss hamza hassan hicham ibrahim ilias ilyas ilyass imad ismail
    ismaïl jamal karim khalid marouane mehdi mimoun mohamed mohammed mohammad muhammad mohssine
    mounir moustafa mustafa nabil naoufal nordin omar othman rachid redouan redouane said saïd
    soufiane sofian tarik tariq yassine yassin younes youssef yousef zakaria
    aicha aïcha amal asmae chaima fatiha fatima ghizlane hafsa hajar hanane hind houda ikram ilham
    imane karima kaoutar khadija latifa loubna malika maryam meryem nadia naima najat nisrine
    oumaima rachida salma samira sanae siham souad soumaya wafae yasmina yasmine zahra zineb
    ahmet ali baris barış berk burak cem emre enes ercan eren erkan furkan halil hasan huseyin
    hüseyin kaan kemal mehmet mert murat oguz oğuz omer ömer onur orhan osman recep selim serkan
    tolga umut volkan yusuf
    aylin ayse ayşe busra büşra ceren derya dilara ebru ecem elif emine esra fatma gizem gul gül
    hatice hulya hülya irem kubra kübra leyla melek meltem merve nurcan ozlem özlem seda selin
    sena sevgi sibel songul songül tuba yasemin zeynep
    anil dinesh kiran navin radjesh rajesh rakesh ramesh ravi soerin sunil vikash
    anjali devika indra kavita nandini priya reshma roshni sarita sharmila shanti shivani sita
    soenita sunita
    clyde delano errol gerson glenn jeffrey jerrel johnny jurgen kenneth marlon marvin quincy
    rayon ricardo rinaldo romano romeo roy ryan winston
    cindy gwendolyn jennifer natasha rowena ruchella shanice sharon sheila wanda
    adrian andrzej bartosz dawid grzegorz jakub kamil krzysztof lukasz łukasz marcin marek
    mateusz michal michał pawel paweł piotr przemyslaw przemysław rafal rafał szymon tomasz wojciech
    agnieszka aleksandra barbara beata dorota elzbieta elżbieta ewa iwona joanna justyna karolina
    katarzyna kinga magdalena malgorzata małgorzata marta monika natalia paulina weronika zofia
    abdi abdirahman ayaan ayham farah filmon hamed hamid hodan jawad leila mahmoud mohamud rami
    rania amira reza semhar senait tesfay yonas zainab
    """
)

# First names that are also ordinary words (or an abbreviation such as 'jan.'),
# so on their own they need extra evidence.
_AMBIGUOUS_FIRST_NAMES = _words(
    """
    ben jan roos fleur job mees max bas floor jet noor ties amber merel berk frank rob iris
    sterre els
    """
)

_TUSSENVOEGSELS = _words(
    """
    van de der den 't ’t te ter ten in op la le du da di del della dos el al ben bin ibn abu
    von zu vander
    """
)

# Function words, frequent verbs and adverbs: never (part of) a name.
_COMMON_WORDS = _words(
    """
    de het een en of maar want dus dat die dit deze wat wie waar wanneer waarom hoe welke welk
    ik jij je u hij zij ze wij we jullie zij hun hen hem haar zijn mijn jouw uw ons onze men
    er hier daar daarna daarom daarbij daarvoor daarmee hierbij hiervoor toen nu dan al nog ook
    niet geen wel zeer heel erg meer minder veel weinig vaak soms altijd nooit nergens overal
    in op aan bij met voor na naar van uit over onder tussen tegen zonder tot sinds per via door
    om rond tijdens binnen buiten achter naast boven volgens vanaf vanuit omdat als zodat terwijl
    hoewel indien mits tenzij zoals dan toch even eerst later straks gisteren vandaag morgen
    vanochtend vanavond vorige volgende afgelopen laatst laatste eerste tweede derde ja nee
    is was zijn waren ben bent wordt worden werd werden heeft hebben had hadden heb hebt kan
    kunnen kon konden mag mogen mocht moet moeten moest wil willen wilde wilden zal zullen zou
    zouden gaat gaan ging gingen komt komen kwam kwamen doet doen deed doe zegt zeggen zei
    weet weten wist denkt denken dacht vindt vinden vond ziet zien zag krijgt krijgen kreeg
    woont wonen woonde werkt werken werkte zit zitten zat staat staan stond ligt liggen lag
    blijft blijven bleef lijkt lijken leek heet heten heette noemt noemen noemde maakt maken
    maakte geeft geven gaf neemt nemen nam laat laten liet loopt lopen liep praat praten
    vertelt vertellen vertelde deelt delen deelde meldt melden meldde belt bellen belde schrijft
    schrijven schreef stuurt sturen stuurde post posten postte volgt volgen volgde reageert
    reageren verblijft verblijven gedraagt uit heeft gehad gedaan gezegd gezien gemeld gedeeld
    gesproken gebeld gestuurd geweest gekomen gegaan gevonden opgenomen vrijgelaten vrijgekomen
    veroordeeld aangehouden geplaatst gestopt begonnen verhuisd weggelopen verdwenen ingeschreven
    uitgeschreven aangemeld afgemeld besproken gewogen genoemd bekend onbekend
    gaat verder weer samen alleen allemaal iedereen iemand niemand alles niets iets elk elke
    ieder iedere sommige andere ander anders zelf zelfs echter namelijk bijvoorbeeld ongeveer
    misschien waarschijnlijk zeker graag snel langzaam goed slecht nieuw nieuwe oud oude jong
    jonge groot grote klein kleine lang lange kort korte hoog hoge laag lage
    jaar jaren maand maanden week weken dag dagen uur keer keren
    meneer mevrouw heer dame jongen meisje man vrouw kind kinderen zoon dochter broer zus vader
    moeder ouder ouders familie gezin cliënt cliënte client cliente jongere jongeren persoon
    personen betrokkene verdachte gedetineerde vriend vriendin partner echtgenoot echtgenote
    thuis school werk huis stad wijk buurt
    graag dank bedankt hallo beste groet groeten vraag vragen antwoord
    """
)

# Capitalised words in this domain that are organisations, places, laws or
# other proper nouns, never a person's name.
_NON_NAME_WORDS = _words(
    """
    zorg veiligheidshuis veiligheidshuizen zvh reclassering nederland nederlandse raad
    kinderbescherming openbaar ministerie om ggz ggd nctv veilig thuis lse ess ror ter mar
    politie gemeente gemeenten justitie veiligheid rijksoverheid overheid vng dji ind aivd mivd
    coa uwv svb belastingdienst inspectie kamer eerste tweede staten generaal provincie jeugdzorg
    jeugdbescherming team flexteam weegploeg casusoverleg procesregisseur procesregie module
    factsheet rapport handvat kamerstuk artikel bijlage hoofdstuk paragraaf wet wetboek
    strafrecht strafvordering pga avg uavg wgs wpg wjsg jeugdwet wmo wvggz wzd rspog bopz besluit
    regeling convenant protocol meldcode stappenplan achtstappenplan verklaring privacy officer
    functionaris gegevensbescherming gegevensuitwisseling gegevensdeling pi penitentiaire
    inrichting terroristenafdeling tbs ebi schie huis bewaring hof rechtbank gerechtshof hoge
    college vereniging stichting centrum steunpunt netwerk expertise unit sociale stabiliteit
    landelijk landelijke nationaal nationale coördinator coordinator terrorismebestrijding
    aanpak radicalisering extremisme terrorisme persoonsgerichte persoonsgericht integrale
    integraal samen sterker vroegsignalering lokale domein machtigingsbesluit expertise-unit advocaten
    justitiële justitiele jeugdinrichting dienst inrichtingen nederlands jeugdinstituut instituut
    sociaal midden-nederland
    burgemeester wethouder officier voorzitter casusregisseur wijkagent jeugdagent rechter
    advocaat reclasseringswerker docent leerkracht mentor directeur minister staatssecretaris
    professor dokter huisarts psychiater psycholoog imam adviseur medewerker
    amsterdam rotterdam den haag gravenhage s-gravenhage utrecht eindhoven groningen tilburg
    almere breda nijmegen apeldoorn arnhem haarlem enschede amersfoort zaanstad hertogenbosch
    s-hertogenbosch bosch zwolle leiden maastricht dordrecht zoetermeer ede delft deventer
    leeuwarden alkmaar venlo helmond heerlen oss hilversum hengelo purmerend schiedam vlaardingen
    spijkenisse gouda lelystad emmen assen middelburg vlissingen goes roosendaal bergen zoom
    heerhugowaard hoorn helder sittard geleen roermond almelo oldenzaal veenendaal nieuwegein
    houten zeist capelle ijssel krimpen barendrecht ridderkerk rijswijk westland lansingerland
    alphen rijn katwijk noordwijk wassenaar voorschoten leidschendam voorburg vught
    bonaire sint eustatius saba
    gelderland midden fryslân friesland limburg noord-holland zuid-holland noord zuid oost west
    twente zeeland brabant west-brabant noord-brabant drenthe overijssel flevoland haaglanden
    hollands amstelland rijnmond rotterdam-rijnmond amsterdam-amstelland gelderland-midden
    ijmond kennemerland gooi vechtstreek achterhoek veluwe betuwe
    syrië syrie irak turkije marokko suriname polen belgië belgie duitsland frankrijk engeland
    verenigd koninkrijk afghanistan somalië somalie eritrea libië libie jemen mali pakistan iran
    europa europese unie verenigde naties midden-oosten antillen curaçao curacao aruba
    islam islamitisch islamitische koran allah isis daesh al-qaida al-qaeda al-shabaab hamas
    hezbollah taliban jihad salafisme christendom joods jodendom god bijbel ramadan moskee
    telegram tiktok whatsapp instagram youtube facebook discord snapchat twitter signal reddit
    google microsoft teams outlook
    januari februari maart april mei juni juli augustus september oktober november december
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
    """
)

# Titles: the word after them is a name even when typed in lower case ('meneer de vries').
_PERSON_TRIGGERS_TITLE = r"meneer|mijnheer|mevrouw|de\s+heer|dhr\.?|mevr\.?|mw\.?|hr\.|mr\.|dr\.|fam\."
# Naming words and relations: only a capitalised word after them counts.
_PERSON_TRIGGERS_WEAK = (
    r"familie|genaamd|heet|heette|(?:mijn\s+)?naam\s+is|(?:achter|voor)?naam\s*:|achternaam|voornaam|"

    r"cli[eë]nte?|client|betrokkene|jongere|jongen|meisje|verdachte|gedetineerde|zoon|dochter"
    r"|broer(?:tje)?|zus(?:je)?|moeder|vader|neef|nicht|vriend(?:in)?|partner|echtgeno(?:ot|te)"
    r"|oom|tante|opa|oma"
)

# --------------------------------------------------------------------------
# BSN
# --------------------------------------------------------------------------


def is_valid_bsn(number: str) -> bool:
    """True when the nine digits in *number* pass the elfproef (11-proof)."""
    digits = [int(ch) for ch in number if ch.isdigit()]
    if len(digits) != 9:
        return False
    weighted = sum(digit * weight for digit, weight in zip(digits[:8], range(9, 1, -1)))
    total = weighted - digits[8]
    return total != 0 and total % 11 == 0


_BSN_RE = re.compile(
    r"(?<![\w.,/-])"
    r"(?:[0-9]{9}|[0-9]{3}([. ])[0-9]{3}\1[0-9]{3}|[0-9]{4}([. ])[0-9]{2}\2[0-9]{3})"
    r"(?![\w]|[.,/-][0-9])"
)


def _find_bsn(text: str) -> Iterator[tuple[int, int]]:
    for match in _BSN_RE.finditer(text):
        if is_valid_bsn(match.group()):
            yield match.span()


# --------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------

_PHONE_CANDIDATE_RE = re.compile(r"(?<![\w.,/+-])(?:\+|\()?[0-9][0-9 ()./-]{6,24}[0-9]")
_NATIONAL_NUMBER_RE = re.compile(r"0[1-9][0-9]{8}")


def _is_valid_phone(raw: str) -> bool:
    compact = raw.replace("(0)", "")
    digits = re.sub(r"[^0-9]", "", compact)
    if compact.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        return _NATIONAL_NUMBER_RE.fullmatch(digits) is not None
    if international.startswith("31"):
        return re.fullmatch(r"[1-9][0-9]{8}", international[2:]) is not None
    return 9 <= len(international) <= 13 and not international.startswith("0")


def _piece_bounds(candidate: str) -> tuple[list[int], list[int]]:
    """Offsets inside *candidate* where a space-separated group starts and where one ends.

    Cutting only at spaces keeps '12-03-2024' whole, so its digits are never
    read as part of a phone number.
    """
    starts = [m.start() for m in re.finditer(r"(?:(?<=\s)|^)[+(0-9]", candidate)]
    ends = [m.end() for m in re.finditer(r"[0-9](?=\s|$)", candidate)]
    return starts, ends


def _best_piece(candidate: str, is_valid: Callable[[str], bool]) -> tuple[int, int] | None:
    """Leftmost, longest run of whole digit groups that *is_valid* accepts.

    A greedy pattern may glue a phone number to a neighbouring number
    ('06 12345678 12 keer'), so the valid part is searched for inside it.
    """
    starts, ends = _piece_bounds(candidate)
    for start in starts:
        for end in reversed(ends):
            if end > start and is_valid(candidate[start:end]):
                return start, end
    return None


_BANK_CODE_BEFORE_RE = re.compile(r"[A-Za-z]{2}[0-9]{2} ?[A-Za-z]{4} ?$")


def _find_phones(text: str) -> Iterator[tuple[int, int]]:
    for match in _PHONE_CANDIDATE_RE.finditer(text):
        if _BANK_CODE_BEFORE_RE.search(text[max(0, match.start() - 12):match.start()]):
            # The digits of an (invalid) IBAN, not a phone number.
            continue
        candidate = match.group()
        offset = match.start()
        while candidate:
            piece = _best_piece(candidate, _is_valid_phone)
            if piece is None:
                break
            start, end = piece
            if candidate[start] == "(" and ")" not in candidate[start:end]:
                start += 1
            yield offset + start, offset + end
            offset += piece[1]
            candidate = candidate[piece[1]:]


# --------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)


def _find_emails(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL_RE.finditer(text):
        yield match.span()


# --------------------------------------------------------------------------
# IBAN
# --------------------------------------------------------------------------

_IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "PL": 28, "TR": 26,
    "LU": 20, "AT": 20, "CH": 21, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "PT": 25, "IE": 22,
}
_IBAN_CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){10,30}")


def is_valid_iban(iban: str) -> bool:
    """True when *iban* (spaces allowed) has a plausible length and a valid mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(as_number) % 97 == 1


def _find_ibans(text: str) -> Iterator[tuple[int, int]]:
    for match in _IBAN_CANDIDATE_RE.finditer(text):
        candidate = match.group()
        # The pattern may run into the next word ('... 00 is'); try shorter
        # endings that stop at a word boundary.
        for end in range(len(candidate), 0, -1):
            boundary = end == len(candidate) or not candidate[end].isalnum()
            if boundary and candidate[end - 1].isalnum() and is_valid_iban(candidate[:end]):
                yield match.start(), match.start() + end
                break


# --------------------------------------------------------------------------
# Dates (shared by date-of-birth detection and as a shield against names)
# --------------------------------------------------------------------------

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
_MONTH_ALTERNATION = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NUMERIC_DATE_RE = re.compile(
    r"(?<![0-9])(?P<d>[0-3]?[0-9])(?P<sep>[-/.])(?P<m>[01]?[0-9])(?P=sep)(?P<y>(?:19|20)?[0-9]{2})(?![0-9])"
)
_ISO_DATE_RE = re.compile(r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})-(?P<m>[01][0-9])-(?P<d>[0-3][0-9])(?![0-9])")
_TEXT_DATE_RE = re.compile(
    rf"(?<![0-9])(?P<d>[0-3]?[0-9])\s+(?P<m>{_MONTH_ALTERNATION})\.?\s+"
    rf"(?P<y>(?:19|20)[0-9]{{2}}|'[0-9]{{2}})(?![0-9])",
    re.IGNORECASE,
)
_BIRTH_TRIGGER_RE = re.compile(
    r"\b(?:geboren|geb\.?\s*datum|geboortedatum|geboortejaar|geb\.|geb\b|gebdat|d\.o\.b\.?|dob)",
    re.IGNORECASE,
)
_BIRTH_YEAR_RE = re.compile(
    r"\b(?:geboren\s+in|geboren|geboortejaar\s*:?|geb\.)\s*(?P<y>(?:19|20)[0-9]{2})(?![0-9-])",
    re.IGNORECASE,
)
_PERSON_CUE_RE = re.compile(
    rf"\b(?:hij|hem|haar|{_PERSON_TRIGGERS_WEAK}|meneer|mevrouw|man|vrouw|persoon|minderjarige"
    r"|kind|dader|slachtoffer|terugkeerder)\b",
    re.IGNORECASE,
)
_EVENT_WORD_BEFORE_RE = re.compile(
    r"\b(?:op|sinds|vanaf|per|tot|d\.d\.|van|na|voor|tussen|rond|in|tijdens|sedert)\s*$", re.IGNORECASE
)

# Long enough for 'geboortedatum: 3 maart 2005' and 'op 3-3-2005 geboren',
# short enough not to reach a date in the next clause.
_TRIGGER_BEFORE_WINDOW = 30
_TRIGGER_AFTER_WINDOW = 20
_MIN_AGE_WITHOUT_TRIGGER = 12
_MAX_AGE = 100


def _full_year(raw: str) -> int:
    raw = raw.lstrip("'")
    if len(raw) == 4:
        return int(raw)
    two_digits = int(raw)
    this_century = date.today().year % 100
    return 2000 + two_digits if two_digits <= this_century else 1900 + two_digits


def _month_number(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    return _MONTHS.get(raw.lower(), 0)


def _date_matches(text: str) -> Iterator[tuple[int, int, int, bool]]:
    """Yield (start, end, year, has_four_digit_year) for every valid-looking date."""
    for pattern in (_NUMERIC_DATE_RE, _ISO_DATE_RE, _TEXT_DATE_RE):
        for match in pattern.finditer(text):
            day, month = int(match["d"]), _month_number(match["m"])
            if 1 <= day <= 31 and 1 <= month <= 12:
                year_text = match["y"]
                yield match.start(), match.end(), _full_year(year_text), len(year_text) == 4


def _near_birth_trigger(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - _TRIGGER_BEFORE_WINDOW):start]
    after = text[end:end + _TRIGGER_AFTER_WINDOW]
    return bool(_BIRTH_TRIGGER_RE.search(before)) or re.search(r"\bgeboren\b", after, re.IGNORECASE) is not None


def _plausible_birth_year(year: int, min_age: int) -> bool:
    age = date.today().year - year
    return min_age <= age <= _MAX_AGE


def _find_birth_dates(text: str, person_context: bool) -> Iterator[tuple[int, int]]:
    for start, end, year, four_digits in _date_matches(text):
        if _near_birth_trigger(text, start, end):
            if _plausible_birth_year(year, 0):
                yield start, end
        elif four_digits and person_context and _plausible_birth_year(year, _MIN_AGE_WITHOUT_TRIGGER):
            # Without a trigger a date after 'op', 'sinds' ... is an event, not a birth.
            if not _EVENT_WORD_BEFORE_RE.search(text[max(0, start - 12):start]):
                yield start, end
    for match in _BIRTH_YEAR_RE.finditer(text):
        if _plausible_birth_year(int(match["y"]), 0):
            yield match.span("y")


# --------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------

_POSTCODE = r"[1-9][0-9]{3}(?: ?[A-Z]{2}|[a-z]{2})(?![\w])"
_HOUSE_NUMBER = r"[1-9][0-9]{0,4}(?:-?[A-Za-z](?![\w])|[-/][0-9]{1,4}(?![\w]))?(?![\w])"
_NUMBER_WORD = r"(?:(?:huis)?(?:nummer|nr\.?)|no\.?)\s*"
# Not 'ring' or 'erf': too many ordinary nouns end in them ('verklaring 2').
_STREET_SUFFIXES = (
    "straat|straatweg|laan|weg|plein|gracht|burgwal|kade|singel|dijk|dreef|steeg|plantsoen|hof"
    "|hoven|park|markt|wal|pad|boulevard|allee|haven"
)
_NOT_POSTCODE_LETTERS = frozenset({"OM", "EU", "VS", "IS", "NL", "UN", "EN", "OF", "IN", "OP", "AI"})

_POSTCODE_WITH_NUMBER_RE = re.compile(rf"(?<![\w])(?P<pc>{_POSTCODE})[ ,]*(?:{_NUMBER_WORD})?{_HOUSE_NUMBER}")
_STREET_RE = re.compile(
    rf"(?<![\w-])(?P<street>[^\W\d_][^\W\d_'’-]*(?:{_STREET_SUFFIXES}))\s+(?:{_NUMBER_WORD})?{_HOUSE_NUMBER}"
    rf"(?:,?\s*(?P<pc>{_POSTCODE}))?",
    re.IGNORECASE,
)
# Streets whose name starts with the street word: 'Laan van Meerdervoort 230'.
_STREET_WORD_FIRST_RE = re.compile(
    r"(?<![\w-])(?:Laan|Plein|Kade|Singel|Dreef|Weg|Hof|Park|Straat|Burgwal)\s+"
    r"(?:(?:van|de|der|den|het|op|ter|te)\s+)+"
    rf"[A-Z][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*(?: [A-Z][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*)?\s+{_HOUSE_NUMBER}"
    rf"(?:,?\s*{_POSTCODE})?"
)
_POSTCODE_AFTER_WORD_RE = re.compile(rf"\bpostcode\s*:?\s*(?P<pc>{_POSTCODE})", re.IGNORECASE)
_POSTCODE_ALONE_RE = re.compile(rf"(?<![\w])(?P<pc>{_POSTCODE})\s+(?P<place>[A-Z][\w'-]+)")


def _postcode_letters_ok(postcode: str) -> bool:
    return postcode[-2:].upper() not in _NOT_POSTCODE_LETTERS


_STREET_PREFIX_WINDOW = 80


def _street_prefix_start(text: str, street_start: int) -> int:
    """Extend a street name to the left ('Van Boetzelaerlaan', 'Burgemeester de Withstraat')."""
    offset = max(0, street_start - _STREET_PREFIX_WINDOW)
    before = text[offset:street_start]
    start = len(before)
    for word in reversed(list(re.finditer(r"[^\W\d_][^\W\d_'’.-]*|['’]t", before))):
        if before[word.end():start] != " ":
            break
        token = word.group()
        lower = token.lower()
        capitalised = token[0].isupper() and lower not in _COMMON_WORDS
        if not (capitalised or lower in _TUSSENVOEGSELS):
            break
        start = word.start()
    # A street name never starts with a lower-case 'de' or 'op' ('op de Kerkstraat').
    while start < len(before) and not before[start].isupper():
        start = before.index(" ", start) + 1
    return offset + start


def _find_addresses(text: str) -> Iterator[tuple[int, int]]:
    for match in _STREET_RE.finditer(text):
        if match["street"].lower() in _STREET_SUFFIXES.split("|"):
            continue
        yield _street_prefix_start(text, match.start()), match.end()
    for match in _STREET_WORD_FIRST_RE.finditer(text):
        yield match.span()
    for match in _POSTCODE_WITH_NUMBER_RE.finditer(text):
        if _postcode_letters_ok(match["pc"]):
            yield match.span()
    for match in _POSTCODE_AFTER_WORD_RE.finditer(text):
        yield match.span("pc")
    for match in _POSTCODE_ALONE_RE.finditer(text):
        if match["place"].lower() in _NON_NAME_WORDS and _postcode_letters_ok(match["pc"]):
            yield match.span("pc")


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_initial(self) -> bool:
        return self.text.endswith(".")

    @property
    def is_capitalised(self) -> bool:
        return self.text[0].isupper()

    @property
    def is_acronym(self) -> bool:
        letters = [ch for ch in self.text if ch.isalpha()]
        return len(letters) >= 2 and all(ch.isupper() for ch in letters)


_TOKEN_RE = re.compile(r"(?:[A-Z]\.){1,3}(?![^\W\d_])|['’]t\b|[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_SENTENCE_END_CHARS = ".!?:;\n•*"
_SKIPPED_BEFORE_WORD = " \t\"'‘’“”("
_TRIGGER_RE = re.compile(
    rf"(?<![\w])(?:(?P<title>{_PERSON_TRIGGERS_TITLE})|(?P<weak>{_PERSON_TRIGGERS_WEAK}))(?=[\s:])",
    re.IGNORECASE,
)
_NAME_SHIELD_RE = re.compile(r"https?://\S+|www\.\S+|\bprofeet\s+\w+", re.IGNORECASE)
_MAX_NAME_TOKENS = 6


def _tokenize(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    between = text[left.end:right.start]
    return 0 < len(between) <= 2 and between.isspace() and "\n" not in between


def _is_sentence_start(text: str, token: _Token) -> bool:
    position = token.start
    while position > 0 and text[position - 1] in _SKIPPED_BEFORE_WORD:
        position -= 1
    return position == 0 or text[position - 1] in _SENTENCE_END_CHARS


def _is_known_first_name(token: _Token) -> bool:
    return not token.is_initial and token.lower in FIRST_NAMES


def _is_blocked_word(lower: str) -> bool:
    return lower in _COMMON_WORDS or lower in _NON_NAME_WORDS


def _can_be_surname(token: _Token) -> bool:
    """A capitalised word that may be (part of) a surname."""
    if token.is_initial or not token.is_capitalised:
        return False
    if token.is_acronym and token.lower not in FIRST_NAMES:
        return False
    return not _is_blocked_word(token.lower)


def _can_be_lowercase_name(token: _Token) -> bool:
    return (
        not token.is_capitalised
        and not token.is_initial
        and len(token.text) >= 2
        and token.lower not in _TUSSENVOEGSELS
        and not _is_blocked_word(token.lower)
    )


def _is_surname_after_tussenvoegsel(token: _Token) -> bool:
    """After 'de' or 'van der' a capitalised word is a surname even when it is a
    common word ('de Groot', 'van der Meer'); organisations and places still stop it."""
    return (
        token.is_capitalised
        and not token.is_initial
        and not token.is_acronym
        and token.lower not in _NON_NAME_WORDS
    )


def _looks_like_verb_or_plural(word: str) -> bool:
    # Dutch infinitives and plurals end in -en; surnames like Jansen end in -sen.
    return word.endswith("en") and not word.endswith("sen")


def _walk_name(text: str, tokens: list[_Token], first: int, allow_lower: bool) -> int:
    """Index of the last token of the name that continues after tokens[first].

    Tussenvoegsels are only kept when a surname word follows them. In lower
    case text at most one bare word is taken ('fatma yilmaz'), because a
    lower-case surname cannot be told apart from the next word of the sentence.
    """
    last = first
    index = first + 1
    bare_lower_words = 0
    while index < len(tokens) and index - first < _MAX_NAME_TOKENS:
        token = tokens[index]
        if not _adjacent(text, tokens[index - 1], token):
            break
        if token.lower in _TUSSENVOEGSELS:
            index += 1
            continue
        after_tussenvoegsel = index > last + 1
        if token.is_initial and len(token.text) == 2 and tokens[last].is_capitalised and not after_tussenvoegsel:
            return index
        if _can_be_surname(token) or (after_tussenvoegsel and _is_surname_after_tussenvoegsel(token)):
            last = index
        elif allow_lower and _can_be_lowercase_name(token) and after_tussenvoegsel:
            last = index
        elif (
            allow_lower
            and _can_be_lowercase_name(token)
            and bare_lower_words == 0
            and not _looks_like_verb_or_plural(token.lower)
        ):
            bare_lower_words += 1
            last = index
        else:
            break
        index += 1
    return last


def _name_after_trigger(text: str, tokens: list[_Token], index: int, title: bool) -> int | None:
    """Last token index of the name that starts at tokens[index], right after a trigger.

    After a title the name may open with a lower-case tussenvoegsel and may be
    typed in lower case ('meneer de vries'). After a relation word it may not:
    'de moeder van Kevin' names Kevin, not 'van Kevin'.
    """
    first = tokens[index]
    if first.lower in _TUSSENVOEGSELS and not (title or first.is_capitalised):
        return None
    probe = index
    while probe < len(tokens) and tokens[probe].lower in _TUSSENVOEGSELS and probe - index < 3:
        probe += 1
    if probe >= len(tokens) or not all(
        _adjacent(text, tokens[k], tokens[k + 1]) for k in range(index, probe)
    ):
        return None
    head = tokens[probe]
    if head.is_initial:
        following = _walk_name(text, tokens, probe, allow_lower=False)
        return following if following > probe else None
    after_tussenvoegsel = probe > index
    if (
        _can_be_surname(head)
        or (after_tussenvoegsel and _is_surname_after_tussenvoegsel(head))
        or (title and _can_be_lowercase_name(head))
    ):
        return _walk_name(text, tokens, probe, allow_lower=title)
    return None


def _trigger_names(text: str, tokens: list[_Token]) -> Iterator[tuple[int, int]]:
    by_start = {token.start: i for i, token in enumerate(tokens)}
    for match in _TRIGGER_RE.finditer(text):
        rest = re.match(r"[\s:]+", text[match.end():])
        next_start = match.end() + (rest.end() if rest else 0)
        index = by_start.get(next_start)
        if index is None:
            continue
        last = _name_after_trigger(text, tokens, index, title=match["title"] is not None)
        if last is not None:
            yield tokens[index].start, tokens[last].end


def _first_name_span(text: str, tokens: list[_Token], i: int) -> int | None:
    """Last token index of a name starting with a known first name at tokens[i]."""
    token = tokens[i]
    if not _is_known_first_name(token):
        return None
    if token.is_capitalised:
        last = _walk_name(text, tokens, i, allow_lower=False)
        if token.lower in _AMBIGUOUS_FIRST_NAMES and last == i and _is_sentence_start(text, token):
            return None
        return last
    if token.lower in _COMMON_WORDS:
        return None
    last = _walk_name(text, tokens, i, allow_lower=True)
    if token.lower in _AMBIGUOUS_FIRST_NAMES:
        # 'jan de vries' is a name, a lone 'jan' may be the month.
        has_surname = last > i + 1 and tokens[i + 1].lower in _TUSSENVOEGSELS
        return last if has_surname else None
    return last


def _initials_span(text: str, tokens: list[_Token], i: int) -> int | None:
    """'J. de Vries', 'J.P. Jansen': initials followed by a surname."""
    if not tokens[i].is_initial:
        return None
    last = _walk_name(text, tokens, i, allow_lower=False)
    return last if last > i and not tokens[last].is_initial else None


# Unknown capitalised pairs are often organisations ('Juridisch Loket',
# 'Koninklijke Marechaussee'); these endings mark them.
_ADJECTIVE_ENDING_RE = re.compile(r"(?:lijke|ische|isch|ale|ele|ene|ieke|ige|sche|se|ste|ende|de|te|ees)$")
_ORGANISATION_WORD_RE = re.compile(
    r"(?:heid|ing|schap|centrum|loket|kruis|isme|atie|teit|dienst|raad|huis|bank|kantoor|instituut"
    r"|platform|college|school|fonds|werk|zorg|hulp|team|punt|bureau|groep|partners|advocaten|nederland)$"
)
_SENTENCE_WINDOW = 300


def _sentence_is_about_a_person(text: str, position: int) -> bool:
    """Whether the sentence around *position* mentions a person ('hij', 'cliënt', 'zus' ...)."""
    before = text[max(0, position - _SENTENCE_WINDOW):position]
    after = text[position:position + _SENTENCE_WINDOW]
    start = max(before.rfind(ch) for ch in ".!?\n") + 1
    end_match = re.search(r"[.!?\n]", after)
    sentence = before[start:] + (after[:end_match.start()] if end_match else after)
    return _PERSON_CUE_RE.search(sentence) is not None


def _unknown_name_span(text: str, tokens: list[_Token], i: int) -> int | None:
    """Two or more unknown capitalised words in mid-sentence about a person ('... over Dewayne Pinas, hij ...')."""
    token = tokens[i]
    if not _can_be_surname(token) or _is_sentence_start(text, token):
        return None
    previous = tokens[i - 1] if i > 0 else None
    inside_proper_noun = (
        previous is not None
        and _adjacent(text, previous, token)
        and previous.is_capitalised
        and previous.lower not in _COMMON_WORDS
    )
    if inside_proper_noun:
        # Part of a longer proper noun such as an organisation name.
        return None
    last = _walk_name(text, tokens, i, allow_lower=False)
    words = [t for t in tokens[i:last + 1] if t.is_capitalised and not t.is_initial]
    if len(words) < 2 or any(_ORGANISATION_WORD_RE.search(t.lower) for t in words):
        return None
    if _ADJECTIVE_ENDING_RE.search(words[0].lower) or not _sentence_is_about_a_person(text, token.start):
        return None
    return last


def _token_names(text: str, tokens: list[_Token]) -> Iterator[tuple[int, int]]:
    i = 0
    while i < len(tokens):
        last = None
        for rule in (_first_name_span, _initials_span, _unknown_name_span):
            last = rule(text, tokens, i)
            if last is not None:
                break
        if last is None:
            i += 1
            continue
        yield tokens[i].start, tokens[last].end
        i = last + 1


def _find_names(text: str) -> list[tuple[int, int]]:
    tokens = _tokenize(text)
    shields = [m.span() for m in _NAME_SHIELD_RE.finditer(text)]
    shields += [(start, end) for start, end, _, _ in _date_matches(text)]
    found = list(_trigger_names(text, tokens)) + list(_token_names(text, tokens))
    shielded = _Mask(len(text))
    for start, end in shields:
        shielded.cover(start, end)
    return [span for span in found if shielded.is_free(*span)]


# --------------------------------------------------------------------------
# Combining detectors
# --------------------------------------------------------------------------


def _candidates(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    finders: Iterable[tuple[str, Iterable[tuple[int, int]]]] = (
        ("email", _find_emails(text)),
        ("iban", _find_ibans(text)),
        ("bsn", _find_bsn(text)),
        ("telefoon", _find_phones(text)),
        ("adres", _find_addresses(text)),
    )
    for kind, spans in finders:
        found.extend((kind, start, end) for start, end in spans)
    names = _find_names(text)
    found.extend(("naam", start, end) for start, end in names)
    person_context = bool(names) or _PERSON_CUE_RE.search(text) is not None
    found.extend(("geboortedatum", start, end) for start, end in _find_birth_dates(text, person_context))
    return found


def _choose(candidates: list[tuple[str, int, int]], length: int) -> list[tuple[str, int, int]]:
    """Keep non-overlapping candidates: higher-priority kinds first, then longer, then earlier."""
    ranked = sorted(candidates, key=lambda c: (_PRIORITY[c[0]], -(c[2] - c[1]), c[1]))
    taken = _Mask(length)
    chosen: list[tuple[str, int, int]] = []
    for kind, start, end in ranked:
        if end > start and taken.is_free(start, end):
            taken.cover(start, end)
            chosen.append((kind, start, end))
    return chosen


def _name_needles(name: str) -> set[str]:
    """Ways a name may be mentioned again: whole, its surname with tussenvoegsels, single words."""
    needles = {name}
    parts = _tokenize(name)
    for part in parts[1:]:
        if part.lower in _TUSSENVOEGSELS:
            surname = name[part.start:]
            needles.update({surname, surname[0].upper() + surname[1:]})
            break
    for part in parts:
        if len(part.text) >= 3 and part.lower not in _TUSSENVOEGSELS | _AMBIGUOUS_FIRST_NAMES:
            needles.add(part.text)
    return needles


def _repeated_mentions(text: str, chosen: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Other places where a detected value occurs again ('Meneer Yilmaz ... Yilmaz zegt').

    A later mention without a trigger word would otherwise leak through.
    """
    needles: dict[str, str] = {}
    for kind, start, end in chosen:
        value = text[start:end]
        if kind == "naam":
            needles.update(dict.fromkeys(_name_needles(value), kind))
        else:
            # Also short values: a birth year seen again elsewhere still tells the year.
            needles.setdefault(value, kind)
    if not needles:
        return []
    taken = _Mask(len(text))
    for _, start, end in chosen:
        taken.cover(start, end)
    # One alternation, longest first, so 'El Amrani' wins over 'Amrani'.
    alternation = "|".join(re.escape(value) for value in sorted(needles, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w@.-])(?:{alternation})(?![\w@-])")
    return [
        (needles[match.group()], match.start(), match.end())
        for match in pattern.finditer(text)
        if taken.is_free(*match.span())
    ]


def detect(text: str) -> list[PiiSpan]:
    """Find personal data in *text*; spans are sorted and never overlap."""
    if not text:
        return []
    chosen = _choose(_candidates(text), len(text))
    chosen = _choose(chosen + _repeated_mentions(text, chosen), len(text))
    chosen.sort(key=lambda c: c[1])
    return [PiiSpan(kind, start, end, text[start:end]) for kind, start, end in chosen]


def redact(text: str, spans: list[PiiSpan] | None = None) -> str:
    """Replace every span with a Dutch placeholder such as [NAAM] or [BSN]."""
    if spans is None:
        spans = detect(text)
    pieces: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < position:
            continue
        pieces.append(text[position:span.start])
        pieces.append(PLACEHOLDERS.get(span.kind, "[PERSOONSGEGEVEN]"))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def has_personal_data(text: str) -> bool:
    """True when *text* seems to contain personal data."""
    return bool(detect(text))


def warning_nl(spans: list[PiiSpan]) -> str:
    """Dutch message for the user naming the kinds found; empty when there are none."""
    if not spans:
        return ""
    labels: list[str] = []
    for span in spans:
        label = _LABELS_NL.get(span.kind, span.kind)
        if label not in labels:
            labels.append(label)
    return (
        f"Uw vraag lijkt persoonsgegevens te bevatten ({', '.join(labels)}). "
        "Stel de vraag liever zonder gegevens die een persoon herkenbaar maken; "
        "u kunt de vraag ook geanonimiseerd versturen."
    )
