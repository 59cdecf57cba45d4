"""Append-only audit log: one JSON line per answer, personal data redacted before it is written.

Rotates by size (audit.jsonl -> audit.1.jsonl -> ...). What is recorded: time, pseudonymous
session/user id, the redacted question, cited document ids, backend, refused, latency.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Iterator

from radassist.privacy import redact


def pseudonym(identifier: str, salt: str = "radassist") -> str:
    """A stable pseudonymous id: the same user maps to the same value, which does not reveal the user."""
    return hashlib.sha256(f"{salt}:{identifier}".encode()).hexdigest()[:12]


class AuditLog:
    def __init__(self, folder: Path, max_bytes: int = 5_000_000, keep: int = 5) -> None:
        self.folder = folder
        self.path = folder / "audit.jsonl"
        self.max_bytes = max_bytes
        self.keep = keep

    def record(self, *, user: str, session: str, question: str, doc_ids: list[str], backend: str,
               refused: bool, latency_ms: float, role: str = "", redacted: bool = False) -> dict:
        entry = {
            "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "user": pseudonym(user),
            "session": pseudonym(session),
            "role": role,
            "question": redact(question),
            "doc_ids": sorted(set(doc_ids)),
            "backend": backend,
            "refused": refused,
            "latency_ms": round(latency_ms, 1),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with open(self.folder / ".audit.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._rotate_if_needed(len(line))
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return entry

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size + incoming <= self.max_bytes:
            return
        for n in range(self.keep - 1, 0, -1):
            older = self.folder / f"audit.{n}.jsonl"
            if older.exists():
                os.replace(older, self.folder / f"audit.{n + 1}.jsonl")
        os.replace(self.path, self.folder / "audit.1.jsonl")
        (self.folder / f"audit.{self.keep + 1}.jsonl").unlink(missing_ok=True)

    def entries(self) -> Iterator[dict]:
        """Oldest first, over rotated files too."""
        files = sorted(self.folder.glob("audit.*.jsonl"), key=lambda p: -int(p.name.split(".")[1]))
        for path in [*files, self.path]:
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue
