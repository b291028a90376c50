"""How long the properties panel takes on the UI thread (offscreen): building a component's
form, refreshing it after an edit (same shape: values only), and the workload view."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from designs import field_edits as fe
from designs.loader import catalog_paths, loads_design
from freightlab.ui.properties_panel import PropertiesPanel

ROUNDS = 20


def main() -> None:
    app = QApplication.instance() or QApplication([])
    panel = PropertiesPanel()
    panel.resize(340, 780)
    panel.show()
    print(f"{'design':28s} {'build':>9s} {'refresh':>9s} {'workload':>9s}")
    for path in catalog_paths():
        text = path.read_text()
        design = loads_design(text)
        names = design.component_names()
        t0 = time.perf_counter()
        for i in range(ROUNDS):
            panel.show_selection(text, design, names[i % len(names)] if len(names) > 1 else None)
            app.processEvents()
        build = (time.perf_counter() - t0) / ROUNDS * 1e3
        panel.show_selection(text, design, names[0])
        edited = fe.set_component_field(text, names[0], "cost_per_hour", 0.3)
        t0 = time.perf_counter()
        for i in range(ROUNDS):
            panel.show_selection(edited if i % 2 else text, design, names[0])
            app.processEvents()
        refresh = (time.perf_counter() - t0) / ROUNDS * 1e3
        t0 = time.perf_counter()
        for _ in range(ROUNDS // 4):
            panel.show_selection(text, design, None)
            panel.show_selection(text, design, names[0])
            app.processEvents()
        workload = (time.perf_counter() - t0) / (ROUNDS // 4) * 1e3
        print(f"{path.stem:28s} {build:6.1f} ms {refresh:6.1f} ms {workload:6.1f} ms")


if __name__ == "__main__":
    main()
