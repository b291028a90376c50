"""A design-review report of a run, a comparison or an SLO search, as data (no Qt).

A :class:`Report` is a title, a line of facts and sections of blocks: paragraphs, tables of
figures and charts (matplotlib Figures). The builders here fill one from what the core
returned; ``simulation.report_render`` writes it as a self-contained HTML page (images
inlined as base64 data URIs) or as Markdown with PNGs beside it, and the charts as PNG/SVG and
the tables as CSV. The Design Lab and the CLI (``simulate/compare … --report OUT``) share it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from freightlab import numbers as fmt
from simulation.results import Comparison, Estimate, ReplicationResult, SimResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from designs.schema import Design
    from simulation.analytic import Prediction
    from simulation.slo import SloResult

NONE = "—"
Show = Callable[[float], str]

CHART_CAPTIONS = {  # what each chart of a run shows, for a reader without the app
    "Throughput": "Completed requests per second over simulated time, per class, against "
    "the offered rate (warm-up excluded).",
    "Latency": "Response-time percentiles over simulated time; theory's mean and p99 where "
    "queueing theory covers the design.",
    "Utilisation": "Busy workers over all workers per component over time; theory's "
    "utilisation dotted.",
    "Queue": "Requests waiting in each component's queue over time.",
    "Failures": "Failed requests per second, circuit-breaker open spans shaded, and "
    "replicas when the design autoscales.",
    "Comparison": "Throughput and worst-class p99 against offered rate, every design on the "
    "same random arrivals (common random numbers); each design's knee circled.",
    "SLO search": "Worst-class p99 at each rate tried; the objective dashed; rates that met "
    "it in green, misses in red.",
}
VERDICT_COLOURS = {"stable": "#2e7d32", "degraded": "#b26a00", "unstable": "#c62828"}


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # set in smaller type: method, caveats


@dataclass(frozen=True)
class Table:
    name: str  # a file-name-safe slug, for CSV
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    name: str  # file-name-safe slug
    title: str
    caption: str
    figure: Figure


Block = Paragraph | Table | Chart


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Report:
    title: str
    facts: list[str]  # one line under the title: seed, duration, when
    verdict: str | None = None  # stable / degraded / unstable, for a run
    sections: list[Section] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


def _slug(title: str) -> str:
    keep = "".join(ch if ch.isalnum() else "_" for ch in title.lower())
    return "_".join(part for part in keep.split("_") if part) or "chart"


def _opt(value: float | None, show: Show = fmt.num) -> str:
    return NONE if value is None else show(value)


def _ci(estimate: Estimate | None, value: float | None, show: Show = fmt.num) -> str:
    if estimate is None:
        return _opt(value, show)
    return f"{show(estimate.mean)} ± {show(estimate.half_width)}"


def _trimmed(table: Table) -> Table:
    """Without the columns that say nothing for this design (no theory, no cache…)."""
    keep = [c for c in range(len(table.headers)) if c == 0 or any(r[c] != NONE for r in table.rows)]
    rows = [[r[c] for c in keep] for r in table.rows]
    return Table(table.name, table.caption, [table.headers[c] for c in keep], rows)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------ a run
def class_rows(
    result: SimResult, prediction: Prediction | None, reps: ReplicationResult | None = None
) -> list[list[str]]:
    """One row per class, in the columns of :func:`class_table` (none trimmed); an unstable
    run has no steady state, so no latencies."""
    steady = result.verdict != "unstable"
    theory = prediction.classes if prediction and prediction.stable else {}
    rows = []
    for name, c in result.classes.items():
        th = theory.get(name)
        lat = c.latency_ms if steady and c.latency_ms.count else None
        est = reps.classes.get(name) if reps and steady else None
        rows.append(
            [
                name,
                fmt.count(c.offered),
                fmt.count(c.completed),
                fmt.count(c.rejected + c.dropped + c.timed_out + c.failed),
                _ci(est.throughput_rps if est else None, c.throughput_rps),
                _ci(est.latency_mean_ms if est else None, lat.mean if lat else None, fmt.ms),
                _opt(th.mean_response_ms if th else None, fmt.ms),
                _opt(lat.p50 if lat else None, fmt.ms),
                _opt(lat.p95 if lat else None, fmt.ms),
                _ci(est.latency_p99_ms if est else None, lat.p99 if lat else None, fmt.ms),
                _opt(th.percentiles_ms.get("p99") if th else None, fmt.ms),
            ]
        )
    return rows


def class_table(
    result: SimResult, prediction: Prediction | None, reps: ReplicationResult | None = None
) -> Table:
    headers = ["class", "offered", "completed", "lost", "req/s", "mean", "theory mean"]
    headers += ["p50", "p95", "p99", "theory p99"]
    rows = class_rows(result, prediction, reps)
    return _trimmed(Table("classes", "Request classes (after warm-up)", headers, rows))


def component_table(result: SimResult, prediction: Prediction | None) -> Table:
    theory = prediction.components if prediction else {}
    rows = []
    for name, s in result.components.items():
        th = theory.get(name)
        exact = th if th and not th.is_delay else None
        rows.append(
            [
                name + (" (bottleneck)" if name == result.bottleneck else ""),
                s.kind,
                NONE if s.workers is None else fmt.count(s.workers),
                fmt.pct(s.utilization) if s.workers else NONE,
                _opt(exact.utilization if exact else None, fmt.pct),
                fmt.ms(s.mean_wait_ms),
                _opt(exact.mean_wait_ms if exact else None, fmt.ms),
                fmt.num(s.mean_queue_len),
                fmt.count(s.dropped + s.failed),
                _opt(s.hit_ratio, fmt.pct),
                f"{s.cost_per_hour:.3f}",
            ]
        )
    headers = ["component", "kind", "workers", "util", "theory util", "wait", "theory wait"]
    headers += ["queue", "dropped+failed", "hit ratio", "cost/h"]
    return _trimmed(Table("components", "Components", headers, rows))


def _run_facts(result: SimResult, reps: ReplicationResult | None) -> list[str]:
    facts = [
        f"seed {result.seed}",
        f"{fmt.seconds(result.duration_s - result.warmup_s)} measured after"
        f" {fmt.seconds(result.warmup_s)} warm-up",
        f"{fmt.count(result.events)} engine events",
        f"cost {result.cost_per_hour:,.2f} per hour",
        f"generated {_now()}",
    ]
    if reps is not None:
        facts.insert(1, f"{len(reps.runs)} replications (95% intervals)")
    return facts


def _run_summary(
    design: Design,
    result: SimResult,
    prediction: Prediction | None,
    gaps: Sequence[str],
    reps: ReplicationResult | None,
) -> list[Block]:
    """What the design is, the verdict, the bottleneck and what theory says."""
    from simulation.theory_check import theory_summary
    from simulation.verdict import verdict_sentences

    summary: list[Block] = (
        [Paragraph(design.description.strip())] if design.description.strip() else []
    )
    summary += [Paragraph(t) for t in verdict_sentences(result)]
    summary.append(Paragraph(f"Bottleneck: {result.bottleneck}. {result.bottleneck_explanation}"))
    summary.append(Paragraph(theory_summary(reps or result, prediction, gaps)))
    return summary


def run_report(
    design: Design,
    result: SimResult,
    prediction: Prediction | None,
    gaps: Sequence[str],
    replications: ReplicationResult | None = None,
) -> Report:
    """Summary with theory, the diagram, every chart and the figures of one run."""
    from simulation.charts import result_figures
    from simulation.diagram import diagram_figure

    diagram = Chart(
        "diagram",
        "Design",
        "Components in request-flow order; fill = utilisation (green idle, red saturated), "
        "the bottleneck framed in red.",
        diagram_figure(design, result),
    )
    charts: list[Block] = [
        Chart(_slug(title), title, CHART_CAPTIONS.get(title, ""), fig)
        for title, fig in result_figures(result, prediction).items()
    ]
    figures: list[Block] = [
        class_table(result, prediction, replications),
        component_table(result, prediction),
    ]
    return Report(
        title=result.design,
        facts=_run_facts(result, replications),
        verdict=result.verdict,
        sections=[
            Section("Summary", _run_summary(design, result, prediction, gaps, replications)),
            Section("Design", [diagram]),
            Section("Figures", figures),
            Section("Charts", charts),
        ],
    )


# ----------------------------------------------------------------------- a comparison
def _p99(r: SimResult) -> float | None:
    if r.verdict == "unstable":
        return None
    return max((c.latency_ms.p99 for c in r.classes.values()), default=None)


def sweep_table(comparison: Comparison) -> Table:
    rows = [
        [
            s.design + (" (best)" if s.design == comparison.best_design else ""),
            _opt(s.knee_rps, fmt.rate),
            _opt(s.last_healthy_rps, fmt.rate),
            _opt(s.capacity_estimate_rps, fmt.rate),
        ]
        for s in comparison.sweeps
    ]
    headers = ["design", "knee (first unhealthy rate)", "last healthy rate", "capacity bound"]
    return Table("designs", "Saturation per design", headers, rows)


def points_table(comparison: Comparison) -> Table:
    rows = []
    for s in comparison.sweeps:
        for p in s.points:
            r = p.result
            rows.append(
                [
                    s.design,
                    fmt.rate(p.rate_rps),
                    fmt.num(sum(c.throughput_rps for c in r.classes.values())),
                    _opt(_p99(r), fmt.ms),
                    r.verdict,
                    "yes" if p.healthy else "no",
                    r.bottleneck,
                ]
            )
    headers = ["design", "offered", "completed/s", "worst p99", "verdict", "healthy", "bottleneck"]
    return Table("points", "Every run of the sweep", headers, rows)


HEALTHY_NOTE = (
    "A rate is healthy when the run is stable, completes at least 95% of what it was offered "
    "and its p99 stays within 5x the lightest rate's."
)


def _comparison_summary(comparison: Comparison) -> list[Block]:
    summary: list[Block] = [
        Paragraph(
            f"Best under load: {comparison.best_design} (the latest knee, then the highest "
            "healthy rate, then the lowest p99 at the top rate)."
        )
    ]
    for s in comparison.sweeps:
        knee = (
            "no knee within the rates" if s.knee_rps is None else f"knee at {fmt.rate(s.knee_rps)}"
        )
        cap = s.capacity_estimate_rps
        bound = "" if cap is None else f", capacity bound {fmt.rate(cap)}"
        summary.append(Paragraph(f"{s.design}: {knee}{bound}."))
    summary.append(Paragraph(HEALTHY_NOTE, note=True))
    return summary


def comparison_report(
    designs: Sequence[Design], comparison: Comparison, slo: Sequence[SloResult] = ()
) -> Report:
    """The designs side by side over a rate sweep on common random numbers."""
    from simulation.charts import comparison_figure
    from simulation.diagram import diagram_figure

    facts = [
        f"{len(comparison.sweeps)} designs",
        f"rates {', '.join(fmt.num(r) for r in comparison.rates)} req/s",
        f"seed {comparison.seed} for every run (common random numbers)",
        f"generated {_now()}",
    ]
    chart = Chart(
        "comparison", "Comparison", CHART_CAPTIONS["Comparison"], comparison_figure(comparison)
    )
    diagrams: list[Block] = [
        Chart(f"diagram_{i + 1}", d.name, d.description.strip() or "The design.", diagram_figure(d))
        for i, d in enumerate(designs)
    ]
    sections = [
        Section("Summary", _comparison_summary(comparison)),
        Section("Charts", [chart]),
        *(slo_section(result) for result in slo),
        Section("Figures", [sweep_table(comparison), points_table(comparison)]),
        Section("Designs", diagrams),
    ]
    names = ", ".join(s.design for s in comparison.sweeps)
    return Report(title=f"Comparison: {names}", facts=facts, sections=sections)


# ------------------------------------------------------------------------- SLO search
def slo_section(result: SloResult) -> Section:
    from simulation.slo_chart import slo_figure

    best = "no rate tried" if result.best_rps is None else fmt.rate(result.best_rps)
    miss = (
        "" if result.first_miss_rps is None else f"; misses from {fmt.rate(result.first_miss_rps)}"
    )
    rows = [
        [fmt.rate(p.rate_rps), fmt.ms(p.p99_ms), p.verdict, "meets" if p.meets else "misses"]
        for p in sorted(result.points, key=lambda p: p.rate_rps)
    ]
    return Section(
        f"SLO search: {result.design}, p99 ≤ {fmt.ms(result.p99_slo_ms)}",
        [
            Paragraph(f"Highest rate that meets the objective: {best}{miss}."),
            Chart(
                _slug(f"slo {result.design}"),
                "SLO search",
                CHART_CAPTIONS["SLO search"],
                slo_figure(result),
            ),
            Table(
                _slug(f"slo points {result.design}"),
                "Rates tried",
                ["rate", "worst p99", "verdict", "objective"],
                rows,
            ),
        ],
    )


def slo_report(design: Design, result: SloResult) -> Report:
    from simulation.diagram import diagram_figure

    facts = [f"{len(result.points)} runs", f"seed {design.workload.seed}", f"generated {_now()}"]
    diagram = Chart("diagram", "Design", "The design searched.", diagram_figure(design))
    return Report(
        title=f"SLO search: {result.design}",
        facts=facts,
        sections=[slo_section(result), Section("Design", [diagram])],
    )


__all__ = [
    "Chart",
    "Paragraph",
    "Report",
    "Section",
    "Table",
    "comparison_report",
    "run_report",
    "slo_report",
]
