"""The long fuzz profile: thousands of mutated design, fleet CSV, map and board files through
the command line, each in a forked child with a time and memory watch. Prints counts.

    .venv/bin/python bench/fuzz_inputs.py [--designs 3000] [--fleets 300] [--maps 200]
                                          [--boards 200] [--jobs 2] [--seed 1] [--keep DIR]

Every design goes through ``validate`` and a short ``simulate --duration 60 --json``; every
fifth also through ``simulate`` at its own duration (the work budget's case). Fleets go
through ``match`` (every tenth also ``day``), maps through ``match --map``, boards through
BoardStore.open and load. Outcomes: ran (exit 0), refused (exit 2 with a one-line reason
naming the file or field), bad refusals (exit 2 otherwise), tracebacks (any other exit),
hangs (past 20 CPU seconds, or killed after 90 s of wall time: the machine may be shared)
and runs whose peak memory passed 1 GB. Failing inputs are kept
in --keep for reproduction. The children are forked from a parent that has imported the
app already, so each costs milliseconds to start, not the second a new interpreter takes.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import hostile

HANG_S = 20.0  # CPU seconds: a run past this is a hang (wall time on a shared box lies)
KILL_S = 90.0  # wall seconds: a child still running then is killed (and is a hang)
BIG_MB = 1024.0
AS_LIMIT = 4 << 30  # a child that runs away is stopped here (and counted as over 1 GB)


@dataclass
class Child:
    label: str
    sources: tuple[str, ...]
    keep: list[Path]
    pid: int
    err_path: Path
    started: float


@dataclass
class Tally:
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    peak_mb: float = 0.0

    def add(self, kind: str, label: str, detail: str = "") -> None:
        self.counts[kind] += 1
        if kind not in ("ran", "refused") and len(self.examples.setdefault(kind, [])) < 8:
            self.examples[kind].append(f"{label}: {' '.join(detail.split())[-300:]}")


def _child(target: Callable[[], int], err_path: Path) -> None:
    """In the forked child: limits, quiet stdout, stderr to a file, run, exit with its code."""
    code = 70
    try:
        resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(err, 2)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        code = target()
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 71
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Runner:
    def __init__(self, jobs: int, keep: Path | None, work: Path) -> None:
        self.jobs = jobs
        self.keep = keep
        self.work = work
        self.running: list[Child] = []
        self.tally = Tally()
        self.n = 0

    def submit(self, label: str, target: Callable[[], int], keep: list[Path]) -> None:
        """Run ``target`` in a child; its refusal must name one of the ``keep`` files."""
        while len(self.running) >= self.jobs:
            self._reap(block=True)
        self.n += 1
        err_path = self.work / f"err{self.n}.txt"
        pid = os.fork()
        if pid == 0:
            _child(target, err_path)
        sources = tuple(str(p) for p in keep)
        self.running.append(Child(label, sources, keep, pid, err_path, time.monotonic()))

    def drain(self) -> None:
        while self.running:
            self._reap(block=True)

    def _reap(self, block: bool) -> None:
        while True:
            for child in list(self.running):
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                elapsed = time.monotonic() - child.started
                if pid == 0 and elapsed > KILL_S:
                    os.kill(child.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(child.pid, 0)
                    self._finish(child, None, usage.ru_maxrss / 1024.0, elapsed)
                elif pid != 0:
                    code = os.waitstatus_to_exitcode(status)
                    cpu = usage.ru_utime + usage.ru_stime
                    self._finish(
                        child, None if cpu > HANG_S else code, usage.ru_maxrss / 1024.0, cpu
                    )
                else:
                    continue
                self.running.remove(child)
                return
            if not block:
                return
            time.sleep(0.005)

    def _finish(self, child: Child, code: int | None, mb: float, seconds: float) -> None:
        t = self.tally
        t.peak_mb = max(t.peak_mb, mb)
        t.slowest = sorted([*t.slowest, (seconds, child.label)], reverse=True)[:5]
        err = child.err_path.read_text(encoding="utf-8", errors="replace")
        child.err_path.unlink(missing_ok=True)
        bad = True
        if code is None:
            t.add("hang", child.label, f"{seconds:.0f} s")
        elif mb > BIG_MB:
            t.add("over_1gb", child.label, f"{mb:.0f} MB")
        else:
            problem = hostile.Outcome(code, err).problem(*child.sources)
            if problem is None:
                t.add("ran" if code == 0 else "refused", child.label)
                bad = False
            elif code == 2:
                t.add("bad_refusal", child.label, problem)
            else:
                t.add("traceback", child.label, problem)
        if bad and self.keep is not None:
            for p in child.keep:
                if p.exists():
                    shutil.copy(p, self.keep / f"{child.label.replace(' ', '_')}_{p.name}")


def _cli(argv: list[str]) -> Callable[[], int]:
    def run() -> int:
        from freightlab.cli import run_cli

        return run_cli(argv)

    return run


def _board(path: Path) -> Callable[[], int]:
    def run() -> int:
        from dispatcher.store import BoardStore
        from freightlab.errors import InputError

        try:
            with BoardStore.open(path) as store:
                store.load()
        except InputError as exc:
            print(f"board: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        return 0

    return run


def fuzz_designs(r: Runner, n: int, rng: random.Random) -> None:
    bases = hostile.design_texts()
    for i in range(n):
        path = r.work / f"design{i}.toml"
        path.write_text(hostile.mutate_design(rng.choice(bases), rng), encoding="utf-8")
        out = r.work / f"design{i}.json"
        src = str(path)
        r.submit(f"design{i} validate", _cli(["validate", src]), [path])
        argv = ["simulate", src, "--duration", "60", "--json", str(out)]
        r.submit(f"design{i} simulate60", _cli(argv), [path])
        if i % 5 == 0:
            r.submit(f"design{i} simulate", _cli(["simulate", src]), [path])


def fuzz_fleets(r: Runner, n: int, rng: random.Random) -> None:
    trucks = (hostile.SAMPLES / "india_trucks.csv").read_text(encoding="utf-8")
    loads = (hostile.SAMPLES / "india_loads.csv").read_text(encoding="utf-8")
    for i in range(n):
        t, ld = r.work / f"trucks{i}.csv", r.work / f"loads{i}.csv"
        which = rng.random()
        t.write_text(hostile.mutate_csv(trucks, rng) if which < 0.6 else trucks, encoding="utf-8")
        ld.write_text(hostile.mutate_csv(loads, rng) if which > 0.4 else loads, encoding="utf-8")
        argv = ["match", "--trucks", str(t), "--loads", str(ld)]
        r.submit(f"fleet{i} match", _cli(argv), [t, ld])
        if i % 10 == 0:
            argv = ["day", "--trucks", str(t), "--loads", str(ld)]
            r.submit(f"fleet{i} day", _cli(argv), [t, ld])


def fuzz_maps(r: Runner, n: int, rng: random.Random) -> None:
    base = (hostile.MAPS / "india.graphml").read_text(encoding="utf-8")
    trucks, loads = hostile.SAMPLES / "india_trucks.csv", hostile.SAMPLES / "india_loads.csv"
    for i in range(n):
        m = r.work / f"map{i}.graphml"
        m.write_text(hostile.mutate_map(base, rng), encoding="utf-8")
        argv = ["match", "--map", str(m), "--trucks", str(trucks), "--loads", str(loads)]
        r.submit(f"map{i} match", _cli(argv), [m])


def fuzz_boards(r: Runner, n: int, rng: random.Random) -> None:
    from dispatcher.fleet import read_fleet
    from dispatcher.store import BoardSnapshot, BoardStore

    fleet = read_fleet(hostile.SAMPLES / "india_trucks.csv", hostile.SAMPLES / "india_loads.csv")
    template = r.work / "template.board"
    BoardStore.create(template, BoardSnapshot(trucks=fleet.trucks, loads=fleet.loads)).close()
    for i in range(n):
        b = r.work / f"board{i}.board"
        shutil.copy(template, b)
        hostile.mutate_board(b, rng)
        r.submit(f"board{i} open", _board(b), [b])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--designs", type=int, default=3000)
    ap.add_argument("--fleets", type=int, default=300)
    ap.add_argument("--maps", type=int, default=200)
    ap.add_argument("--boards", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="copy failing inputs here")
    args = ap.parse_args(argv)
    # Import the app once here, so every forked child starts with it loaded.
    import designs.loader  # noqa: F401
    import dispatcher.cli
    import dispatcher.operations  # noqa: F401
    import freightlab.cli  # noqa: F401
    import simulation.analytic
    import simulation.cli
    import simulation.runner  # noqa: F401

    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="freightlab-fuzz-") as tmp:
        r = Runner(args.jobs, args.keep, Path(tmp))
        for name, fn, n in (
            ("designs", fuzz_designs, args.designs),
            ("fleets", fuzz_fleets, args.fleets),
            ("maps", fuzz_maps, args.maps),
            ("boards", fuzz_boards, args.boards),
        ):
            before = collections.Counter(r.tally.counts)
            fn(r, n, rng)
            r.drain()
            got = r.tally.counts - before
            print(
                f"{name:8} {n:>5} files, {sum(got.values()):>5} runs: {dict(sorted(got.items()))}"
            )
        t = r.tally
    print(f"total {sum(t.counts.values())} runs in {time.monotonic() - t0:.0f} s")
    for kind in ("ran", "refused", "bad_refusal", "traceback", "hang", "over_1gb"):
        print(f"  {kind:12} {t.counts.get(kind, 0)}")
    print(f"  peak memory of a run: {t.peak_mb:.0f} MB")
    print("  slowest (CPU): " + ", ".join(f"{label} {s:.1f} s" for s, label in t.slowest))
    for kind, examples in t.examples.items():
        print(f"{kind}:")
        for e in examples:
            print(f"  {e}")
    bad = sum(t.counts.get(k, 0) for k in ("bad_refusal", "traceback", "hang", "over_1gb"))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
