"""Runs on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1) and on
local processes give the same numbers; results stream back; a cancel leaves nothing running."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from designs.loader import load_design
from designs.schema import Design
from freightlab.progress import Cancelled, Progress
from main import main
from simulation.executors import Job, run_jobs
from simulation.replications import replicate
from simulation.sweeps import compare

distributed = pytest.importorskip("distributed")

# One local cluster for the module: under `pytest -n 2 --dist loadgroup` (make test) these
# tests share one xdist worker instead of each worker starting its own scheduler.
pytestmark = pytest.mark.xdist_group("dask_cluster")

ROOT = Path(__file__).resolve().parents[2]
MONOLITH = ROOT / "designs" / "catalog" / "monolith.toml"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        protocol="tcp",
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _design() -> Design:
    return load_design(MONOLITH)


def _endless_jobs(count: int) -> list[Job]:
    """Jobs that would run for hours (10^9 simulated s, past the default work budget): they
    end only when stopped, so a run that returns at all has stopped them."""
    data = _design().model_dump()
    data["workload"]["max_events"] = 10**12
    return [Job(data, seed, duration_s=1e9) for seed in range(count)]


def test_replications_on_the_cluster_equal_local_ones(scheduler: str) -> None:
    design = _design()
    seen: list[int] = []
    on_cluster = replicate(
        design, 4, duration_s=900, scheduler=scheduler, on_result=lambda i, _r: seen.append(i)
    )
    local = replicate(design, 4, duration_s=900, processes=1)
    assert on_cluster.seeds == local.seeds == [1, 2, 3, 4]
    assert sorted(seen) == [0, 1, 2, 3]  # each streamed back once, as it ended
    for c, lo in zip(on_cluster.runs, local.runs, strict=True):
        assert json.dumps(c.to_json(), sort_keys=True) == json.dumps(lo.to_json(), sort_keys=True)
    assert on_cluster.to_json() == local.to_json()
    assert len({r.classes["match"].latency_ms.mean for r in local.runs}) == 4  # seeds differ


def test_a_compare_sweep_on_the_cluster_equals_two_local_processes(scheduler: str) -> None:
    designs = [_design(), load_design(ROOT / "designs" / "catalog" / "replicas_round_robin.toml")]
    reports: list[float] = []
    progress = Progress(lambda f, _m: reports.append(f))
    kw = {"duration_s": 600.0, "seed": 7}
    on_cluster = compare(designs, [1.0, 2.0, 2.6], scheduler=scheduler, progress=progress, **kw)
    local = compare(designs, [1.0, 2.0, 2.6], processes=2, **kw)
    assert json.dumps(on_cluster.to_json(), sort_keys=True) == json.dumps(
        local.to_json(), sort_keys=True
    )
    assert reports and reports[-1] == 1.0 and reports == sorted(reports)


def test_a_cancelled_cluster_sweep_leaves_no_tasks_running(scheduler: str) -> None:
    from simulation.cluster import running_tasks

    data = _design().model_dump()
    jobs = _endless_jobs(8)  # the call returns only once the running tasks have stopped
    progress = Progress()
    threading.Timer(1.5, progress.cancel).start()
    with pytest.raises(Cancelled):
        run_jobs(jobs, progress=progress, scheduler=scheduler)
    with distributed.Client(scheduler, set_as_default=False) as client:
        assert running_tasks(client, "freightlab-") == []
        on_scheduler = client.run_on_scheduler(
            lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks]
        )
        assert not [k for k in on_scheduler if k.startswith("freightlab-")]
        # the cluster is free for the next run: short jobs on both workers finish (were a
        # worker still running an endless task, one would never start: the test times out)
        done = run_jobs(
            [Job(data, 1, duration_s=60.0), Job(data, 2, duration_s=60.0)], scheduler=scheduler
        )
        assert [r.seed for r in done] == [1, 2]


def test_simulate_cli_on_the_cluster_equals_local_and_reuses_the_base_run(
    scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [str(MONOLITH), "--duration", "900", "--seed", "3"]
    one, cl, lo = tmp_path / "one.json", tmp_path / "cl.json", tmp_path / "lo.json"
    assert main(["simulate", *base, "--json", str(one)]) == 0
    assert (
        main(
            ["simulate", *base, "--replications", "3", "--scheduler", scheduler, "--json", str(cl)]
        )
        == 0
    )
    assert (
        main(["simulate", *base, "--replications", "3", "--processes", "1", "--json", str(lo)]) == 0
    )
    capsys.readouterr()
    single, cluster, local = (json.loads(p.read_text()) for p in (one, cl, lo))
    assert cluster == local
    assert cluster["replications"]["seeds"] == [3, 4, 5]
    cluster.pop("replications")
    assert cluster == single  # the base run is replication 0, and equals a plain run


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--scheduler", "localhost:8786"], "expected tcp://HOST:PORT"),
        (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach a Dask scheduler"),
        (["--processes", "0"], "--processes must be >= 1"),
    ],
)
def test_bad_cluster_options_exit_2_with_one_line(
    option: list[str],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import simulation.cluster

    monkeypatch.setattr(simulation.cluster, "CONNECT_TIMEOUT_S", 1.0)
    args = ["simulate", str(MONOLITH), "--duration", "60", "--replications", "2", *option]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err


def test_slo_search_brackets_the_rate_and_runs_the_same_on_the_cluster(scheduler: str) -> None:
    from simulation.slo import slo_search

    design = _design()
    kw = {"duration_s": 1500.0, "points": 3, "rounds": 3, "max_rate_rps": 3.6}
    local = slo_search(design, 8000.0, **kw)
    on_cluster = slo_search(design, 8000.0, scheduler=scheduler, **kw)
    assert on_cluster.to_json() == local.to_json()
    assert local.best_rps is not None and local.first_miss_rps is not None
    assert local.best_rps < local.first_miss_rps <= 3.6
    assert local.first_miss_rps - local.best_rps <= 3.6 / 3 / 4 / 4 + 1e-9  # 3 rounds narrowed it
    rates = sorted(p.rate_rps for p in local.points)
    assert len(rates) == len(set(rates)) == 9  # no rate run twice
    for p in local.points:  # everything below the best met it, nothing at or above the miss did
        assert p.meets == (p.rate_rps <= local.best_rps)
