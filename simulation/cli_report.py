"""``--report OUT.html`` (or ``OUT.md``) on ``simulate`` and ``compare``: a design-review
report of what the command ran (``simulation.report``), written atomically."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from designs.schema import Design
    from simulation.analytic import Prediction
    from simulation.results import Comparison, ReplicationResult, SimResult


def add_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--report",
        metavar="OUT.html",
        help="write a report: one self-contained HTML page, or Markdown with PNGs beside it "
        "when OUT ends in .md",
    )


def check(args: argparse.Namespace) -> None:
    """Refuse a report name that is neither .html nor .md before anything runs (exit 2)."""
    if getattr(args, "report", None):
        from simulation.report_render import report_format

        report_format(args.report)


def write_run(
    args: argparse.Namespace,
    design: Design,
    result: SimResult,
    prediction: Prediction | None,
    gaps: Sequence[str],
    replications: ReplicationResult | None,
) -> None:
    if not args.report:
        return
    from simulation.report import run_report
    from simulation.report_render import write_report

    paths = write_report(run_report(design, result, prediction, gaps, replications), args.report)
    print(f"report: {paths[0]}")


def write_comparison(
    args: argparse.Namespace, designs: Sequence[Design], comparison: Comparison
) -> None:
    if not args.report:
        return
    from simulation.report import comparison_report
    from simulation.report_render import write_report

    paths = write_report(comparison_report(designs, comparison), args.report)
    print(f"report: {paths[0]}")
