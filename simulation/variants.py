"""One design in several variants (``compare --vary matcher.batch_window_ms=0,1000,60000``),
and compare presets: TOML files naming the designs, rates and variation of a comparison.

A variant is the design with one numeric field of one component set to each value,
validated again like a loaded file, so a value the field cannot take is refused naming the
component and field. Preset paths are relative to the preset file.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from designs.schema import Design
from freightlab.errors import InputError


@dataclass(frozen=True)
class Vary:
    component: str
    field: str
    values: list[float]

    def label(self, value: float) -> str:
        return f"{self.component}.{self.field}={value:g}"


def parse_vary(text: str) -> Vary:
    """'matcher.batch_window_ms=0,100,1000' -> Vary; an InputError says what is wrong."""
    target, sep, values = text.partition("=")
    component, dot, field = target.strip().rpartition(".")
    if not sep or not dot or not component or not field:
        raise InputError(f"--vary: expected COMPONENT.FIELD=V1,V2,..., got {text!r}")
    numbers: list[float] = []
    for part in values.replace(",", " ").split():
        try:
            v = float(part)
        except ValueError:
            raise InputError(f"--vary: {part!r} is not a number") from None
        if not math.isfinite(v):
            raise InputError(f"--vary: {part!r} is not a finite number")
        numbers.append(v)
    if not numbers:
        raise InputError(f"--vary: give at least one value for {target.strip()}")
    return Vary(component, field, numbers)


def variants(design: Design, vary: Vary) -> list[Design]:
    """The design once per value, named after it; InputError for an unknown target."""
    from designs.loader import design_from_dict

    if vary.component not in design.component_names():
        raise InputError(f"--vary: design '{design.name}' has no component '{vary.component}'")
    comp = design.component(vary.component)
    if vary.field not in type(comp).model_fields or vary.field in ("name", "kind"):
        raise InputError(f"--vary: a component has no numeric field '{vary.field}'")
    out = []
    for value in vary.values:
        data = design.model_dump(exclude_none=True)
        for c in data["components"]:
            if c["name"] == vary.component:
                c[vary.field] = int(value) if value.is_integer() else value
        data["name"] = f"{design.name} [{vary.label(value)}]"
        out.append(design_from_dict(data, f"--vary {vary.label(value)}"))
    return out


class Preset(BaseModel):
    """A saved comparison: ``compare --preset FILE``."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    designs: list[str] = Field(min_length=1)
    rates: str
    vary: str | None = None
    duration_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    seed: int | None = None


def load_preset(path: str | Path) -> tuple[Preset, list[Path]]:
    """The preset and its design paths (resolved against the preset's folder)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: no such preset file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: TOML syntax error: {exc}") from None
    try:
        preset = Preset.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "file"
        raise InputError(f"{p}: field '{where}': {first['msg']}") from None
    return preset, [(p.parent / d).resolve() for d in preset.designs]
