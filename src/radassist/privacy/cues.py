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
