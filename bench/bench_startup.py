"""Start-up benchmark: what a short CLI run and the window cost before any real work.

  1. ``main.py simulate designs/catalog/monolith.toml --duration 1`` in a fresh process:
     CPU-seconds (user + system, from the child's rusage) and wall seconds. Almost all of it
     is imports, which every sweep point and replication worker pays too.
  2. ``main.py``'s window: a fresh process builds the main window as ``run_app`` does and
     reports once the first event-loop turn after ``show()`` has run (offscreen platform);
     wall seconds from spawning the process, and the child's CPU-seconds.
  3. For reference: the import cost of the modules start-up now avoids (scipy.stats,
     scipy.optimize, networkx, matplotlib).

The machine may be shared: the load average is printed, CPU time is the steadier measure,
and the median of ``--repeat`` runs is reported. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MONOLITH = ROOT / "designs" / "catalog" / "monolith.toml"

WINDOW_CHILD = """
import sys, time
import main  # the window path of main.main(), up to app.exec()
main.preload_core()
from PySide6.QtCore import QTimer
from freightlab.ui.app import make_app
from freightlab.ui.window import MainWindow
from freightlab.ui.worker import shutdown

app = make_app()
window = MainWindow()
window.show()

def shown():
    print("shown", time.process_time(), flush=True)
    app.quit()

QTimer.singleShot(0, shown)
app.exec()
shutdown()
"""


def _child_cpu(run: callable) -> tuple[float, float]:  # type: ignore[valid-type]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def simulate_once() -> tuple[float, float]:
    cmd = [sys.executable, str(ROOT / "main.py"), "simulate", str(MONOLITH), "--duration", "1"]
    return _child_cpu(lambda: subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True))


def window_once() -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    shown: list[float] = []

    def run() -> None:
        t0 = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, "-c", WINDOW_CHILD],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("shown"):
                    shown.append(time.perf_counter() - t0)
            proc.wait()

    cpu, _ = _child_cpu(run)
    return cpu, shown[0] if shown else float("nan")


def import_cost(module: str) -> float:
    code = f"import time, numpy; t = time.process_time(); import {module}; "
    code += "print(time.process_time() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _report(label: str, runs: list[tuple[float, float]], wall_name: str) -> None:
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    print(f"{label:<44} {cpu:6.2f} CPU-s   {wall:6.2f} s {wall_name}  (median of {len(runs)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    simulate_once()  # warm the file cache
    _report("simulate monolith --duration 1", [simulate_once() for _ in range(args.repeat)], "wall")
    window_once()
    _report("main.py window shown", [window_once() for _ in range(args.repeat)], "to shown")
    for module in ("scipy.stats", "scipy.optimize", "networkx", "matplotlib.figure"):
        print(f"  for reference, import {module:<20} {import_cost(module):6.2f} CPU-s")


if __name__ == "__main__":
    main()
