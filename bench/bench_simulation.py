"""Simulation engine benchmark: requests per CPU-second and peak memory.

The same M/M/3 model (lambda = 2.7/s, mean service 1 s) through
  1. the Freightlab engine with all its metrics (histograms, time series, utilisation...),
  2. a minimal hand-written SimPy loop (one process per customer, a simpy.Resource),
  3. Ciw 3.x,
then the catalog's cache-aside design (two matcher replicas calling an LRU cache over Zipf
keys, a database behind it) through the engine and an equivalent minimal SimPy loop,
then the peak memory of a 1,000,000-request engine run, measured in a fresh subprocess
(VmHWM: the whole process, interpreter and numpy included) and with tracemalloc (Python
allocations only). Prints numbers; asserts nothing. The machine may be shared: CPU time, not
wall time, is the measure, and the best of ``--repeat`` runs is reported.

    .venv/bin/python bench/bench_simulation.py [--requests 200000] [--memory-requests 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LAM, MU, SERVERS = 2.7, 1.0, 3


def mm3_design(requests: int, extra: str = ""):  # type: ignore[no-untyped-def]
    from designs.loader import loads_design

    duration = requests / LAM
    return loads_design(
        f"""
name = "bench M/M/3"
[workload]
duration_s = {duration}
warmup_s = 0
seed = 1
[[workload.classes]]
name = "match"
entry = "matcher"
arrival = {{ process = "poisson", rate_rps = {LAM} }}
[[components]]
name = "matcher"
kind = "service"
workers = {SERVERS}
service_ms = {{ dist = "exponential", mean = {1000.0 / MU} }}
"""
        + extra.format(after=duration + 1.0)
    )


# A crash scheduled after the end changes nothing but makes the engine build the failing
# station (simulation.resilient): this row measures what that station costs per request.
RESILIENT = '[[faults]]\ncomponent = "matcher"\nkind = "crash"\nat_s = {after}\nduration_s = 1.0\n'


def bench_engine_resilient(requests: int) -> tuple[float, int, float]:
    return bench_engine(requests, RESILIENT)


def bench_engine(requests: int, extra: str = "") -> tuple[float, int, float]:
    from simulation.runner import simulate

    d = mm3_design(requests, extra)
    t0 = time.process_time()
    r = simulate(d)
    cpu = time.process_time() - t0
    n = r.classes["match"].offered
    return n / cpu, n, r.classes["match"].latency_ms.mean


def bench_simpy(requests: int) -> tuple[float, int, float]:
    import simpy

    rnd = random.Random(1)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    total = [0.0, 0]

    def customer(env: simpy.Environment) -> object:
        t = env.now
        with servers.request() as req:
            yield req
            yield env.timeout(rnd.expovariate(MU))
        total[0] += env.now - t
        total[1] += 1

    def source(env: simpy.Environment) -> object:
        while True:
            yield env.timeout(rnd.expovariate(LAM))
            env.process(customer(env))

    env.process(source(env))
    t0 = time.process_time()
    env.run(until=requests / LAM)
    cpu = time.process_time() - t0
    return total[1] / cpu, total[1], 1000.0 * total[0] / max(1, total[1])


CACHE_ASIDE = ROOT / "designs" / "catalog" / "cache_aside.toml"


def bench_engine_cache_aside(requests: int) -> tuple[float, int, float]:
    """designs/catalog/cache_aside.toml (every metric on), run for ``requests`` arrivals."""
    from designs.loader import load_design
    from simulation.runner import simulate

    d = load_design(CACHE_ASIDE)
    rate = d.workload.classes[0].arrival.rate_rps  # type: ignore[union-attr]
    duration = requests / rate
    t0 = time.process_time()
    r = simulate(d, duration_s=duration)
    cpu = time.process_time() - t0
    n = round(rate * duration)  # every arrival, warm-up included: the raw loop's count too
    return n / cpu, n, r.classes["match"].latency_ms.mean


def bench_simpy_cache_aside(requests: int) -> tuple[float, int, float]:
    """The same cache-aside model as a minimal SimPy loop: one process per request, round
    robin over two 4-worker matcher replicas (20 ms exponential), then, still holding the
    matcher worker, a 1 ms LRU lookup (2,000 of 50,000 Zipf(0.9) keys) and on a miss the
    8-connection database (lognormal, mean 40 ms, cv 1); only the mean response recorded."""
    import bisect
    import math
    from collections import OrderedDict

    import simpy

    rnd = random.Random(1)
    env = simpy.Environment()
    matchers = [simpy.Resource(env, capacity=4) for _ in range(2)]
    db = simpy.Resource(env, capacity=8)
    weights = [1.0 / (k + 1) ** 0.9 for k in range(50_000)]
    cum = [0.0] * len(weights)
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        cum[i] = acc
    lru: OrderedDict[int, None] = OrderedDict()
    sigma = math.sqrt(math.log(2.0))  # cv 1
    mu = math.log(0.040) - sigma * sigma / 2
    total = [0.0, 0]

    def customer(env: simpy.Environment, matcher: simpy.Resource) -> object:
        t = env.now
        key = bisect.bisect_left(cum, rnd.random() * acc)
        with matcher.request() as req:
            yield req
            yield env.timeout(rnd.expovariate(50.0))
            yield env.timeout(0.001)
            if key in lru:
                lru.move_to_end(key)
            else:
                with db.request() as dbr:
                    yield dbr
                    yield env.timeout(rnd.lognormvariate(mu, sigma))
                lru[key] = None
                if len(lru) > 2000:
                    lru.popitem(last=False)
        total[0] += env.now - t
        total[1] += 1

    def source(env: simpy.Environment) -> object:
        i = 0
        while True:
            yield env.timeout(rnd.expovariate(150.0))
            env.process(customer(env, matchers[i % 2]))
            i += 1

    env.process(source(env))
    t0 = time.process_time()
    env.run(until=requests / 150.0)
    cpu = time.process_time() - t0
    return total[1] / cpu, total[1], 1000.0 * total[0] / max(1, total[1])


def bench_ciw(requests: int) -> tuple[float, int, float]:
    import ciw

    ciw.seed(1)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[SERVERS],
    )
    t0 = time.process_time()
    q = ciw.Simulation(network)
    q.simulate_until_max_time(requests / LAM)
    recs = q.get_all_records()
    cpu = time.process_time() - t0
    mean = 1000.0 * sum(r.waiting_time + r.service_time for r in recs) / max(1, len(recs))
    return len(recs) / cpu, len(recs), mean


def peak_rss_mb() -> float:
    """Peak resident set of this process: VmHWM (reset by exec, unlike ru_maxrss, which a
    child inherits from a big parent on Linux); ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def memory_child(requests: int, use_tracemalloc: bool) -> dict[str, float]:
    """Run in a fresh process so ru_maxrss belongs to this run alone."""
    from simulation.runner import simulate

    d = mm3_design(requests)
    base_rss = peak_rss_mb()
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
    t0 = time.process_time()
    r = simulate(d)
    cpu = time.process_time() - t0
    out = {
        "requests": r.classes["match"].offered,
        "cpu_s": cpu,
        "rss_before_mb": base_rss,
        "peak_rss_mb": peak_rss_mb(),
    }
    if use_tracemalloc:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return out


def run_memory(requests: int, use_tracemalloc: bool) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", str(requests)]
    if use_tracemalloc:
        cmd.append("--tracemalloc")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--ciw-requests", type=int, default=100_000)
    ap.add_argument("--memory-requests", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-ciw", action="store_true")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(memory_child(args.child, args.tracemalloc)))
        return

    from simulation.theory.queues import mmc

    theory = mmc(LAM, MU, 3).mean_response
    print(
        f"M/M/3, lambda={LAM}/s, mean service {1 / MU:.0f} s; "
        f"theory (Erlang C) mean response {theory:.2f} s"
    )
    rows = [("freightlab engine (all metrics)", bench_engine, args.requests)]
    rows.append(("engine, failing station (resilient)", bench_engine_resilient, args.requests))
    rows.append(("minimal SimPy loop", bench_simpy, args.requests))
    if not args.skip_ciw:
        rows.append(("Ciw " + _ciw_version(), bench_ciw, args.ciw_requests))
    rates: dict[str, float] = {}
    for name, fn, n in rows:
        best = max((fn(n) for _ in range(args.repeat)), key=lambda x: x[0])
        rates[name] = best[0]
        print(
            f"{name:<34} {best[0]:>10,.0f} requests/CPU-s"
            f"  ({best[1]:,} requests, mean response {best[2] / 1000:.2f} s)"
        )
    eng = rates[rows[0][0]]
    for name, rate in rates.items():
        if name != rows[0][0]:
            print(f"engine / {name}: {eng / rate:.2f}x")

    print("cache-aside (designs/catalog/cache_aside.toml: 150 req/s, LRU over Zipf keys)")
    pair = [
        ("freightlab engine (all metrics)", bench_engine_cache_aside),
        ("minimal SimPy loop", bench_simpy_cache_aside),
    ]
    cache_rates = []
    for name, fn in pair:
        best = max((fn(args.requests) for _ in range(args.repeat)), key=lambda x: x[0])
        cache_rates.append(best[0])
        print(
            f"{name:<34} {best[0]:>10,.0f} requests/CPU-s"
            f"  ({best[1]:,} requests, mean response {best[2]:.1f} ms)"
        )
    print(f"engine / minimal SimPy loop (cache-aside): {cache_rates[0] / cache_rates[1]:.2f}x")

    mem = run_memory(args.memory_requests, use_tracemalloc=False)
    print(
        f"{int(mem['requests']):,}-request run: peak RSS {mem['peak_rss_mb']:.0f} MB"
        f" (process before the run {mem['rss_before_mb']:.0f} MB), {mem['cpu_s']:.1f} CPU-s"
    )
    tm = run_memory(args.memory_requests, use_tracemalloc=True)
    print(
        "  tracemalloc peak of Python allocations during the run:"
        f" {tm['tracemalloc_peak_mb']:.1f} MB"
    )


def _ciw_version() -> str:
    try:
        import ciw

        return str(ciw.__version__)
    except Exception:  # pragma: no cover - ciw is optional
        return "?"


if __name__ == "__main__":
    main()
