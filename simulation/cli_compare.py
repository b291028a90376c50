"""What `compare` runs: designs and rates from the command line or a preset file, one design
in variants (``--vary``), and the matcher batching report when the variation is a window."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from freightlab.errors import InputError

if TYPE_CHECKING:
    from designs.schema import Design
    from simulation.results import Comparison
    from simulation.variants import Vary


@dataclass
class CompareInputs:
    designs: list[Design]
    rates: list[float]
    duration_s: float | None
    seed: int | None
    vary: Vary | None


def add_options(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--preset",
        metavar="PRESET.toml",
        help="designs, rates and --vary from a preset file (designs/presets/); options win",
    )
    c.add_argument(
        "--vary",
        metavar="COMPONENT.FIELD=V1,V2",
        help="compare one design in variants, e.g. matcher.batch_window_ms=0,1000,60000",
    )


def compare_inputs(args: argparse.Namespace) -> CompareInputs:
    from designs.loader import load_design
    from simulation.sweeps import parse_rates
    from simulation.variants import load_preset, parse_vary, variants

    paths: list[Any] = list(args.designs)
    rates_text, vary_text = args.rates, args.vary
    duration, seed = args.duration, args.seed
    if args.preset:
        preset, preset_paths = load_preset(args.preset)
        paths = paths or preset_paths
        rates_text = rates_text or preset.rates
        vary_text = vary_text or preset.vary
        duration = duration if duration is not None else preset.duration_s
        seed = seed if seed is not None else preset.seed
    if not paths:
        raise InputError("give at least one DESIGN.toml (or --preset FILE)")
    if not rates_text:
        raise InputError("--rates is required (e.g. --rates 100,200,400), or a --preset with rates")
    try:
        rates = parse_rates(rates_text)
    except InputError as exc:
        raise InputError(f"--rates: {exc}") from None
    designs = [load_design(p) for p in paths]
    vary = parse_vary(vary_text) if vary_text else None
    if vary is not None:
        if len(designs) != 1:
            raise InputError(f"--vary varies one design; {len(designs)} were given")
        designs = variants(designs[0], vary)
    return CompareInputs(designs, rates, duration, seed, vary)


def batching_report(
    inputs: CompareInputs, comparison: Comparison, *, quiet: bool
) -> dict[str, Any] | None:
    """The trade-off table and the day's quality, when --vary sweeps a matcher's window."""
    vary = inputs.vary
    if vary is None or vary.field != "batch_window_ms":
        return None
    if inputs.designs[0].component(vary.component).kind != "matcher":
        return None
    from simulation.batch_tradeoff import day_quality, format_tradeoff, to_json, window_points

    points = window_points(comparison, vary.component, vary.values)
    quality = day_quality(vary.values, seed=inputs.seed or 1)
    if not quiet:
        print(format_tradeoff(points, quality))
    return to_json(points, quality)
