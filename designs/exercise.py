"""Rehearsal exercises: a brief, measurable requirements, and a starter design.

Requirements are numbers a simulation can check (rate, p99, success ratio, a worker budget),
so a candidate's answer is judged by what their design does, not by keywords.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from designs.bounds import MAX_FILE_BYTES
from designs.loader import load_design
from designs.prescan import check_size, check_text
from designs.schema import Design
from freightlab.errors import InputError, InputErrors
from freightlab.paths import resolve_inside

EXERCISES = Path(__file__).resolve().parent / "exercises"
CATALOG = Path(__file__).resolve().parent / "catalog"

PosFloat = Annotated[float, Field(gt=0)]


class Requirements(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_rps: PosFloat  # the peak the design is run at (every class scaled together)
    p99_ms: PosFloat  # response-time p99 for every request class
    e2e_p99_ms: PosFloat | None = None  # end to end through a queue, where there is one
    min_success: Annotated[float, Field(gt=0, le=1)] = 0.999  # completed / offered
    max_workers: Annotated[int, Field(gt=0)] | None = None  # the cost budget
    min_headroom: Annotated[float, Field(ge=1)] = 1.2  # capacity / rate at the bottleneck
    # Work the candidate may not wish away: component name -> least mean service ms.
    fixed_service_ms: dict[str, PosFloat] = Field(default_factory=dict)
    duration_s: PosFloat = 600.0
    warmup_s: Annotated[float, Field(ge=0)] = 120.0
    seed: int = 7


class Exercise(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    brief: str
    requirements: Requirements
    starter: str  # a catalog file name (e.g. "database_direct.toml")
    hints: list[str] = Field(default_factory=list)

    def starter_path(self) -> Path:
        return CATALOG / self.starter

    def starter_design(self) -> Design:
        return load_design(self.starter_path())


def load_exercise(path: str | os.PathLike[str]) -> Exercise:
    """Read and validate an exercise; problems name the file and the field."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            check_size(p.stat().st_size, str(p))
        text = p.read_text(encoding="utf-8")
        check_text(text, str(p))
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(f"{p}: no such exercise file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: not a readable TOML exercise ({exc})") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. a 5,000-digit integer
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{p}: not a readable exercise: {str(exc).split(';')[0]}") from None
    try:
        exercise = Exercise.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"field '{'.'.join(str(x) for x in err['loc'])}': {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
        raise InputErrors(str(p), problems) from None
    _check_design_names(exercise, p)
    if not exercise.starter_path().is_file():
        raise InputError(f"{p}: field 'starter': no catalog design {exercise.starter!r}")
    return exercise


def _check_design_names(exercise: Exercise, source: Path) -> None:
    """Design files an exercise names stay inside the catalog and exercises folders, looked
    up from either (``starter = "../../../../etc/hostname"`` is refused, not read)."""
    for field in ("starter", "reference"):
        name = getattr(exercise, field, None)
        if isinstance(name, str):
            for base in (CATALOG, EXERCISES / "designs"):
                resolve_inside(name, base, (CATALOG, EXERCISES), source=source, field=field)


def catalog_exercises() -> list[Path]:
    return sorted(EXERCISES.glob("*.toml"))
