"""Screenshot of the Design Lab after a run: the README's Design Lab pictures come from here.

Opens the window on the Design Lab, opens a catalog design, runs it for a short simulated
time, selects one component (the blue frame; the bottleneck keeps its red one) and saves.
Usage: QT_QPA_PLATFORM=offscreen python scripts/design_lab_shot.py OUT.png
           [--size 1280x800] [--design cache_aside] [--select distance_cache] [--duration 600]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--design", default="cache_aside")
    parser.add_argument("--select", default="")
    parser.add_argument("--duration", type=int, default=600)
    args = parser.parse_args()

    from freightlab.ui.app import make_app
    from freightlab.ui.window import MainWindow

    app = make_app()
    window = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.tabs.setCurrentIndex(1)
    window.show()
    lab = window.design_lab

    def wait(done: Callable[[], bool], seconds: float) -> None:
        end = time.monotonic() + seconds
        while not done() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    lab.open_design(ROOT / "designs" / "catalog" / f"{args.design}.toml")
    wait(lambda: lab.current is not None and lab.current.path.stem == args.design, 30)
    lab.duration.setValue(args.duration)
    lab.run()
    wait(lambda: lab.last_outcome is not None, 300)
    if args.select:
        lab.canvas.select([args.select])
    wait(lambda: False, 0.5)
    window.grab().save(args.out)
    print(f"saved {args.out} ({width}x{height}): {window.windowTitle()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
