"""corpus/catalog.yaml: validated, and every error names the entry."""

import pytest

from radassist.catalog import load_catalog
from radassist.types import ConfigError

from conftest import write


def catalog(corpus, body):
    write(corpus / "catalog.yaml", body)
    return load_catalog(corpus)


def test_valid_catalog_keys_entries_by_file(tmp_path):
    write(tmp_path / "a" / "doc.md", "# Doc\n\ntekst")
    entries = catalog(tmp_path, """documents:
  - id: doc-1
    file: a/doc.md
    title: Een document
    type: interview
    themes: [procesregie]
    region: Zeeland
    date: 2024-05-01
    confidentiality: intern
""")
    meta = entries["a/doc.md"].meta()
    assert meta.id == "doc-1" and meta.confidentiality == "intern" and meta.date == "2024-05-01"


def test_missing_file_names_the_entry(tmp_path):
    with pytest.raises(ConfigError, match=r"entry 1 \(id 'weg'\).*bestaat-niet.md"):
        catalog(tmp_path, "documents:\n  - {id: weg, file: bestaat-niet.md, title: Weg}\n")


@pytest.mark.parametrize(
    "field, value, message",
    [("type", "memo", "type must be one of"), ("confidentiality", "geheim", "confidentiality must be one of"),
     ("date", "gisteren", "date")],
)
def test_bad_field_names_entry_and_field(tmp_path, field, value, message):
    write(tmp_path / "doc.md", "tekst")
    with pytest.raises(ConfigError) as err:
        catalog(tmp_path, f"documents:\n  - {{id: d1, file: doc.md, title: T, {field}: {value}}}\n")
    assert "entry 1 (id 'd1')" in str(err.value) and field in str(err.value)
    assert message.split()[0] in str(err.value)


def test_duplicate_ids_are_rejected(tmp_path):
    write(tmp_path / "a.md", "a")
    write(tmp_path / "b.md", "b")
    with pytest.raises(ConfigError, match="duplicate id 'x'"):
        catalog(tmp_path, "documents:\n  - {id: x, file: a.md, title: A}\n  - {id: x, file: b.md, title: B}\n")


def test_unknown_field_is_an_error(tmp_path):
    write(tmp_path / "a.md", "a")
    with pytest.raises(ConfigError, match="auteur"):
        catalog(tmp_path, "documents:\n  - {id: a, file: a.md, title: A, auteur: X}\n")
