"""Open the real Freightlab window, wait for it to settle, save a screenshot, quit.

Run under a real X server (e.g. ``xvfb-run -a -s "-screen 0 1400x900x24"``) to check the window
path end to end; the README's screenshot comes from here.
Usage: python scripts/screenshot.py OUT.png [--tab N] [--wait-ms MS] [--size WxH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--tab", type=int, default=0)
    parser.add_argument("--wait-ms", type=int, default=4000)
    parser.add_argument("--size", default="1360x860")
    args = parser.parse_args()

    from PySide6.QtCore import QTimer

    from freightlab.ui.app import make_app
    from freightlab.ui.window import MainWindow

    app = make_app()
    window = MainWindow()
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.move(20, 20)
    window.tabs.setCurrentIndex(args.tab)
    window.show()

    def shoot() -> None:
        screen = window.screen()
        image = screen.grabWindow(0) if app.platformName() == "xcb" else window.grab()
        image.save(args.out)
        print(f"{app.platformName()}: saved {args.out} ({image.width()}x{image.height()})")
        window.close()
        app.quit()

    QTimer.singleShot(args.wait_ms, shoot)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
