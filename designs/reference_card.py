"""The reference card a candidate keeps beside them: latencies, powers of two, rates, nines.

Figures are rounded orders of magnitude in our own words. The latency list follows the
widely shared "numbers every programmer should know" (Jeff Dean's talks, Peter Norvig's
"Teach Yourself Programming in Ten Years"), updated for SSDs and today's networks; rate and
downtime rows are computed, not typed in.
"""

from __future__ import annotations

SECONDS_PER_DAY = 86_400
SECONDS_PER_YEAR = 365.25 * SECONDS_PER_DAY

LATENCIES: tuple[tuple[str, str], ...] = (
    ("Read from the CPU's L1 cache", "about 1 ns"),
    ("Read from main memory", "about 100 ns"),
    ("Compress 1 KB with a fast codec", "a few µs"),
    ("Read 1 MB sequentially from memory", "about 10 µs"),
    ("Random read from an SSD", "about 100 µs"),
    ("Round trip inside one datacenter", "about 0.5 ms"),
    ("Read 1 MB sequentially from an SSD", "about 1 ms"),
    ("Disk seek (spinning disk)", "about 10 ms"),
    ("Read 1 MB sequentially from a spinning disk", "about 20 ms"),
    ("Round trip across a continent", "about 50-80 ms"),
    ("Round trip between continents", "about 150 ms"),
)

POWERS_OF_TWO: tuple[tuple[int, str], ...] = (
    (10, "thousand (KB)"),
    (20, "million (MB)"),
    (30, "billion (GB)"),
    (40, "trillion (TB)"),
    (50, "quadrillion (PB)"),
)

_PERIODS = (("day", SECONDS_PER_DAY), ("month", 30 * SECONDS_PER_DAY))
_COUNTS = (1e6, 1e8, 1e9)


def rate_conversions() -> list[tuple[str, str]]:
    """'1 M a day' -> 'about 12 a second', and a few more, computed."""
    rows = []
    for count in _COUNTS:
        for period, seconds in _PERIODS:
            rows.append(
                (f"{_count(count)} a {period}", f"about {_round(count / seconds)} a second")
            )
    rows.append(("1 M a minute", f"about {_round(1e6 / 60)} a second"))
    rows.append(("1 day", f"{SECONDS_PER_DAY:,} s, about 10^5 s"))
    return rows


def downtime(nines: int) -> tuple[str, str, str]:
    """Availability with ``nines`` nines -> (availability, downtime a year, a month)."""
    down = 10.0 ** (-nines)
    availability = f"{100 * (1 - down):.{max(0, nines - 2)}f}%"
    return availability, _duration(down * SECONDS_PER_YEAR), _duration(down * SECONDS_PER_YEAR / 12)


def nines_table() -> list[tuple[str, str, str]]:
    return [downtime(n) for n in range(2, 6)]


def _count(n: float) -> str:
    return f"{n / 1e9:g} B" if n >= 1e9 else f"{n / 1e6:g} M"


def _round(x: float) -> str:
    if x >= 100:
        return f"{round(x, -1 if x < 1000 else -2):,.0f}"
    return f"{x:.2g}" if x < 10 else f"{x:.0f}"


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size * 1.5 or (unit == "minutes" and seconds >= size):
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"
