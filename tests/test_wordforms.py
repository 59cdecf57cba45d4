"""Word forms: a question word finds the corpus' plural, participle, compound, derivation or misspelling."""

import pytest

from radassist.text import content_terms
from radassist.wordforms import WordForms, covered, match_key, match_keys


def stem(word: str) -> str:
    (term,) = content_terms(word)
    return term


VOCAB = content_terms(
    "casus casusoverleg overleg procesregisseur procesregie regie regio actie plan actieplan zorg "
    "radicalisering aanpak terugkeerder jeugdbeschermer begeleider module veiligheidshuis delen gedeeld "
    "gemeente maatregel wijk"
)


@pytest.fixture(scope="module")
def forms() -> WordForms:
    return WordForms(VOCAB)


def expand(forms: WordForms, word: str) -> tuple[str, ...]:
    return forms.expand(stem(word))


# ----------------------------------------------------------------------------- match keys

@pytest.mark.parametrize("a, b", [
    ("casuss", "casus"),  # the stem of 'casussen' keeps a doubled s
    ("veiligheidshuiz", "veiligheidshuis"),  # z/s alternation of 'huizen' / 'huis'
    ("modul", "module"),
    ("maatregel", "matregel"),  # doubled vowels folded
    ("terugkeer", "terugker"),
])
def test_match_key_folds_spellings_together(a, b):
    assert match_key(a) == match_key(b)


def test_match_key_leaves_short_words_alone():
    # A final s or e is only dropped from words of six letters or more: 'reis' is no plural of 'rei'.
    assert match_key("reis") == "reis" and match_key("regie") == "regie" and match_key("casus") == "casus"
    assert match_key("huis") != match_key("hui")
    assert match_key("wijk") != match_key("wijn")


def test_match_keys_add_the_participle_root():
    assert match_keys("gedeeld") == (match_key("gedeeld"), "del")
    assert "del" in match_keys(stem("gedeeld")) and match_key(stem("delen")) == "del"
    assert match_keys("gewerkt")[-1] == "werk"
    # 'gemeent' looks like ge-...-t but is kept whole too: its own key stays first.
    assert match_keys("gemeent")[0] == match_key("gemeent")
    # Short words are never read as participles ('geld', 'gebied').
    assert match_keys("geld") == ("geld",) and len(match_keys("gebied")) == 1


# ----------------------------------------------------------------------------- expand: what matches

def test_same_form_comes_first(forms):
    assert expand(forms, "overleg")[0] == stem("overleg")
    assert expand(forms, "casus") == (stem("casus"),)


@pytest.mark.parametrize("word, corpus_word", [
    ("casussen", "casus"),
    ("veiligheidshuizen", "veiligheidshuis"),
    ("modules", "module"),
    ("maatregelen", "maatregel"),
    ("gemeenten", "gemeente"),
    ("gemeentes", "gemeente"),
    ("procesregisseurs", "procesregisseur"),
    ("aanpakken", "aanpak"),
])
def test_plurals_find_the_singular(forms, word, corpus_word):
    assert stem(corpus_word) in expand(forms, word)


def test_participle_and_infinitive_find_each_other(forms):
    assert stem("delen") in expand(forms, "gedeeld")
    assert stem("gedeeld") in expand(forms, "deel")
    assert stem("gedeeld") in expand(forms, "delen")


def test_unknown_compound_stands_for_its_corpus_parts(forms):
    parts = expand(forms, "radicaliseringsaanpak")  # linking s
    assert stem("radicalisering") in parts and stem("aanpak") in parts
    parts = expand(forms, "zorgaanpak")  # no linking letter
    assert set(parts) == {stem("zorg"), stem("aanpak")}


def test_word_finds_corpus_compounds_with_it_as_head(forms):
    assert stem("casusoverleg") in expand(forms, "overleg")
    # ... but not the compounds it only modifies: a casusoverleg is an overleg, not a casus.
    assert stem("casusoverleg") not in expand(forms, "casus")


def test_short_heads_do_not_match_inside_compounds(forms):
    assert stem("actieplan") in forms.by_head.get("plan", [])  # the compound is known ...
    assert expand(forms, "plan") == (stem("plan"),)  # ... but 'plan' is too short to find it


@pytest.mark.parametrize("word, corpus_word", [
    ("terugkeer", "terugkeerder"),
    ("jeugdbescherming", "jeugdbeschermer"),
    ("begeleid", "begeleider"),
    ("actieplannen", "actieplan"),
])
def test_derivations_sharing_a_long_beginning(forms, word, corpus_word):
    assert stem(corpus_word) in expand(forms, word)


def test_derivations_may_differ_by_at_most_three_letters(forms):
    # 'procesregie' and 'procesregisseur' share 'procesregi' but are different things.
    assert stem("procesregisseur") not in expand(forms, "procesregie")
    assert stem("procesregie") not in expand(forms, "procesregisseur")


@pytest.mark.parametrize("typo", [
    "procesregiseur",  # letter missing
    "procesreggisseur",  # letter extra
    "procesregissuur",  # letter changed
    "procesregissuer",  # letters swapped
    "porcesregisseur",
])
def test_long_words_tolerate_one_typo(forms, typo):
    assert expand(forms, typo) == (stem("procesregisseur"),)


# ----------------------------------------------------------------------------- expand: what must not match

@pytest.mark.parametrize("word", [
    "procesrgiseur",  # two letters missing
    "fiets",
    "voetbal",
    "hoofdstad",
    "casussimulatie",  # shares 'casus' but is not built on a corpus head
    "actiepunt",
    "fietsplan",  # 'plan' is too short a head and 'fiets' is unknown
])
def test_unrelated_words_match_nothing(forms, word):
    assert expand(forms, word) == ()


def test_short_words_get_no_typo_matching(forms):
    assert expand(forms, "regia") == ()  # one letter from 'regie' and 'regio', but short
    assert expand(forms, "wijn") == ()
    assert stem("regio") not in expand(forms, "regie")


def test_typos_only_when_nothing_else_matched():
    # Two corpus words one letter apart: each finds only itself; an unknown third finds both.
    forms = WordForms(["beslisser", "beslissen"])
    assert forms.expand("beslisser") == ("beslisser",)
    assert forms.expand("beslissen") == ("beslissen",)
    assert set(forms.expand("beslissex")) == {"beslisser", "beslissen"}


def test_exact_has_no_compounds_derivations_or_typos(forms):
    assert forms.exact(stem("overleg")) == (stem("overleg"),)
    assert forms.exact(stem("radicaliseringsaanpak")) == ()
    assert forms.exact(stem("terugkeer")) == ()
    assert forms.exact(stem("procesregiseur")) == ()
    assert forms.exact(stem("casussen")) == (stem("casus"),)  # folded forms do count


def test_vocabulary_as_dict_or_list_gives_the_same_forms():
    as_list = WordForms(VOCAB)
    as_dict = WordForms({t: i for i, t in enumerate(VOCAB)})
    for word in ("casussen", "overleg", "radicaliseringsaanpak", "procesregiseur", "fiets"):
        assert as_list.expand(stem(word)) == as_dict.expand(stem(word))


# ----------------------------------------------------------------------------- covered

def test_covered_without_matcher_is_plain_membership(forms):
    text = set(content_terms("Het casusoverleg bespreekt de casus."))
    question = content_terms("casussen overleg fiets")
    assert covered(question, text, None) == [False, False, False]
    assert covered(question, text, forms) == [True, True, False]
    assert covered(content_terms("casus"), text, None) == [True]


# ----------------------------------------------------------------------------- the sample corpus

def test_sample_corpus_word_forms(engine):
    forms = engine.index.lexical.word_forms()
    assert forms is engine.index.lexical.word_forms()  # built once per index
    assert "casus" in forms.expand(stem("casussen"))
    assert forms.expand(stem("procesregiseur")) == (stem("procesregisseur"),)
    assert {stem("procesregie"), stem("casusregie")} <= set(forms.expand(stem("regie")))
    assert {stem("privacy"), stem("convenant")} <= set(forms.expand(stem("privacyconvenant")))
    assert stem("del") in forms.expand(stem("gedeeld"))
    for word in ("hoofdstad", "peru", "appeltaart", "voetbal"):
        assert forms.expand(stem(word)) == ()
