"""Every rehearsal attempt, kept locally in SQLite: its scorecard, design and time used.

One file (the app puts it in the user's data directory); each attempt is written in one
transaction, so a crash never leaves half an attempt. The schema is versioned with
``PRAGMA user_version``; a file from a newer Freightlab is refused rather than misread.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from freightlab.errors import InputError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exercise TEXT NOT NULL,          -- the exercise file's stem
    exercise_name TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL,       -- ISO 8601, UTC
    seconds_used REAL NOT NULL,
    hints_used INTEGER NOT NULL,
    score REAL NOT NULL,             -- after what the hints cost
    max_score REAL NOT NULL,
    grade TEXT NOT NULL,
    passed INTEGER NOT NULL,
    design_name TEXT NOT NULL,
    design_toml TEXT NOT NULL,
    scorecard_json TEXT NOT NULL,
    estimates_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise, id);
"""
_COLUMNS = (
    "exercise",
    "exercise_name",
    "follow_up",
    "finished_at",
    "seconds_used",
    "hints_used",
    "score",
    "max_score",
    "grade",
    "passed",
    "design_name",
    "design_toml",
    "scorecard_json",
    "estimates_json",
)


@dataclass(frozen=True)
class Attempt:
    exercise: str
    exercise_name: str
    seconds_used: float
    hints_used: int
    score: float
    max_score: float
    grade: str
    passed: bool
    design_name: str
    design_toml: str
    scorecard: dict[str, Any]
    estimates: list[dict[str, Any]] = field(default_factory=list)
    follow_up: str = ""
    finished_at: str = ""  # filled in when saved
    id: int | None = None

    @property
    def share(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


class AttemptStore:
    """Attempts in one SQLite file, created on first use (with its folder)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"{self.path}: attempt history from a newer Freightlab "
                    f"(schema {version}, this one reads {SCHEMA_VERSION})"
                )
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path)
        except sqlite3.Error as exc:
            raise InputError(f"{self.path}: cannot open the attempt history ({exc})") from None
        try:
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a readable attempt history ({exc})") from None
        finally:
            db.close()

    def add(self, attempt: Attempt) -> Attempt:
        """Save ``attempt``; returns it with its id and time."""
        finished = attempt.finished_at or datetime.now(UTC).isoformat(timespec="seconds")
        row = _row(attempt, finished)
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._connect() as db:
            cur = db.execute(f"INSERT INTO attempts ({', '.join(_COLUMNS)}) VALUES ({marks})", row)
            new_id = int(cur.lastrowid or 0)
        return _with(attempt, id=new_id, finished_at=finished)

    def attempts(self, exercise: str | None = None) -> list[Attempt]:
        """Oldest first; only one exercise's when given."""
        query = f"SELECT id, {', '.join(_COLUMNS)} FROM attempts"
        args: tuple[Any, ...] = ()
        if exercise is not None:
            query += " WHERE exercise = ?"
            args = (exercise,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id", args).fetchall()
        return [_attempt(r) for r in rows]

    def get(self, attempt_id: int) -> Attempt:
        query = f"SELECT id, {', '.join(_COLUMNS)} FROM attempts WHERE id = ?"
        with self._connect() as db:
            row = db.execute(query, (attempt_id,)).fetchone()
        if row is None:
            raise InputError(f"{self.path}: no attempt {attempt_id}")
        return _attempt(row)


def _row(a: Attempt, finished: str) -> tuple[Any, ...]:
    return (
        a.exercise,
        a.exercise_name,
        a.follow_up,
        finished,
        a.seconds_used,
        a.hints_used,
        a.score,
        a.max_score,
        a.grade,
        int(a.passed),
        a.design_name,
        a.design_toml,
        json.dumps(a.scorecard, allow_nan=False),
        json.dumps(a.estimates, allow_nan=False),
    )


def _attempt(row: tuple[Any, ...]) -> Attempt:
    values = dict(zip(("id", *_COLUMNS), row, strict=True))
    return Attempt(
        id=int(values["id"]),
        exercise=values["exercise"],
        exercise_name=values["exercise_name"],
        follow_up=values["follow_up"],
        finished_at=values["finished_at"],
        seconds_used=float(values["seconds_used"]),
        hints_used=int(values["hints_used"]),
        score=float(values["score"]),
        max_score=float(values["max_score"]),
        grade=values["grade"],
        passed=bool(values["passed"]),
        design_name=values["design_name"],
        design_toml=values["design_toml"],
        scorecard=json.loads(values["scorecard_json"]),
        estimates=json.loads(values["estimates_json"]),
    )


def _with(a: Attempt, **changes: Any) -> Attempt:
    from dataclasses import replace

    return replace(a, **changes)
