"""A matcher's calibration table: how long the real matcher takes to solve a batch of b.

``calibration = { sizes = [10, 100, 1000], ms = [1.1, 2.1, 32.0], spread = [...] }`` is what
``python main.py calibrate`` writes (median ms per batch size; ``spread`` the lognormal sigma
around that median, optional, 0 = always the median).

Between measured sizes the median is interpolated on log-log axes (a power law per segment,
which is how solve times grow); past the largest size the last segment's power law goes on;
below the smallest size the smallest size's time holds (a solve never gets cheaper than the
fixed cost measured there); a one-size table grows in proportion to b past it. The spread
is interpolated linearly in log size and held at the ends. A solve's time is then
``median(b) * exp(spread(b) * Z)``, Z standard normal: its median is the table's, its mean
``median(b) * exp(spread(b)**2 / 2)``.
"""

from __future__ import annotations

import bisect
import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

PosMs = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: The largest lognormal sigma a table may hold: exp(3) is a factor of 20 at one sigma, beyond
#: anything a solver's own variation gives; a wider measured spread is the machine, not the
#: matcher (the calibration writer caps what it measures at this).
SIGMA_MAX = 3.0
Sigma = Annotated[float, Field(ge=0, le=SIGMA_MAX, allow_inf_nan=False)]
Size = Annotated[int, Field(ge=1, le=10_000_000)]


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sizes: list[Size] = Field(min_length=1, max_length=1000)
    ms: list[PosMs] = Field(min_length=1, max_length=1000)
    spread: list[Sigma] | None = None

    @model_validator(mode="after")
    def _check(self) -> Calibration:
        if len(self.ms) != len(self.sizes):
            raise ValueError(
                f"calibration: 'ms' has {len(self.ms)} entries, 'sizes' {len(self.sizes)}"
            )
        if self.spread is not None and len(self.spread) != len(self.sizes):
            raise ValueError(
                f"calibration: 'spread' has {len(self.spread)} entries, 'sizes' {len(self.sizes)}"
            )
        if any(b <= a for a, b in zip(self.sizes, self.sizes[1:], strict=False)):
            raise ValueError("calibration: 'sizes' must be strictly increasing")
        return self

    def _segment(self, b: float) -> tuple[int, float]:
        """Index i of the segment [sizes[i], sizes[i+1]] for b, and b's position in it (log)."""
        n = len(self.sizes)
        i = min(max(bisect.bisect_right(self.sizes, b) - 1, 0), n - 2)
        lo, hi = math.log(self.sizes[i]), math.log(self.sizes[i + 1])
        return i, (math.log(b) - lo) / (hi - lo)

    def median_ms(self, b: float) -> float:
        """Median solve time (ms) of a batch of ``b`` requests."""
        if b <= self.sizes[0]:
            return float(self.ms[0])
        if len(self.sizes) == 1:  # one measured size: in proportion to b past it
            return float(self.ms[0]) * b / self.sizes[0]
        i, t = self._segment(b)
        lo, hi = math.log(self.ms[i]), math.log(self.ms[i + 1])
        return math.exp(lo + t * (hi - lo))

    def sigma(self, b: float) -> float:
        """Lognormal sigma of the solve time of a batch of ``b``."""
        if not self.spread:
            return 0.0
        if len(self.sizes) == 1 or b <= self.sizes[0]:
            return float(self.spread[0])
        if b >= self.sizes[-1]:
            return float(self.spread[-1])
        i, t = self._segment(b)
        return float(self.spread[i] + t * (self.spread[i + 1] - self.spread[i]))

    def mean_ms(self, b: float) -> float:
        """Mean solve time (ms): median x exp(sigma^2 / 2)."""
        s = self.sigma(b)
        return self.median_ms(b) * math.exp(s * s / 2.0)
