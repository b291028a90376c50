"""Rehearsal exercises: a brief, measurable requirements, and a starter design.

Requirements are numbers a simulation can check (rate, p99, success ratio, a worker budget),
so a candidate's answer is judged by what their design does, not by keywords.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from designs.bounds import MAX_FILE_BYTES
from designs.loader import load_design
from designs.prescan import check_size, check_text
from designs.schema import Design, Fault, Keys
from freightlab.errors import InputError, InputErrors
from freightlab.paths import resolve_inside

EXERCISES = Path(__file__).resolve().parent / "exercises"
CATALOG = Path(__file__).resolve().parent / "catalog"
# Starters and references written for an exercise (the catalog's designs serve too).
EXERCISE_DESIGNS = EXERCISES / "designs"

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
    # Limits the candidate may not lift: component name -> most servers per replica x replicas.
    max_servers: dict[str, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)
    # Failures the candidate may not wish away: component name -> least fail_ratio.
    fixed_fail_ratio: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    duration_s: PosFloat = 600.0
    warmup_s: Annotated[float, Field(ge=0)] = 120.0
    seed: int = 7
    # Per request class p99 targets that replace p99_ms for those classes.
    class_p99_ms: dict[str, PosFloat] = Field(default_factory=dict)
    max_cost_per_hour: PosFloat | None = None  # the budget in money, where the engine costs
    replications: Annotated[int, Field(ge=1, le=10)] = 3  # seeds seed, seed+1, ...


DesignFile = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+\.toml$")]


class Traffic(BaseModel):
    """The traffic the exercise tests with, imposed on the candidate's request classes.

    peak: Poisson at the requirement's rate. burst: Poisson at the rate with bursts of
    ``burst_factor`` x the rate. diurnal: a compressed day whose peak is the rate. ``mix``
    fixes each request class's share (the design must have those classes); ``keys`` fixes
    the key popularity; ``faults`` are injected into the named components. ``slices`` (opt-in)
    scores a design that splits exactly into k <= slices identical cells on one of them.
    """

    model_config = ConfigDict(extra="forbid")

    shape: Literal["peak", "burst", "diurnal"] = "peak"
    burst_factor: Annotated[float, Field(gt=1)] = 3.0
    burst_every_s: PosFloat = 60.0
    burst_duration_s: PosFloat = 10.0
    amplitude: Annotated[float, Field(gt=0, le=1)] = 0.5
    mix: dict[str, PosFloat] = Field(default_factory=dict)
    keys: Keys | None = None
    keys_for: list[str] = Field(default_factory=list)  # classes given ``keys`` (empty: all)
    faults: list[Fault] = Field(default_factory=list)
    # Opt-in: score 1 of up to this many identical cells, exactly (simulation/slicing.py).
    slices: Annotated[int, Field(ge=1, le=1024)] | None = None


EstimateSource = Literal[
    "peak_rps",
    "busy_workers",
    "concurrent",
    "cache_entries",
    "storage_gb_per_day",
    "offered_load",
    "servers_needed",
]


class EstimateQuestion(BaseModel):
    """A back-of-envelope question, answered by theory or by the reference's simulation.

    peak_rps: the peak rate. busy_workers / concurrent: mean busy workers / requests in
    ``component`` (Little's law) in the reference's run. cache_entries: the LRU capacity
    whose hit ratio reaches ``hit_ratio`` under the traffic's keys (Che's approximation).
    storage_gb_per_day: ``bytes_per_request`` x the day's requests of ``request_class``.
    offered_load: busy servers at the peak by Little's law, peak rate (of ``request_class``)
    x ``service_ms`` (else the exercise's fixed time for ``component``).
    servers_needed: the fewest servers of that load so that at most ``wait_ratio`` of
    requests wait for one (Erlang C, M/M/c): workers of a tier, connections of a pool.
    The theory sources are checked as the candidate types; the simulation ones at scoring.
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    question: str
    unit: str = ""
    source: EstimateSource
    component: str | None = None
    request_class: str | None = None
    hit_ratio: Annotated[float, Field(gt=0, lt=1)] | None = None
    bytes_per_request: PosFloat | None = None
    service_ms: PosFloat | None = None
    wait_ratio: Annotated[float, Field(gt=0, lt=1)] | None = None

    @model_validator(mode="after")
    def _needs(self) -> EstimateQuestion:
        need = {
            "busy_workers": ("component",),
            "concurrent": ("component",),
            "cache_entries": ("hit_ratio",),
            "storage_gb_per_day": ("bytes_per_request",),
            "servers_needed": ("wait_ratio",),
        }.get(self.source, ())
        for fname in need:
            if getattr(self, fname) is None:
                raise ValueError(f"source '{self.source}' needs field '{fname}'")
        theory_load = self.source in ("offered_load", "servers_needed")
        if theory_load and self.service_ms is None and self.component is None:
            raise ValueError(f"source '{self.source}' needs 'service_ms' or 'component'")
        return self


class FollowUp(BaseModel):
    """The interviewer raises the stakes once the design passes: more traffic, a failure."""

    model_config = ConfigDict(extra="forbid")

    title: str
    prompt: str
    rate_factor: PosFloat = 1.0
    faults: list[Fault] = Field(default_factory=list)
    requirements: dict[str, object] = Field(default_factory=dict)  # fields to override
    traffic: dict[str, object] = Field(default_factory=dict)  # traffic fields to override

    @model_validator(mode="after")
    def _known_fields(self) -> FollowUp:
        for fname in self.requirements:
            if fname not in Requirements.model_fields:
                raise ValueError(f"requirements: '{fname}' is not a requirement")
        for fname in self.traffic:
            if fname not in Traffic.model_fields or fname == "faults":
                raise ValueError(f"traffic: '{fname}' is not a traffic field (faults: use faults)")
        return self


class Exercise(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    brief: str
    requirements: Requirements
    starter: str  # a catalog file name (e.g. "database_direct.toml")
    hints: list[str] = Field(default_factory=list)
    reference: DesignFile | None = None  # a design that passes (exercises/designs or catalog)
    topic: str = "general"
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    traffic: Traffic = Field(default_factory=Traffic)
    starter_fails: list[str] = Field(default_factory=list)  # requirement names it misses
    estimates: list[EstimateQuestion] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)

    def starter_path(self) -> Path:
        return _design_file(self.starter, "starter")

    def starter_design(self) -> Design:
        return load_design(self.starter_path())

    def reference_path(self) -> Path:
        if self.reference is None:
            raise InputError(f"exercise '{self.name}': field 'reference': no reference design")
        return _design_file(self.reference, "reference")

    def reference_design(self) -> Design:
        return load_design(self.reference_path())

    def follow_up(self, index: int) -> Exercise:
        """This exercise with follow-up ``index`` applied: the stakes raised, scored again."""
        step = self.follow_ups[index]
        req = self.requirements.model_dump()
        req["rate_rps"] = self.requirements.rate_rps * step.rate_factor
        req.update(step.requirements)
        traffic = self.traffic.model_dump()
        traffic.update(step.traffic)
        traffic["faults"] = [*self.traffic.faults, *step.faults]
        return self.model_copy(
            update={
                "name": f"{self.name}: {step.title}",
                "requirements": Requirements.model_validate(req),
                "traffic": Traffic.model_validate(traffic),
                "follow_ups": self.follow_ups[index + 1 :],
                "starter_fails": [],
            }
        )


def _design_file(name: str, field: str) -> Path:
    """An exercise's own designs first, then the catalog; plain file names only, so an
    exercise file cannot point outside those two folders."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise InputError(f"field '{field}': {name!r} must be a file name in the catalog")
    own = EXERCISE_DESIGNS / name
    return own if own.is_file() else CATALOG / name


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
    try:
        starter = exercise.starter_path()
        reference = exercise.reference_path() if exercise.reference is not None else None
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from None
    if not starter.is_file():
        raise InputError(f"{p}: field 'starter': no catalog design {exercise.starter!r}")
    if reference is not None and not reference.is_file():
        raise InputError(f"{p}: field 'reference': no exercise design {exercise.reference!r}")
    problems = _follow_up_problems(exercise) + _starter_fails_problems(exercise)
    if problems:
        raise InputErrors(str(p), problems)
    return exercise


def requirement_names(exercise: Exercise) -> set[str]:
    """The names the scorecard can give this exercise's requirements (see scorecard)."""
    req = exercise.requirements
    names = {"honest", "stable", "success", "p99", "headroom"}
    names |= {f"p99.{cls}" for cls in req.class_p99_ms}
    for name, present in (
        ("e2e_p99", req.e2e_p99_ms),
        ("workers", req.max_workers),
        ("cost", req.max_cost_per_hour),
    ):
        if present is not None:
            names.add(name)
    return names


def _starter_fails_problems(exercise: Exercise) -> list[str]:
    known = requirement_names(exercise)
    return [
        f"field 'starter_fails': '{name}' is not a requirement of this exercise"
        f" (one of {', '.join(sorted(known))})"
        for name in exercise.starter_fails
        if name not in known
    ]


def _follow_up_problems(exercise: Exercise) -> list[str]:
    problems = []
    for i in range(len(exercise.follow_ups)):
        try:
            exercise.follow_up(i)
        except ValidationError as exc:
            problems += [
                f"field 'follow_ups.{i}': {'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
                for err in exc.errors(include_url=False)
            ]
    return problems


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
