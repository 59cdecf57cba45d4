"""Question analysis: what kind of answer a Dutch question asks for, and which words carry it.

    q = analyse("Hoe lang blijft een casus in de monitoring?")
    q.kind == "duration"; q.focus == ["blijft", "casus", "monitor"]  (stems; "hoe lang" only sets the kind)
    answers_kind(q, "De casus blijft ten minste zes maanden in de monitoringsfase.") -> True

The kind drives two things: which sentence answers (a question asking "hoe lang" is answered by a
sentence that names a duration, not by one that only mentions the same subject) and the refusal
features (an adjacent fact without the asked figure is a near miss, not an answer). Everything here
is rules over the question's words: no corpus, no model, so it carries over to any document set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radassist.text import content_terms, normalize

# Order matters: the first pattern that matches decides (duration before quantity: "hoeveel weken";
# comparison before definition: "wat is het verschil tussen ...").
_KIND_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("frequency", re.compile(r"\bhoe ?vaak\b|\bhoe regelmatig\b|\bom de hoeveel\b|\bhoeveel keer\b|\bhoe frequent\b")),
    ("duration", re.compile(
        r"\bhoe ?lang\b|\bbinnen welke (termijn|tijd)\b|\bwelke termijn\b|\bhoeveel (dagen|weken|maanden|jaren|jaar|uur|tijd)\b"
        r"|\bhoe snel\b|\bwat is de termijn\b|(?<!hoe )\bduur(t|tijd)?\b.*\?$")),
    ("quantity", re.compile(r"\bhoeveel\b|\bhoe groot\b|\bhoe hoog\b|\bwat kost\b|\bkosten\b|\bhoe duur\b|\bpercentage\b|\baantal\b"
                            r"|\bwat verdien\w*\b|\bsalaris\w*\b")),
    # A phone number, address or website: only a sentence that gives one answers.
    ("contact", re.compile(r"\b(telefoonnummer|telefoonnummers|e-?mailadres|mailadres|website|webadres|url|postadres|bezoekadres)\b"
                           r"|\bnummer van\b|\b(helpdesk|servicedesk|contact) ?nummer\b|\bwaar kan ik (naartoe )?(bellen|mailen)\b")),
    ("date", re.compile(r"\bwanneer\b|\bin welk jaar\b|\bsinds wanneer\b|\bvanaf wanneer\b|\bwelke datum\b|\bop welke dag\b|\bhoe laat\b")),
    ("comparison", re.compile(r"\bverschil\b|\bverschilt\b|\bverschillen\b|\bvergeleken met\b|\bvergelijk\b|\bin tegenstelling tot\b")),
    ("definition", re.compile(
        r"^(en )?wat (is|zijn|was|betekent) (een |het |de )?(?!rol\b|taak\b|taken\b|doel\b|belangrijkste\b|beste\b|volgende\b)"
        r"[\w\-]+( [\w\-]+){0,2}\??$|\bwat betekent\b|\bwat houdt\b.*\bin\b"
        r"|\bwat (wordt|word) (er )?(bedoeld|verstaan)\b|\bwat versta (je|jij|ik|u|we)\b|\bbetekenis van\b|\bdefinitie\b"
        r"|\bwaar staat\b.*\bvoor\b|^(en )?wie is (een |de )?[\w\-]+\??$")),
    ("reason", re.compile(r"\bwaarom\b|\bwaardoor\b|\bhoe komt het\b|\bwat is de reden\b|\bmet welk doel\b|\bwaarvoor dient\b|\bwat is het doel\b|\bwat is het nut\b")),
    ("actor", re.compile(
        r"^(en )?wie\b|\bdoor wie\b|\bbij wie\b|\baan wie\b|\bmet wie\b|\bvan wie\b|\bwelke (partij|partijen|organisatie|organisaties"
        r"|instantie|instanties|rol|functionaris|persoon|personen|professional|professionals|ketenpartner|ketenpartners)\b")),
    # "wat moet ik doen" asks for steps, although "moet ik" usually asks for a rule.
    ("procedure", re.compile(r"\bwat (moet|moeten|kan|kunnen|zou|zouden) (ik|je|u|we|wij) (nu |dan |eerst |als eerste )?(doen|regelen)\b")),
    ("rule", re.compile(
        r"^(en )?(mag|mogen|moet|moeten|hoef|hoeft|hoeven|mocht|kan|kun|kunt|kunnen|is het (toegestaan|verplicht|nodig|de bedoeling)"
        r"|ben ik verplicht|zijn we verplicht|is .{0,30}verplicht)\b|\bmag (ik|je|u|we|de|het|een)\b|\bmoet (ik|je|u|we)\b"
        r"|\bverplicht\b|\btoegestaan\b|\bis dat (wel )?(toegestaan|legaal|toegelaten)\b|\bhoeft\b")),
    ("procedure", re.compile(
        r"^(en )?hoe\b|\bwelke stappen\b|\bwat (moet|kan|zou) (ik|je|u|we) (nu )?(doen|regelen)\b|\bwat doe (ik|je)\b|\bwat te doen\b"
        r"|\bhoe (ga|gaat|pak|pakken) (ik|je|u|we)\b|\bstappenplan\b|\bwerkwijze\b|\bprocedure\b|\bwat is de volgende stap\b")),
    ("place", re.compile(r"^(en )?waar\b(?!om|door|voor|mee|over|op|in|bij|aan|uit|naar|van)")),
]

_NUMBER_WORDS = (
    "een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien zestien zeventien "
    "achttien negentien twintig dertig veertig vijftig zestig zeventig tachtig negentig honderd duizend "
    "miljoen miljard helft kwart derde dubbel tientallen honderden enkele"
).split()
_NUMBER = re.compile(r"\d|\b(" + "|".join(_NUMBER_WORDS[1:]) + r")\b|\bprocent\b|%")  # 'een' is too common to count
_TIME_UNIT = re.compile(r"\b(minuut|minuten|uur|uren|dag|dagen|week|weken|maand|maanden|jaar|jaren|kwartaal|werkdag\w*|termijn)\b")
_FREQUENCY = re.compile(
    r"\b(keer|maal) (per|in de|per jaar|per maand|per week)\b|\b(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|\w+tig|\w*honderd) ?(keer|maal)\b|\b(wekelijks|maandelijks|jaarlijks|dagelijks|tweewekelijks|"
    r"driewekelijks|halfjaarlijks|periodiek|regelmatig)\b|\b(elke|iedere|om de) (dag|week|maand|jaar|twee|drie|vier|zes)\b"
    r"|\bper (dag|week|maand|kwartaal|jaar)\b")
_DATE = re.compile(
    r"\b(1[89]|20)\d\d\b|\b(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\b"
    r"|\b\d{1,2}[-/]\d{1,2}[-/]\d{2,4}\b|\b(voorjaar|najaar|zomer|winter)\b")
_REASON = re.compile(
    r"\b(omdat|doordat|want|zodat|daardoor|daarom|waardoor|dankzij|vanwege|reden|redenen|doel|bedoeld om|om die reden|"
    r"opdat|voorkomt|voorkomen|helpt|zorgt ervoor|leidt tot|oorzaak)\b|\bom\b.{1,60}\bte\b")
_RULE = re.compile(
    r"\b(mag|mogen|mocht|moet|moeten|verplicht|verplichting|toegestaan|niet toegestaan|verboden|alleen als|alleen wanneer|"
    r"mits|voorwaarde|voorwaarden|grondslag|wettelijk|noodzakelijk|nodig|kan|kunnen|hoeft|hoeven|toestemming|bevoegd|"
    r"is aan|beslist|besluit|afspraak|regel|regels|nooit|altijd)\b")
_PROCEDURE = re.compile(
    r"\b(eerst|daarna|vervolgens|tot slot|ten slotte|stap|stappen|fase|fasen|begint|start|meldt|melden|bespreekt|"
    r"bespreken|legt|leggen|vraagt|vragen|neemt|nemen|zorgt|zorgen|stelt|stellen|schakelt|schakelen|betrekt|betrekken|"
    r"overlegt|overleggen|bel|belt|bellen|contact)\b|^\s*\d+[.)]\s")
_DEFINITION = re.compile(
    r"\b(is|zijn) (een|de|het)\b|\bbetekent\b|\bhoudt in\b|\bverstaan we\b|\bwordt verstaan\b|\bwordt bedoeld\b|"
    r"\bverwijst naar\b|\bstaat voor\b|\bnoemen we\b|\bheet\b|\bis bedoeld\b|\bomvat\b|:")

# Question words and fillers that say how something is asked, not what about.
_NOT_FOCUS = set(content_terms(
    "ik jij wij zij hij je we ze u iemand mensen vraag vragen weten eigenlijk ongeveer nou precies gewoon toch "
    "welke welk wanneer hoeveel waarom waar wie wat hoe doen gebeurt gebeuren zit zitten staat staan heet "
    "bedoeld verstaan betekent geldt gelden regelen kunnen moeten mogen mag moet kan verschil "
    "iets dingen ding manier soort goed beste"
))


_SENTENCE_END = re.compile(r"(?<=[?!.])\s+")
# "hoe lang", "hoe vaak", ...: the phrase says which kind of answer is asked, it is not the subject.
_QUESTION_PHRASE = re.compile(r"\bhoe ?(lang|vaak|veel|groot|hoog|snel|duur|laat)\b", re.IGNORECASE)


@dataclass
class Question:
    text: str
    kind: str  # frequency, duration, quantity, contact, date, comparison, definition, reason, actor, rule, procedure, place, open
    focus: list[str] = field(default_factory=list)  # stemmed content terms that carry the subject
    subject: str = ""  # for definitions: the term asked about ("casushouder")
    target: list[str] = field(default_factory=list)  # for "hoeveel X": stems of X, the thing counted
    money: bool = False  # "wat kost", "hoeveel geld", "budget"
    percent: bool = False  # "hoeveel procent", "welk percentage"
    strict_date: bool = False  # "in welk jaar", "op welke datum" (a bare "wanneer" may ask for a condition)

    @property
    def specific(self) -> bool:
        """Asks for a figure, a duration, a frequency, a date or contact details: an adjacent fact does not answer it."""
        return self.kind in ("quantity", "duration", "frequency", "date", "contact")


_OWN_QUESTION_WORD = re.compile(r"^(en |maar |of )?(wat|wie|welke?|waar\w*|hoe|waarom|wanneer|hoeveel)\b")


def _kind(low: str, raw: str) -> str | None:
    for name, pattern in _KIND_PATTERNS:
        if pattern.search(low) or pattern.search(raw):
            return name
    return None


def analyse(question: str) -> Question:
    # The last sentence that asks something decides the kind: users put context first ("Een leerling
    # tekende ... Moet ik dat melden?"), and a follow-up made standalone reads "<previous question>
    # <follow-up>", where the follow-up's own words say what is asked now ("... En wie beslist?").
    # A follow-up without a question word of its own ("En bij minderjarigen?") keeps the earlier kind;
    # one that opens with its own ("Wat gebeurt er in die periode?") is read alone, "open" if nothing else.
    whole = " ".join(question.lower().split())
    kind, low, raw = "open", normalize(question).strip(), whole
    for part in reversed([p for p in _SENTENCE_END.split(whole) if p.strip()]):
        part_low = normalize(part).strip()
        found = _kind(part_low, part)
        if found or _OWN_QUESTION_WORD.search(part_low):  # "... Wat gebeurt er in die periode?" asks anew
            kind, low, raw = found or "open", part_low, part
            break
    terms = list(dict.fromkeys(content_terms(_QUESTION_PHRASE.sub(" ", question))))
    focus = [t for t in terms if t not in _NOT_FOCUS] or terms
    subject = _definition_subject(low) if kind == "definition" else ""
    q = Question(question, kind, focus, subject)
    if kind == "quantity":
        q.money = bool(_MONEY_Q.search(low))
        q.percent = bool(re.search(r"\b(procent|percentage|deel van|aandeel)\b", low))
        q.target = _counted(low)
    if kind == "date":
        q.strict_date = bool(re.search(r"\b(in welk jaar|welk jaar|op welke datum|welke datum|sinds wanneer|per wanneer|vanaf wanneer|op welke dag)\b", low))
    return q


_MONEY_Q = re.compile(r"\b(kost|kosten|kostte|prijs|budget|geld|euro|betalen|vergoeding|subsidie|tarief|financiering)\b|\bhoe duur\b"
                      r"|\bverdien\w*\b|\bsalaris\w*\b")
_MONEY = re.compile(r"€|\beuro\b|\beur\b|\bbedrag\w*\b|\bkost\w*\b.{0,40}\d|\d.{0,20}\b(euro|duizend|miljoen)\b")
_COUNT_STOP = set("zijn is er worden werden heeft hebben had van de het een die dat in op per ongeveer precies eigenlijk nu nog zo'n zon".split())


def _counted(low: str) -> list[str]:
    """The noun after 'hoeveel' ('hoeveel casussen zijn er' -> casus), skipping 'van de'."""
    match = re.search(r"\bhoeveel\s+(.*)$", low)
    if not match:
        return []
    words = [w for w in match.group(1).split() if w not in _COUNT_STOP]
    return content_terms(" ".join(words[:1]))


def _definition_subject(low: str) -> str:
    match = re.search(
        r"(?:wat|wie) (?:is|zijn|was|waren) (?:een |het |de )?(.+?)\s*$|wat betekent (?:een |het |de )?(.+?)\s*$"
        r"|wat (?:wordt|word) (?:er )?(?:bedoeld met|verstaan onder) (?:een |het |de )?(.+?)\s*$"
        r"|wat houdt (?:een |het |de )?(.+?) in\b", low)
    if not match:
        return ""
    subject = next(g for g in match.groups() if g)
    return " ".join(subject.split()[:4])


def answers_kind(q: Question, sentence: str) -> bool:
    """Whether the sentence holds the kind of fact the question asks for (a number for 'hoeveel', ...)."""
    low = sentence.lower()
    kind = q.kind
    if kind == "quantity":
        return bool(_NUMBER.search(low))
    if kind == "duration":
        return bool(_TIME_UNIT.search(low)) and bool(_NUMBER.search(low) or re.search(r"\b(direct|meteen|binnen|uiterlijk|zo snel)\b", low))
    if kind == "frequency":
        return bool(_FREQUENCY.search(low))
    if kind == "date":
        return bool(_DATE.search(low))
    if kind == "reason":
        return bool(_REASON.search(low))
    if kind == "rule":
        return bool(_RULE.search(low))
    if kind == "procedure":
        return bool(_PROCEDURE.search(low))
    if kind == "definition":
        return defines(q, sentence)
    if kind == "contact":
        return bool(_CONTACT.search(low))
    return True


def states_asked_fact(q: Question, sentence: str, forms=None) -> bool:
    """Stricter than `answers_kind` for figures: the number must be about the thing asked.

    "Hoeveel cliënten heeft een TER-duo?" is not answered by "het team telt 15 tot 18 medewerkers":
    a number stands within three words of a form of 'cliënten', an amount of money answers "wat kost",
    a percentage "hoeveel procent". For other kinds this is `answers_kind`. `forms` (a
    wordforms.WordForms) lets plurals and compounds of the counted word count.
    """
    if q.specific and not _qualifier_stated(q, sentence):
        return False
    if q.kind == "date":
        low = sentence.lower()
        if _DATE.search(low):
            return True
        return not q.strict_date and bool(re.search(r"\b(als|zodra|nadat|wanneer|na|voordat|bij|zolang|tot)\b", low))
    if q.kind != "quantity":
        return answers_kind(q, sentence)
    low = sentence.lower()
    if q.money:
        return bool(_MONEY.search(low))
    if q.percent:
        return bool(re.search(r"%|\bprocent\b|\b(helft|kwart|derde|meerderheid|minderheid)\b", low))
    if not _NUMBER.search(low):
        return False
    if not q.target:
        return True
    tokens = normalize(sentence).split()
    stems = content_terms_keep_positions(tokens)
    wanted = set(q.target)
    if forms is not None:
        for t in q.target:
            wanted.update(forms.expand(t))
    # "ruim tien jaar wijkagent" or "sinds 2017" do not count wijkagenten: a number that is a year, or
    # that a time unit follows, is a duration or a date (unless time is what is counted).
    counts_time = any(_TIME_UNIT.fullmatch(t) for t in q.target)
    numbers = [i for i, w in enumerate(tokens) if _is_number_token(w)
               and (counts_time or not (_YEAR.fullmatch(w) or (i + 1 < len(tokens) and _TIME_UNIT.fullmatch(tokens[i + 1]))))]
    targets = [i for i, st in stems if st in wanted]
    return any(abs(i - j) <= 3 for i in numbers for j in targets)


_NUMBER_ROOT = re.compile(r"^(\d[\d.,]*|(twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien"
                          r"|zestien|zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig"
                          r"|negentig|honderd|duizend|miljoen|miljard|en)+|helft|kwart|tientallen|honderden|duizenden)$")


# An average is not a minimum: "hoe lang gemiddeld" is not answered by "ten minste zes maanden".
_QUALIFIERS = [
    (re.compile(r"\bgemiddeld\w*\b"), re.compile(r"\b(gemiddeld\w*|doorgaans|gewoonlijk|meestal|gem\.)")),
    (re.compile(r"\b(maximaal|hoogstens|ten hoogste|maximum|maximale)\b"),
     re.compile(r"\b(maximaal|hoogstens|ten hoogste|maximum|maximale|uiterlijk|niet (langer|meer|later) dan|tot (ten hoogste|maximaal))\b")),
    (re.compile(r"\b(minimaal|minstens|ten minste|minimum|minimale)\b"),
     re.compile(r"\b(minimaal|minstens|ten minste|minimum|minimale|niet (korter|minder|eerder) dan)\b")),
]


def _qualifier_stated(q: Question, sentence: str) -> bool:
    asked = q.text.lower()
    low = sentence.lower()
    return all(said.search(low) for wants, said in _QUALIFIERS if wants.search(asked))


_CONTACT = re.compile(r"\b0\d{1,3}[- ]?\d{3}[- ]?\d{3,4}\b|\b0800\b|\+31|@\w|\bwww\.|https?://|\b\w+\.(nl|eu|org|com)\b"
                      r"|\b\d{4} ?[a-z]{2}\b")
_YEAR = re.compile(r"(1[89]|20)\d\d")


def _is_number_token(word: str) -> bool:
    """'41', '2.500', 'zes', 'driehonderd', 'vijfentwintig', 'honderden' (not 'een' nor 'en' alone)."""
    return word not in ("en", "een") and bool(_NUMBER_ROOT.match(word))


def content_terms_keep_positions(tokens: list[str]) -> list[tuple[int, str]]:
    """(position, stem) of each token, stopwords included (positions must stay exact)."""
    from radassist.text import _stemmer

    stems = _stemmer().stemWords(tokens)
    return list(enumerate(stems))


def defines(q: Question, sentence: str) -> bool:
    """A sentence that says what the asked term is: the term near the start, then 'is', 'betekent', ':'..."""
    if not q.subject:
        return bool(_DEFINITION.search(sentence.lower()))
    subject_terms = set(content_terms(q.subject))
    words = normalize(sentence).split()
    head = set(content_terms(" ".join(words[:8])))
    return bool(subject_terms & head) and bool(_DEFINITION.search(sentence.lower()))


__all__ = ["Question", "analyse", "answers_kind", "defines", "states_asked_fact"]
