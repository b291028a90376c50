"""How long does Rehearse's UI thread stall while an exercise is scored and its card shown?

The same 5 ms QTimer gap probe as bench_lab_stalls.py: from the click on "Score my design"
until the scorecard, the advice, the estimate checks, the canvas colours and the attempt
history (table and progress chart) are shown and one more second has passed. Each exercise
is scored ``--repeat`` times in one panel (the first also scores the reference; later ones
reuse it, and the history grows by one attempt each time). Target: under 50 ms. For scale,
the same probe's longest gap over as many seconds of an idle panel is printed too: on a
shared machine the other processes alone make gaps that long.

Run: .venv/bin/python bench/bench_rehearse_stalls.py [EXERCISE ...] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_lab_stalls import GapMeter, spin, wait  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designs.ui.rehearse import RehearsePanel  # noqa: E402


def one_score(app: QApplication, panel: RehearsePanel, meter: GapMeter) -> tuple[float, float]:
    """(longest gap in ms, seconds from click to card shown)."""
    panel.outcome = None
    meter.start()
    start = time.perf_counter()
    panel.score_button.click()
    spin(app, lambda: panel.outcome is not None)
    took = time.perf_counter() - start
    wait(app, 1.0)
    return meter.stop(), took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", default=["monday_peak", "url_shortener"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.exercises:
            panel = RehearsePanel(history=Path(tmp) / f"{name}.sqlite")
            panel.resize(1280, 800)
            panel.show()
            panel.pick(name)
            spin(app, lambda p=panel: p.design is not None, timeout_s=10)  # type: ignore[misc]
            meter = GapMeter()
            wait(app, 0.5)
            rows = [one_score(app, panel, meter) for _ in range(args.repeat)]
            gaps = ", ".join(f"{g:.1f}" for g, _ in rows)
            took = ", ".join(f"{t:.1f}" for _, t in rows)
            meter.start()
            wait(app, max(t for _, t in rows) + 1.0)
            idle = meter.stop()
            print(
                f"{name:<18} longest UI stall per scoring {gaps} ms; scored in {took} s;"
                f" idle panel over as long: {idle:.1f} ms"
            )
            panel.close()
            panel.deleteLater()


if __name__ == "__main__":
    main()
