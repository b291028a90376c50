"""The Design Lab's cluster setting: replications and comparisons go to a real Dask scheduler
(two worker processes on 127.0.0.1) and give the numbers local runs give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from simulation.replications import replicate
from simulation.ui.lab import DesignLab

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.xdist_group("dask_cluster")

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"


def test_lab_runs_replications_on_the_cluster_it_was_set_to(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulation.cluster

    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text, *a: seen.append(text))
    sent: list[tuple[str, int]] = []
    real = simulation.cluster.iter_on_cluster

    def spy(jobs, address, progress=None):  # type: ignore[no-untyped-def]
        sent.append((address, len(jobs)))
        yield from real(jobs, address, progress)

    monkeypatch.setattr(simulation.cluster, "iter_on_cluster", spy)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address
        lab = DesignLab()
        qtbot.addWidget(lab)
        lab.show()
        index = lab.design_picker.findData(str(CATALOG / "monolith.toml"))
        lab.design_picker.setCurrentIndex(index)
        qtbot.waitUntil(lambda: lab.current is not None, timeout=10_000)
        assert not lab.set_scheduler("localhost:1")  # not tcp://HOST:PORT: refused, said why
        qtbot.waitUntil(lambda: len(seen) == 1, timeout=5_000)
        assert "tcp://HOST:PORT" in seen[0] and lab.scheduler == ""
        assert lab.set_scheduler(address)
        assert address in lab.runs.toolTip()
        lab.duration.setValue(600)
        lab.runs.setValue(3)
        qtbot.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: lab.last_outcome is not None, timeout=90_000)
        reps = lab.last_outcome.replications
        assert reps is not None and reps.seeds == [1, 2, 3]
        assert sent == [(address, 3)]  # the three runs went to the cluster
        local = replicate(lab.current.design, 3, duration_s=600.0, base_seed=1, processes=1)
        assert json.dumps(reps.to_json(), sort_keys=True) == json.dumps(
            local.to_json(), sort_keys=True
        )
        assert DesignLab().scheduler == address  # remembered for the next Lab
        lab.set_scheduler("")
        assert DesignLab().scheduler == ""
