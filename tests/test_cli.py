"""The CLI contract: JSON shapes, batch mode, exit codes, one-line errors."""

import json
import os
import subprocess
import sys

import pytest

from conftest import CORPUS, ROOT, write

PASSAGE_KEYS = {"rank", "doc_id", "chunk_id", "title", "type", "path", "section", "page", "score", "text"}


def radassist(*args, env=None, input=None):
    return subprocess.run(
        [sys.executable, "-m", "radassist.cli", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, input=input, timeout=600,
    )


def test_search_json_contract(env_index):
    out = radassist("search", "Wat is een casussimulatie?", "--json", "--k", "4")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["question"] == "Wat is een casussimulatie?"
    assert len(data["passages"]) == 4 and set(data["passages"][0]) >= PASSAGE_KEYS
    assert [p["rank"] for p in data["passages"]] == [1, 2, 3, 4]


def test_ask_json_contract(env_index):
    out = radassist("ask", "Hoe lang blijft een casus in de monitorfase?", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"question", "answer", "refused", "backend", "citations", "passages", "timings_ms"} <= set(data)
    assert data["backend"] == "extractive" and not data["refused"]
    cit = data["citations"][0]
    assert {"marker", "doc_id", "title", "path", "section", "page", "quote"} <= set(cit)
    assert set(data["timings_ms"]) >= {"retrieve", "answer"}
    ranks = {p["rank"]: p["text"] for p in data["passages"]}
    assert all(c["quote"] in ranks[c["marker"]] for c in data["citations"])


def test_ask_plain_text_is_readable_dutch(env_index):
    out = radassist("ask", "Wat is een casussimulatie?")
    assert out.returncode == 0 and "Bronnen:" in out.stdout and "[1]" in out.stdout


def test_batch_mode_keeps_ids_and_order(env_index, tmp_path):
    batch = write(tmp_path / "q.jsonl", '{"id": "a", "question": "Wat is een weegploeg?"}\n'
                                         '{"id": "b", "question": "Wat is het recept voor appeltaart?"}\n')
    out = radassist("ask", "--batch", str(batch), "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"] and lines[1]["refused"]
    plain = write(tmp_path / "q.txt", "Wat is een weegploeg?\n\nWat doet de procesregisseur?\n")
    out = radassist("search", "--batch", str(plain), "--json", "--k", "2")
    assert [json.loads(x)["question"] for x in out.stdout.splitlines()] == ["Wat is een weegploeg?", "Wat doet de procesregisseur?"]


def test_status_reports_index_and_corpus_state(env_index):
    out = radassist("status", "--json")
    data = json.loads(out.stdout)
    assert data["indexed"] and data["counts"]["documents"] == 25 and data["corpus_changed"] is False


def test_filters_and_roles_on_the_command_line(env_index):
    out = radassist("search", "lessen", "--json", "--type", "interview", "--k", "5")
    assert {p["type"] for p in json.loads(out.stdout)["passages"]} == {"interview"}
    out = radassist("search", "terugblik flexteam rapport", "--json", "--role", "gast", "--k", "10")
    assert all(not p["doc_id"].startswith("rapport") for p in json.loads(out.stdout)["passages"])
    out = radassist("search", "x", "--role", "onbekend")
    assert out.returncode == 2 and "onbekende rol" in out.stderr


def test_usage_and_config_errors_exit_2(tmp_path):
    assert radassist().returncode == 2
    assert radassist("search").returncode == 2
    bad = radassist("index", "--corpus", str(tmp_path), env={"RADASSIST_RETRIEVAL__K": "veel"})
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "instellingen" in bad.stderr
    write(tmp_path / "c" / "catalog.yaml", "documents:\n  - {id: x, file: weg.md, title: X}\n")
    out = radassist("index", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i"))
    assert out.returncode == 2 and "weg.md" in out.stderr and "Traceback" not in out.stderr


def test_missing_index_is_exit_1_with_hint(tmp_path):
    out = radassist("search", "vraag", "--index", str(tmp_path / "geen"))
    assert out.returncode == 1 and "radassist index" in out.stderr and "Traceback" not in out.stderr


def test_index_summary_on_a_pipe(tmp_path, mini_corpus):
    out = radassist("index", "--corpus", str(mini_corpus), "--index", str(tmp_path / "i"))
    assert out.returncode == 0, out.stderr
    assert "5 documenten" in out.stdout and "toegevoegd 5" in out.stdout
    assert "lezen: 5/5" in out.stderr  # plain progress lines when not a TTY
    again = radassist("index", "--corpus", str(mini_corpus), "--index", str(tmp_path / "i"), "--json")
    assert json.loads(again.stdout)["nothing_changed"] is True


def test_chat_answers_follow_ups(env_index):
    out = radassist("chat", input="Wat doet de weegploeg?\nEn in Limburg?\nstop\n")
    assert out.returncode == 0
    assert out.stdout.count("Bronnen:") + out.stdout.count("Dichtstbijzijnde") == 2


def test_audit_log_holds_only_redacted_questions(env_index, tmp_path):
    radassist("ask", "Mag ik het dossier van Jan de Vries met BSN 111222333 delen?")
    out = radassist("audit", "--json")
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert rows and "111222333" not in out.stdout and "Jan de Vries" not in out.stdout
    assert "[BSN]" in rows[-1]["question"]
