"""HTML for Rehearse's read-only panes: the brief, the reference card, the method (no logic)."""

from __future__ import annotations

import html

from designs.exercise import Exercise
from designs.interview import METHOD, InterviewClock
from designs.reference_card import LATENCIES, POWERS_OF_TWO, nines_table, rate_conversions
from freightlab import numbers as fmt
from simulation.estimates import EstimateCheck
from simulation.scorecard import HINT_COST, Scorecard, duration_text

STYLE = """
<style>
h2 { margin: 0 0 4px 0; color: #1a3d5c; }
h3 { margin: 12px 0 4px 0; color: #1a3d5c; }
td { padding: 2px 10px 2px 0; }
.tag { color: #1a3d5c; background: #dbe7f1; }
.easy { color: #1b5e20; background: #dcefdc; }
.medium { color: #7a4a00; background: #fbeccb; }
.hard { color: #8e1b1b; background: #f6d6d6; }
.muted { color: #5f6b76; }
.hint { background: #fff7e0; }
</style>
"""

_SHAPES = {
    "peak": "steady at the peak (Poisson)",
    "burst": "bursts of {burst_factor:g}x the rate for about {burst_duration_s:g} s, "
    "every {burst_every_s:g} s or so",
    "diurnal": "a day compressed into the run, peaking at the rate (swing ±{amp:.0%})",
}


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in rows
    )


def requirement_rows(exercise: Exercise) -> list[tuple[str, str]]:
    req = exercise.requirements
    minute = float(f"{req.rate_rps * 60:.3g}")  # three significant figures
    per_minute = f" (about {fmt.num(minute)} a minute)" if req.rate_rps >= 1000 else ""
    rows = [("Peak load", f"{req.rate_rps:,g} requests/s{per_minute}")]
    if req.class_p99_ms:
        for cls, ms in req.class_p99_ms.items():
            rows.append((f"Response p99 ({cls})", f"≤ {duration_text(ms)}"))
    if set(exercise.traffic.mix) - set(req.class_p99_ms) or not req.class_p99_ms:
        rows.append(("Response p99", f"≤ {duration_text(req.p99_ms)}"))
    if req.e2e_p99_ms is not None:
        rows.append(("End-to-end p99", f"≤ {duration_text(req.e2e_p99_ms)}"))
    rows.append(("Success ratio", f"≥ {req.min_success:.1%}"))
    rows.append(("Headroom", f"≥ {req.min_headroom:.2f}x the peak"))
    if req.max_workers is not None:
        rows.append(("Budget", f"≤ {req.max_workers} workers and connections"))
    if req.max_cost_per_hour is not None:
        rows.append(("Budget", f"≤ ${req.max_cost_per_hour:,.2f} an hour"))
    for name, ms in req.fixed_service_ms.items():
        rows.append((f"Fixed work: {name}", f"{duration_text(ms)} mean"))
    for name, most in req.max_servers.items():
        rows.append((f"Limit: {name}", f"≤ {most} workers or connections"))
    return rows


def traffic_text(exercise: Exercise) -> str:
    t = exercise.traffic
    text = _SHAPES[t.shape].format(
        burst_factor=t.burst_factor,
        burst_duration_s=t.burst_duration_s,
        burst_every_s=t.burst_every_s,
        amp=t.amplitude,
    )
    if t.mix:
        total = sum(t.mix.values())
        text += "; mix " + ", ".join(f"{k} {v / total:.0%}" for k, v in t.mix.items())
    for f in t.faults:
        text += f"; {f.component} {f.kind} at {f.at_s:g} s for {f.duration_s:g} s"
    if t.slices and t.slices > 1:
        text += f"; scored as up to {t.slices} identical cells, one simulated (exact)"
    return text


def brief_html(exercise: Exercise, hints_shown: int, follow_up_prompt: str = "") -> str:
    paragraphs = "".join(
        f"<p>{html.escape(p.strip())}</p>" for p in exercise.brief.strip().split("\n\n")
    )
    follow = (
        f"<p class='hint'><b>Follow-up.</b> {html.escape(follow_up_prompt)}</p>"
        if follow_up_prompt
        else ""
    )
    hints = "".join(f"<li class='hint'>{html.escape(h)}</li>" for h in exercise.hints[:hints_shown])
    left = len(exercise.hints) - hints_shown
    hint_note = (
        f"<p class='muted'>{left} more hint(s), {HINT_COST:g} points each.</p>" if left else ""
    )
    return (
        STYLE
        + f"<h2>{html.escape(exercise.name)}</h2>"
        + f"<p><span class='tag'>&nbsp;{html.escape(exercise.topic)}&nbsp;</span> &nbsp;"
        f"<span class='{exercise.difficulty}'>&nbsp;{exercise.difficulty}&nbsp;</span></p>"
        + follow
        + paragraphs
        + f"<h3>Requirements</h3><table>{_rows(requirement_rows(exercise))}</table>"
        + f"<h3>Traffic</h3><p>{html.escape(traffic_text(exercise))}; "
        f"{exercise.requirements.replications} runs of "
        f"{duration_text(exercise.requirements.duration_s * 1000)}.</p>"
        + (f"<h3>Hints</h3><ol>{hints}</ol>" if hints else "")
        + hint_note
    )


def reference_card_html() -> str:
    latency = _rows(list(LATENCIES))
    powers = _rows([(f"2^{p}", f"about a {name}") for p, name in POWERS_OF_TWO])
    rates = _rows(rate_conversions())
    nines = "".join(
        f"<tr><td><b>{a}</b></td><td>{y} a year</td><td>{m} a month</td></tr>"
        for a, y, m in nines_table()
    )
    return (
        STYLE
        + "<h2>Reference card</h2>"
        + f"<h3>Latencies (orders of magnitude)</h3><table>{latency}</table>"
        + f"<h3>Powers of two</h3><table>{powers}</table>"
        + f"<h3>Rates</h3><table>{rates}</table>"
        + f"<h3>Nines and downtime</h3><table>{nines}</table>"
        + "<p class='muted'>Latencies after the widely shared “numbers every programmer "
        "should know” (Jeff Dean; Peter Norvig), rounded and updated for SSDs; rates and "
        "downtime are computed.</p>"
    )


def method_html(clock: InterviewClock) -> str:
    items = "".join(
        f"<li><b>{html.escape(s.title)}</b> "
        f"<span class='muted'>(about {clock.planned_s(i) / 60:.0f} min)</span><br>"
        f"{html.escape(s.what)}</li>"
        for i, s in enumerate(METHOD)
    )
    return STYLE + f"<h2>The four-step method</h2><ol>{items}</ol>"


_VERDICT_COLOURS = {"good": "#2e7d32", "ballpark": "#ef6c00", "off": "#c62828"}


def estimates_html(checks: list[EstimateCheck]) -> str:
    """Your estimates against the truth, one line each, for the scorecard."""
    if not checks:
        return ""
    rows = []
    for c in checks:
        colour = _VERDICT_COLOURS.get(c.verdict, "#5f6b76")
        yours = "—" if c.answer is None else fmt.num(c.answer)
        rows.append(
            f"<tr><td>{html.escape(c.name.replace('_', ' '))}</td><td>{yours}</td>"
            f"<td>{fmt.num(c.truth)} {html.escape(c.unit)}</td>"
            f"<td style='color:{colour}'><b>{html.escape(c.verdict)}</b>"
            + (f" ({c.factor:,.1f}x off)" if c.factor and c.factor >= 1.05 else "")
            + "</td></tr>"
        )
    head = "<tr><th align='left'>estimate</th><th>yours</th><th>truth</th><th></th></tr>"
    return f"<b>Estimates</b><table cellspacing='3'>{head}{''.join(rows)}</table>"


def advice_html(card: Scorecard) -> str:
    """The bottleneck and what would fix it; how the design was simulated, in grey."""
    text = f"<b>Bottleneck: {html.escape(card.bottleneck)}.</b> {html.escape(card.advice)}"
    for note in card.notes:
        line = note[:1].upper() + note[1:]
        text += f"<br><span style='color:#5f6b76'>{html.escape(line)}.</span>"
    return text
