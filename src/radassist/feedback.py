"""Feedback on answers: a durable SQLite store beside the index data, and its export as eval candidates.

    store = FeedbackStore(settings.var_dir / "feedback.sqlite")
    row = store.add(session="...", question="...", answer="...", citations=[...], rating=-1)
    store.update(row, flag_source_wrong=True, comment="bron gaat over iets anders")
    store.negative()   # thumbs down or "bron klopt niet": candidates for the eval set

Questions and comments are redacted before they are written: the store never holds the personal
data a professional may have typed. Sessions are kept as a pseudonym only. One connection per call,
so the web app's script threads can share a store without sharing a connection.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from radassist.audit import pseudonym
from radassist.privacy import redact

FILE_NAME = "feedback.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    session TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    doc_ids TEXT NOT NULL DEFAULT '[]',
    chunk_ids TEXT NOT NULL DEFAULT '[]',
    rating INTEGER CHECK (rating IN (-1, 1)),
    flag_source_wrong INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT ''
)
"""


@dataclass
class FeedbackEntry:
    """One stored judgement of one answer (rating None: the user withdrew the thumbs)."""

    id: int
    time: str
    session: str
    question: str
    answer: str
    doc_ids: list[str] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)
    rating: int | None = None
    flag_source_wrong: bool = False
    comment: str = ""

    @property
    def is_negative(self) -> bool:
        return self.rating == -1 or self.flag_source_wrong

    def to_eval_case(self) -> dict:
        """A candidate line for an eval set: a person still has to fill in evidence and facts."""
        return {
            "id": f"fb-{self.id}",
            "question": self.question,
            "answerable": True,
            "doc_ids": self.doc_ids,
            "evidence": [],
            "answer_facts": [],
            "kind": "fact",
            "source": "feedback",
            "comment": self.comment,
        }


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(_SCHEMA)
        return conn

    def add(
        self,
        *,
        session: str,
        question: str,
        answer: str,
        doc_ids: Iterable[str] = (),
        chunk_ids: Iterable[str] = (),
        rating: int | None = None,
        flag_source_wrong: bool = False,
        comment: str = "",
    ) -> int:
        """Store a judgement; returns its id. `session` is the raw session id: only its pseudonym is kept."""
        row = (
            dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            pseudonym(session),
            redact(question),
            answer,
            json.dumps(list(dict.fromkeys(doc_ids)), ensure_ascii=False),
            json.dumps(list(dict.fromkeys(chunk_ids)), ensure_ascii=False),
            _checked_rating(rating),
            int(bool(flag_source_wrong)),
            redact(comment.strip()),
        )
        with closing(self._connect()) as conn, conn:
            cursor = conn.execute(
                "INSERT INTO feedback (time, session, question, answer, doc_ids, chunk_ids, rating, "
                "flag_source_wrong, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid)

    def update(self, entry_id: int, *, rating: int | None, flag_source_wrong: bool, comment: str) -> None:
        """Replace the judgement of an answer the user already rated (changed thumbs, added a comment)."""
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "UPDATE feedback SET rating = ?, flag_source_wrong = ?, comment = ? WHERE id = ?",
                (_checked_rating(rating), int(bool(flag_source_wrong)), redact(comment.strip()), entry_id),
            )

    def all(self) -> list[FeedbackEntry]:
        return list(self._select(""))

    def negative(self) -> list[FeedbackEntry]:
        return list(self._select("WHERE rating = -1 OR flag_source_wrong = 1"))

    def _select(self, where: str) -> Iterator[FeedbackEntry]:
        if not self.path.exists():
            return
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT id, time, session, question, answer, doc_ids, chunk_ids, rating, flag_source_wrong, "
                f"comment FROM feedback {where} ORDER BY id"
            ).fetchall()
        for row in rows:
            yield FeedbackEntry(
                id=row[0], time=row[1], session=row[2], question=row[3], answer=row[4],
                doc_ids=json.loads(row[5]), chunk_ids=json.loads(row[6]), rating=row[7],
                flag_source_wrong=bool(row[8]), comment=row[9],
            )


def _checked_rating(rating: int | None) -> int | None:
    if rating not in (-1, 1, None):
        raise ValueError(f"rating must be +1, -1 or None, not {rating!r}")
    return rating


def store_for(settings) -> FeedbackStore:
    """The store that belongs to these settings' index data."""
    return FeedbackStore(settings.var_dir / FILE_NAME)


# ----------------------------------------------------------------------------- command line

def cmd_feedback_export(args: argparse.Namespace) -> int:
    from radassist.cli import _settings

    store = store_for(_settings(args))
    cases = [entry.to_eval_case() for entry in store.negative()]
    lines = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
    if args.out and args.out != "-":
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(lines, encoding="utf-8")
        print(f"{len(cases)} kandidaat-vragen uit negatieve feedback geschreven naar {out}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0


def register_cli(sub) -> None:
    p = sub.add_parser("feedback", help="feedback from the web app", description="Work with the feedback users "
                       "gave in the web app (thumbs, 'bron klopt niet', comments; questions stored redacted).")
    actions = p.add_subparsers(dest="feedback_command", metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="negative feedback as eval-set candidates (JSONL)",
        description="Write every answer rated thumbs down or marked 'bron klopt niet' as a candidate eval-set "
        "line. Review each line and fill in evidence and answer_facts before adding it to an eval set.",
    )
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument("--index", metavar="DIR", help="index folder; feedback lives in its data dir")
    export.set_defaults(func=cmd_feedback_export)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
