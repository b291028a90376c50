"""Numbers for people: one place that decides how a count, a time, a rate or a share reads.

Every sentence the app shows (summaries, bottleneck advice, theory checks, scorecards, the Lab)
formats through these functions, so the same quantity always reads the same way: thousands
separators, three significant figures at most where more would be noise, times in the unit a
person would use (ms, s, min, h), shares as percentages, never scientific notation.
"""

from __future__ import annotations

import math

# (upper bound in ms, divisor, unit): the first row whose bound exceeds the value is used.
_TIME_UNITS: tuple[tuple[float, float, str], ...] = (
    (1_000.0, 1.0, "ms"),
    (120_000.0, 1_000.0, "s"),
    (7_200_000.0, 60_000.0, "min"),
    (math.inf, 3_600_000.0, "h"),
)


def num(x: float, digits: int = 3) -> str:
    """A plain number: about ``digits`` significant figures, thousands separators, no
    exponent (0.000123 -> '0.000123', 19370.4 -> '19,370', 2.04e3 -> '2,040')."""
    if not math.isfinite(x):
        return "∞" if x > 0 else ("-∞" if x < 0 else "n/a")
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def count(n: float) -> str:
    """A whole count with thousands separators: 14349 -> '14,349'."""
    return f"{round(n):,}" if math.isfinite(n) else num(n)


def ms(x: float) -> str:
    """A duration given in milliseconds, in the unit that reads best: '0.52 ms', '215 ms',
    '1.94 s', '9.1 min', '2.5 h'."""
    if not math.isfinite(x):
        return num(x)
    for bound, div, unit in _TIME_UNITS:
        text = num(x / div)
        if abs(float(text.replace(",", ""))) * div < bound:  # 999.9 ms reads '1 s', not '1,000 ms'
            return f"{text} {unit}"
    raise AssertionError("unreachable: the last bound is infinite")  # pragma: no cover


def seconds(x: float) -> str:
    """A duration given in seconds (see ``ms``)."""
    return ms(x * 1000.0)


def clock(t_s: float) -> str:
    """A point of simulated time as m:ss or h:mm:ss ('20:00', '1:05:30')."""
    total = max(0, round(t_s))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def span(start_s: float, end_s: float) -> str:
    """A stretch of simulated time: '20:00–45:12'."""
    return f"{clock(start_s)}–{clock(end_s)}"


def pct(share: float, digits: int = 3) -> str:
    """A share (0.875 -> '87.5%', 7.5 -> '750%', 0.004 -> '0.4%')."""
    if not math.isfinite(share):
        return num(share)
    value = share * 100.0
    if abs(value) >= 100:
        return f"{value:,.0f}%"
    if abs(value) >= 1:
        return f"{value:.1f}".removesuffix(".0") + "%"
    return f"{num(value, min(digits, 2))}%"


def rate(rps: float, unit: str = "req/s") -> str:
    """A rate: '3.05 req/s', '1,234 req/s'."""
    return f"{num(rps)} {unit}"


def signed_pct(share: float) -> str:
    """A relative change with its sign: '+12%', '-3.4%'."""
    text = pct(abs(share))
    return ("-" if share < 0 else "+") + text
