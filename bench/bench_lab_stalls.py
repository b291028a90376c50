"""How long does the Design Lab's UI thread stall during and after a run?

A 5 ms QTimer runs on the UI thread and records the gap between its ticks from the click on
Run until the results are shown and one more second has passed (the simulation, the result
tables and the charts' figures). A gap much longer than 5 ms means the window could not
repaint or take input for that long. Target: the longest stall under 50 ms. Then each chart
tab is opened in turn (a user's click; its canvas is rendered at its size on the UI thread)
and the longest stall while it paints is reported separately.

Live charts (``--live DESIGN``, default autoscale_diurnal): the same meter over a run whose
charts grow while it runs, beside the same run with the live charts switched off; the UI
thread's own time per live frame (adding the buckets, repainting the three charts), frames
per second, the run's wall time either way, and how long Cancel takes to stop a run.

Run: .venv/bin/python bench/bench_lab_stalls.py [DESIGN ...]   (default: replica_outage and
cache_aside, full length; the median over --repeat runs)
     .venv/bin/python bench/bench_lab_stalls.py --live autoscale_diurnal --repeat 3
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

from freightlab.ui.app import make_app  # noqa: E402
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


class UiCost:
    """Wall time, and the UI thread's own CPU time (not waiting for the GIL or a core: the
    figure a loaded machine does not blur), spent in LiveView.add and LineChart.paintEvent."""

    def __init__(self) -> None:
        from simulation.ui import live_charts

        self.add: list[float] = []
        self.paint: list[float] = []
        self.cpu: list[float] = []  # add + paints, per call
        for cls, name, into in (
            (live_charts.LiveView, "add", self.add),
            (live_charts.LineChart, "paintEvent", self.paint),
        ):
            setattr(cls, name, self._timed(getattr(cls, name), into))

    def _timed(self, fn, into: list[float]):  # type: ignore[no-untyped-def]
        def timed(*args):  # type: ignore[no-untyped-def]
            start, cpu = time.perf_counter(), time.thread_time()
            fn(*args)
            into.append((time.perf_counter() - start) * 1000.0)
            self.cpu.append((time.thread_time() - cpu) * 1000.0)

        return timed


def live_run(app: QApplication, lab: DesignLab, meter: GapMeter, live: bool) -> dict[str, float]:
    import simulation.ui.lab as lab_module
    from simulation.ui.live_charts import LiveView

    lab_module.LiveView = LiveView if live else (lambda: None)  # type: ignore[assignment,misc]
    lab.last_outcome = None
    meter.start()
    started = time.monotonic()
    lab.run()
    view = lab.live
    spin(app, lambda: lab.last_outcome is not None)
    wall = time.monotonic() - started
    gap = meter.stop()
    return {"gap": gap, "wall": wall, "frames": float(view.updates if view else 0)}


def cancel_latency(app: QApplication, lab: DesignLab) -> float:
    lab.run()
    spin(app, lambda: lab.live is not None and lab.live.updates >= 3)
    started = time.monotonic()
    lab.cancel()
    spin(app, lambda: not lab.jobs.busy())
    return (time.monotonic() - started) * 1000.0


def live_bench(app: QApplication, name: str, repeat: int) -> None:
    cost = UiCost()
    lab = DesignLab()
    lab.resize(1280, 800)
    lab.show()
    pick(app, lab, name)
    meter = GapMeter()
    on = [live_run(app, lab, meter, True) for _ in range(repeat)]
    off = [live_run(app, lab, meter, False) for _ in range(repeat)]
    import simulation.ui.lab as lab_module
    from simulation.ui.live_charts import LiveView

    lab_module.LiveView = LiveView  # type: ignore[misc]
    cancels = [cancel_latency(app, lab) for _ in range(repeat)]

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    frames = med(on, "frames")
    print(
        f"{name:<18} live charts: longest UI stall {med(on, 'gap'):6.1f} ms"
        f" (live off: {med(off, 'gap'):6.1f} ms); run {med(on, 'wall'):5.2f} s"
        f" (off: {med(off, 'wall'):5.2f} s); {frames:.0f} frames"
        f" = {frames / med(on, 'wall'):.1f}/s (median of {repeat})"
    )
    paints = sorted(cost.paint)
    print(
        f"{'':<18} UI thread per frame: add {statistics.median(cost.add):5.2f} ms"
        f" (max {max(cost.add):5.1f}); per chart repaint median"
        f" {statistics.median(paints):5.2f} ms,"
        f" p95 {paints[int(0.95 * (len(paints) - 1))]:5.1f}, max {paints[-1]:5.1f} ms"
        f" ({len(paints)} repaints)"
    )
    per_frame = sum(cost.cpu) / max(1, len(cost.add))
    print(f"{'':<18} UI thread CPU per frame (add + 3 repaints): {per_frame:5.2f} ms")
    print(f"{'':<18} Cancel to idle: {', '.join(f'{c:.0f}' for c in cancels)} ms")
    from freightlab.ui.worker import running_tasks

    spin(app, lambda: running_tasks() == 0)  # the cancelled runs' tasks wind down
    lab.close()
    lab.deleteLater()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("designs", nargs="*", default=["replica_outage", "cache_aside"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--live", metavar="DESIGN", help="measure a run with live charts")
    parser.add_argument(
        "--switch-ms", type=float, help="the interpreter's GIL switch interval (default 5 ms)"
    )
    args = parser.parse_args()
    app = make_app(["bench"])  # as the app starts (it sets the GIL switch interval)
    if args.switch_ms:
        sys.setswitchinterval(args.switch_ms / 1000.0)
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs;"
        f" GIL switch interval {sys.getswitchinterval() * 1000:g} ms"
    )
    if args.live:
        live_bench(app, args.live, args.repeat)
        return
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
