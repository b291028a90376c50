"""How long one canvas edit takes, by design size: the TOML edit (tomlkit), the loader's
validation, the lenient sketch and the canvas redraw (offscreen Qt).

Usage: python bench/bench_design_editing.py [--sizes 10,50,200,1000] [--repeat 5]
Prints the median milliseconds per step; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HEAD = """name = "Chain"

[workload]
duration_s = 600
warmup_s = 60

[[workload.classes]]
name = "m"
entry = "c0"
arrival = { process = "poisson", rate_rps = 5.0 }
"""


def chain(n: int) -> str:
    """``n`` services in a row, each handing off to the next, with a comment per table."""
    parts = [HEAD]
    for i in range(n):
        then = f'then = "c{i + 1}"\n' if i < n - 1 else ""
        parts.append(
            f'\n# station {i}\n[[components]]\nname = "c{i}"\nkind = "service"\nworkers = 2\n'
            f'service_ms = {{ dist = "exponential", mean = 1.0 }}\n{then}'
        )
    return "".join(parts)


def median_ms(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,50,200,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from designs import editing
    from designs.loader import loads_design
    from designs.sketch import sketch
    from simulation.ui.canvas import DesignCanvas

    app = QApplication.instance() or QApplication([])
    canvas = DesignCanvas()
    canvas.resize(900, 600)
    print("components  add_component  move  loads_design  sketch  redraw   (median ms)")
    for n in (int(v) for v in args.sizes.split(",")):
        text = editing.move(chain(n), {f"c{i}": (i * 290.0, 0.0) for i in range(n)})
        drawn = sketch(text)
        row = [
            median_ms(lambda t=text: editing.add_component(t, "cache", (0, 200)), args.repeat),
            median_ms(lambda t=text: editing.move(t, {"c1": (10, 300)}), args.repeat),
            median_ms(lambda t=text: loads_design(t), args.repeat),
            median_ms(lambda t=text: sketch(t), args.repeat),
            median_ms(lambda d=drawn: (canvas.show_sketch(d), app.processEvents()), args.repeat),
        ]
        print(f"{n:>10}  " + "  ".join(f"{v:>12.1f}" for v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
