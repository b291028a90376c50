"""Run the matcher in a child process, so a long compiled solve cannot freeze the window.

Why a process and not just the worker thread: scipy's assignment solver
(``min_weight_full_bipartite_matching``) holds the GIL for its whole run. On a 2,000 x 4,000
board that is 65-190 ms during which the UI thread cannot run at all (see bench/README.md,
"Dispatch desk"). A child process has its own interpreter and GIL. It costs a start-up
(about a second to import numpy/scipy), so the desk uses it only for big boards.

The instance goes to the child as JSON over a pipe and the child answers with JSON lines
(progress, then the result or an error): no user data is pickled. Cancelling terminates the
child at once, even in the middle of the solve.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dispatcher.costs import MatchSettings
from dispatcher.fleet import Load, LoadStatus, Truck, TruckStatus, TruckType
from dispatcher.matching import Assignment, MatchResult
from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress, ThrottledProgress

#: Boards with at least this many idle-truck x open-load pairs are matched in a child.
CHILD_THRESHOLD_PAIRS = 4_000_000
POLL_S = 0.05


def use_child(n_trucks: int, n_loads: int, map_path: str | None) -> bool:
    return (
        n_trucks * n_loads >= CHILD_THRESHOLD_PAIRS
        and map_path is not None
        and Path(map_path).is_file()
    )


def _truck_json(t: Truck) -> dict[str, Any]:
    return {
        "id": t.id,
        "location": t.location,
        "capacity_t": t.capacity_t,
        "truck_type": t.truck_type.value,
        "available_at": t.available_at,
        "status": t.status.value,
    }


def _load_json(ld: Load) -> dict[str, Any]:
    return {
        "id": ld.id,
        "origin": ld.origin,
        "destination": ld.destination,
        "weight_t": ld.weight_t,
        "truck_type": ld.truck_type.value,
        "pickup_earliest": ld.pickup_earliest,
        "pickup_latest": ld.pickup_latest,
        "price": ld.price,
        "status": ld.status.value,
        "truck_id": ld.truck_id,
    }


def _truck(d: dict[str, Any]) -> Truck:
    return Truck(
        d["id"],
        d["location"],
        float(d["capacity_t"]),
        TruckType(d["truck_type"]),
        float(d["available_at"]),
        TruckStatus(d["status"]),
    )


def _load(d: dict[str, Any]) -> Load:
    return Load(
        d["id"],
        d["origin"],
        d["destination"],
        float(d["weight_t"]),
        TruckType(d["truck_type"]),
        float(d["pickup_earliest"]),
        float(d["pickup_latest"]),
        float(d["price"]),
        LoadStatus(d["status"]),
        d["truck_id"],
    )


def _result_json(r: MatchResult) -> dict[str, Any]:
    return {
        "assignments": [dataclasses.astuple(a) for a in r.assignments],
        "unassigned": r.unassigned,
        "total_deadhead_km": r.total_deadhead_km,
        "total_cost": r.total_cost,
        "matcher": r.matcher,
        "feasible_pairs": r.feasible_pairs,
        "idle_trucks_left": r.idle_trucks_left,
    }


def _result(d: dict[str, Any]) -> MatchResult:
    return MatchResult(
        assignments=[
            Assignment(str(t), str(ld), float(k), float(c), float(p))
            for t, ld, k, c, p in d["assignments"]
        ],
        unassigned={str(k): str(v) for k, v in d["unassigned"].items()},
        total_deadhead_km=float(d["total_deadhead_km"]),
        total_cost=float(d["total_cost"]),
        matcher=str(d["matcher"]),
        feasible_pairs=int(d["feasible_pairs"]),
        idle_trucks_left=[str(t) for t in d["idle_trucks_left"]],
    )


def _send(conn: Connection, message: dict[str, Any]) -> None:
    conn.send_bytes(json.dumps(message).encode("utf-8"))


def _pipe_progress(conn: Connection) -> Progress:
    """Progress sent to the parent over the pipe, at most once per percent."""
    return ThrottledProgress(Progress(lambda f, m: _send(conn, {"progress": f, "message": m})))


def _child_main(conn: Connection, request: bytes) -> None:
    """Entry point of the child process."""
    try:
        from dispatcher.matching import OptimalMatcher
        from dispatcher.routes import RouteGraph

        req = json.loads(request.decode("utf-8"))
        graph = RouteGraph.load(req["map"])
        trucks = [_truck(d) for d in req["trucks"]]
        loads = [_load(d) for d in req["loads"]]
        settings = MatchSettings(**req["settings"])
        result = OptimalMatcher().match(trucks, loads, graph, settings, _pipe_progress(conn))
        _send(conn, {"result": _result_json(result)})
    except InputError as exc:
        _send(conn, {"error": str(exc), "input": True})
    except Exception as exc:  # reported to the desk as an internal error
        _send(conn, {"error": f"{type(exc).__name__}: {exc}", "input": False})
    finally:
        conn.close()


def match_in_child(
    trucks: Sequence[Truck],
    loads: Sequence[Load],
    map_path: str,
    settings: MatchSettings,
    progress: Progress | None = None,
) -> MatchResult:
    """``OptimalMatcher().match`` in a fresh process; raises Cancelled when cancelled."""
    request = json.dumps(
        {
            "map": str(map_path),
            "trucks": [_truck_json(t) for t in trucks],
            "loads": [_load_json(ld) for ld in loads],
            "settings": dataclasses.asdict(settings),
        }
    ).encode("utf-8")
    ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(sender, request), daemon=True)
    proc.start()
    sender.close()
    try:
        while True:
            if progress is not None and progress.cancelled:
                raise Cancelled()
            if not receiver.poll(POLL_S):
                if not proc.is_alive() and not receiver.poll(0):
                    raise RuntimeError(f"matcher process ended unexpectedly ({proc.exitcode})")
                continue
            try:
                message = json.loads(receiver.recv_bytes().decode("utf-8"))
            except EOFError:
                raise RuntimeError("matcher process closed its pipe without an answer") from None
            if "progress" in message:
                if progress is not None:
                    progress.update(float(message["progress"]), str(message["message"]))
            elif "result" in message:
                return _result(message["result"])
            else:
                text = str(message.get("error", "unknown error"))
                raise InputError(text) if message.get("input") else RuntimeError(text)
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(2)
        receiver.close()
