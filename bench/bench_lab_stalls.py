"""How long does the Design Lab's UI thread stall during and after a run?

A 5 ms QTimer runs on the UI thread and records the gap between its ticks from the click on
Run until the results are shown and one more second has passed (the simulation, the result
tables and the charts' figures). A gap much longer than 5 ms means the window could not
repaint or take input for that long. Target: the longest stall under 50 ms. Then each chart
tab is opened in turn (a user's click; its canvas is rendered at its size on the UI thread)
and the longest stall while it paints is reported separately.

Run: .venv/bin/python bench/bench_lab_stalls.py [DESIGN ...]   (default: replica_outage and
cache_aside, full length; the median over --repeat runs)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from simulation.ui.lab import DesignLab  # noqa: E402


class GapMeter:
    """The longest gap between ticks of a 5 ms timer on the UI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = self.clock.nsecsElapsed()
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.gaps.append((now - self.last) / 1e6)
        self.last = now

    def start(self) -> None:
        self.gaps = []
        self.last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.gaps, default=0.0)


def spin(app: QApplication, until, timeout_s: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def wait(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    spin(app, lambda: time.monotonic() > end)


def pick(app: QApplication, lab: DesignLab, name: str) -> None:
    path = str(ROOT / "designs" / "catalog" / f"{name}.toml")
    lab.design_picker.setCurrentIndex(lab.design_picker.findData(path))
    spin(app, lambda: lab.current is not None and lab.current.path.stem == name)


def one_run(app: QApplication, lab: DesignLab, meter: GapMeter) -> tuple[float, float]:
    lab.last_outcome = None
    meter.start()
    lab.run()
    spin(app, lambda: lab.last_outcome is not None)
    wait(app, 1.0)
    run_gap = meter.stop()
    tab_gaps = []
    for i in range(1, lab.results.count()):
        meter.start()
        lab.results.setCurrentIndex(i)
        wait(app, 0.3)
        tab_gaps.append(meter.stop())
    lab.results.setCurrentIndex(0)
    return run_gap, max(tab_gaps, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("designs", nargs="*", default=["replica_outage", "cache_aside"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name in args.designs:
        lab = DesignLab()
        lab.resize(1300, 800)
        lab.show()
        pick(app, lab, name)
        meter = GapMeter()
        runs = [one_run(app, lab, meter) for _ in range(args.repeat)]
        run_gap = statistics.median(r[0] for r in runs)
        tab_gap = statistics.median(r[1] for r in runs)
        print(
            f"{name:<18} longest UI stall during and after the run {run_gap:6.1f} ms;"
            f" opening a chart tab {tab_gap:6.1f} ms (median of {len(runs)})"
        )
        lab.close()
        lab.deleteLater()


if __name__ == "__main__":
    main()
