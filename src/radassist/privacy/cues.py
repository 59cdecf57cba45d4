"""Words that announce a person: titles, naming words, relations and other person cues."""

from __future__ import annotations

import re

# Titles: the word after them is a name even when typed in lower case ('meneer de vries').
PERSON_TRIGGERS_TITLE = r"meneer|mijnheer|mevrouw|de\s+heer|dhr\.?|mevr\.?|mw\.?|hr\.|mr\.|dr\.|fam\."
# Naming words and relations: only a capitalised word after them counts.
PERSON_TRIGGERS_WEAK = (
    r"familie|genaamd|heet|heette|(?:mijn\s+)?naam\s+is|(?:achter|voor)?naam\s*:|achternaam|voornaam|"
    r"cli[eë]nte?|client|betrokkene|jongere|jongen|meisje|verdachte|gedetineerde|zoon|dochter"
    r"|broer(?:tje)?|zus(?:je)?|moeder|vader|neef|nicht|vriend(?:in)?|partner|echtgeno(?:ot|te)"
    r"|oom|tante|opa|oma"
)

# Anywhere in a sentence: the sentence is about a person.
PERSON_CUE_RE = re.compile(
    rf"\b(?:hij|hem|haar|{PERSON_TRIGGERS_WEAK}|meneer|mevrouw|man|vrouw|persoon|minderjarige"
    r"|kind|dader|slachtoffer|terugkeerder)\b",
    re.IGNORECASE,
)

# Person and relation nouns (and naming words) for the fail safe: a capitalised word near one is a name.
PERSON_NOUNS = (
    r"cli[eë]nte?|jongen|jongeman|meisje|jongere|jeugdige|minderjarige|kind|zoon(?:tje)?|dochter(?:tje)?"
    r"|broer(?:tje)?|zus(?:je)?|zuster|moeder|vader|stiefvader|stiefmoeder|halfbroer|halfzus|pleegvader"
    r"|pleegmoeder|pleegzoon|pleegdochter|neef(?:je)?|nicht(?:je)?|oom|tante|opa|oma|grootvader|grootmoeder"
    r"|vriend(?:in|je)?|partner|echtgeno(?:ot|te)|verloofde|ex|man|vrouw|buurman|buurvrouw|buurjongen"
    r"|buurmeisje|collega|leerling|scholier|student(?:e)?|pupil|cursist|gedetineerde|verdachte|betrokkene"
    r"|dader|slachtoffer|terugkeerder|meneer|mijnheer|mevrouw|heer|dame|persoon|pati[eë]nt(?:e)?|bewoner"
    r"|deelnemer|zwager|schoonzus|schoonvader|schoonmoeder|melder|getuige|genaamd|heet|heette|naam"
)
PERSON_NOUN_RE = re.compile(rf"(?:{PERSON_NOUNS})", re.IGNORECASE)
