"""Test set-up: headless Qt; QSettings and user data in temp dirs (never the user's own)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# the desk's board clock starts set to 00:00, not live: no test depends on the time of day
os.environ.setdefault("FREIGHTLAB_CLOCK", "00:00")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point QSettings (if Qt is used) at a throwaway folder for the whole session."""
    settings_dir = tmp_path_factory.mktemp("qsettings")
    os.environ["XDG_CONFIG_HOME"] = str(settings_dir)
    # Rehearse's attempt history (and any other user data) goes to a throwaway folder too.
    os.environ["FREIGHTLAB_DATA_DIR"] = str(tmp_path_factory.mktemp("userdata"))
    try:
        from PySide6.QtCore import QSettings
    except ImportError:
        return
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(settings_dir))
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(settings_dir))


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    """Each test starts with empty app settings (window geometry, recent files...)."""
    if "PySide6.QtCore" not in sys.modules:
        return
    from PySide6.QtCore import QSettings

    QSettings("Freightlab", "Freightlab").clear()


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]):  # type: ignore[no-untyped-def]
    """pytest-qt's application, named as the real app is, so QSettings() means the same."""
    from freightlab.ui.app import make_app

    return make_app(["freightlab-tests", *qapp_args])
