"""Numbers for people: separators, units, percentages, never an exponent."""

from __future__ import annotations

import math

import pytest

from freightlab import numbers as fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0"), (0.000123, "0.000123"), (3.0495, "3.05"), (19370.4, "19,370"), (2.04e3, "2,040")],
)
def test_num(value: float, text: str) -> None:
    assert fmt.num(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.52, "0.52 ms"),
        (215.3, "215 ms"),
        (999.9, "1 s"),
        (1937.2, "1.94 s"),
        (543126.5, "9.05 min"),
        (9.0e6, "2.5 h"),
    ],
)
def test_ms_picks_the_unit(value: float, text: str) -> None:
    assert fmt.ms(value) == text


def test_shares_counts_and_clock() -> None:
    assert fmt.pct(0.875) == "87.5%" and fmt.pct(7.5) == "750%" and fmt.pct(10.0) == "1,000%"
    assert fmt.pct(0.004) == "0.4%" and fmt.signed_pct(-0.034) == "-3.4%"
    assert fmt.count(14349) == "14,349"
    assert fmt.clock(1200) == "20:00" and fmt.clock(3925) == "1:05:25"
    assert fmt.span(1200, 2712) == "20:00–45:12"
    assert fmt.num(math.inf) == "∞" and "e" not in fmt.num(1e15)
