"""Generate the shipped sample days (assets/samples/*.csv) with a fixed seed.

Run from the repository root: ``.venv/bin/python scripts/make_samples.py``. The same seed
and maps give byte-identical files. Times are written as ISO 8601 stamps on one dispatch
day (2026-11-23) so the samples also show the ISO form of the CSV format.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatcher.fleet import LOAD_COLUMNS, TRUCK_COLUMNS, Load, Truck  # noqa: E402
from dispatcher.routes import RouteGraph  # noqa: E402
from dispatcher.synthetic import random_day  # noqa: E402
from freightlab.atomic import atomic_write_text  # noqa: E402

SEED = 20261123
DAY = datetime(2026, 11, 23)
SAMPLES = ROOT / "assets" / "samples"
# map file, file prefix, trucks, loads, price per loaded km (INR in India, USD in the US)
DAYS = [
    ("india.graphml", "india", 100, 300, 55.0),
    ("us_canada.graphml", "us", 100, 300, 2.2),
]


def iso(hours: float) -> str:
    return (DAY + timedelta(hours=hours)).isoformat(timespec="minutes")


def num(x: float) -> str:
    return f"{x:g}"


def write_trucks(path: Path, trucks: list[Truck]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(TRUCK_COLUMNS)
    for t in trucks:
        w.writerow([t.id, t.location, num(t.capacity_t), t.truck_type.value, iso(t.available_at)])
    atomic_write_text(path, out.getvalue())


def write_loads(path: Path, loads: list[Load]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(LOAD_COLUMNS)
    for ld in loads:
        w.writerow(
            [
                ld.id,
                ld.origin,
                ld.destination,
                num(ld.weight_t),
                ld.truck_type.value,
                iso(ld.pickup_earliest),
                iso(ld.pickup_latest),
                num(ld.price),
            ]
        )
    atomic_write_text(path, out.getvalue())


def main() -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    for k, (map_file, prefix, n_trucks, n_loads, rate) in enumerate(DAYS):
        graph = RouteGraph.load(ROOT / "assets" / "maps" / map_file)
        trucks, loads = random_day(graph, n_trucks, n_loads, SEED + k, rate_per_km=rate)
        write_trucks(SAMPLES / f"{prefix}_trucks.csv", trucks)
        write_loads(SAMPLES / f"{prefix}_loads.csv", loads)
        print(f"{prefix}: {len(trucks)} trucks, {len(loads)} loads", file=sys.stderr)


if __name__ == "__main__":
    main()
