"""Start the Qt application: names for QSettings, the icon, the main window."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from freightlab.resources import asset_path

ORGANIZATION = "Freightlab"
APPLICATION = "Freightlab"
#: The GIL switch interval while the window is up. Workers run pure-Python simulations; each
#: Qt call the UI thread makes lets a worker take the GIL, and getting it back costs up to
#: this long (CPython's default is 5 ms). 1 ms halved the Lab's worst UI stall during a run
#: with live charts and did not slow the run (bench/bench_lab_stalls.py --live).
GIL_SWITCH_S = 0.001


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), with the names QSettings keys on."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(app_icon())
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
    return app


def app_icon() -> QIcon:
    return QIcon(str(asset_path("icons", "freightlab.svg")))


def run_app() -> int:
    app = make_app()
    from freightlab.ui.window import MainWindow
    from freightlab.ui.worker import shutdown

    window = MainWindow()
    window.show()
    status = app.exec()
    shutdown()  # cancel background work so the process exits promptly and quietly
    return status
