"""Start the Qt application: names for QSettings, the icon, the main window."""

from __future__ import annotations

import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from freightlab.resources import asset_path

ORGANIZATION = "Freightlab"
APPLICATION = "Freightlab"


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), with the names QSettings keys on."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(app_icon())
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
