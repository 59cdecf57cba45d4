"""Audit log: append-only JSONL, pseudonymous ids, redacted questions, rotation by size."""

import json

from radassist.audit import AuditLog, pseudonym


def record(log: AuditLog, question: str, refused: bool = False) -> dict:
    return log.record(user="procesregisseur@gemeente.nl", session="sessie-1", question=question,
                      doc_ids=["fs-01", "fs-01", "fs-03"], backend="extractive", refused=refused, latency_ms=123.456)


def test_entries_are_pseudonymous_and_redacted(tmp_path):
    log = AuditLog(tmp_path)
    entry = record(log, "Kan ik bellen naar 06-12345678 over mevrouw Fatima el Amrani?")
    assert entry["user"] == pseudonym("procesregisseur@gemeente.nl") and "@" not in entry["user"]
    assert entry["doc_ids"] == ["fs-01", "fs-03"] and entry["latency_ms"] == 123.5
    raw = (tmp_path / "audit.jsonl").read_text()
    assert "12345678" not in raw and "Amrani" not in raw and "gemeente.nl" not in raw
    assert json.loads(raw)["question"].count("[") >= 2


def test_rotation_keeps_a_bounded_number_of_files(tmp_path):
    log = AuditLog(tmp_path, max_bytes=2000, keep=2)
    for n in range(60):
        record(log, f"Vraag nummer {n} over het casusoverleg en de weegploeg", refused=n % 2 == 0)
    files = sorted(p.name for p in tmp_path.glob("audit*.jsonl"))
    assert files == ["audit.1.jsonl", "audit.2.jsonl", "audit.jsonl"]
    assert all(p.stat().st_size <= 2000 for p in tmp_path.glob("audit*.jsonl"))
    entries = list(log.entries())
    numbers = [int(e["question"].split()[2]) for e in entries]
    assert numbers == sorted(numbers) and numbers[-1] == 59  # oldest first, newest kept
