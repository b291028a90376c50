"""The design an exercise actually runs: the candidate's components under the exercise's traffic.

The exercise, not the candidate, decides the traffic: the arrival shape at its peak, each
request class's share, the key popularity, and the failures injected. What the design lacks
for that (a request class, a component a fault names) is reported as a problem, so a design
cannot pass by leaving out what the interviewer asked about.
"""

from __future__ import annotations

from designs.exercise import Exercise, Traffic
from designs.schema import Arrival, Design, Fault, RequestClass


def arrival_for(traffic: Traffic, rate_rps: float, duration_s: float) -> Arrival:
    """The arrival process of one class whose peak share is ``rate_rps``."""
    if traffic.shape == "burst":
        return Arrival(
            process="bursty",
            rate_rps=rate_rps,
            burst_rate_rps=rate_rps * traffic.burst_factor,
            burst_every_s=traffic.burst_every_s,
            burst_duration_s=traffic.burst_duration_s,
        )
    if traffic.shape == "diurnal":  # the peak of rate * (1 + a sin) is the requirement's rate
        return Arrival(
            process="diurnal",
            rate_rps=rate_rps / (1.0 + traffic.amplitude),
            amplitude=traffic.amplitude,
            period_s=duration_s,
        )
    return Arrival(process="poisson", rate_rps=rate_rps)


def mean_rate(exercise: Exercise) -> float:
    """Long-run mean offered rate (requests/s) of the exercise's traffic."""
    return sum(arrival_for(exercise.traffic, share, 1.0).mean_rate() for share in _shares(exercise))


def _shares(exercise: Exercise) -> list[float]:
    mix = exercise.traffic.mix or {"all": 1.0}
    total = sum(mix.values())
    return [exercise.requirements.rate_rps * v / total for v in mix.values()]


def trial_design(design: Design, exercise: Exercise) -> tuple[Design, list[str]]:
    """The design to simulate, and what it lacks that the exercise needs."""
    req = exercise.requirements
    problems: list[str] = []
    classes = _classes(design, exercise, problems)
    problems += _limit_problems(design, exercise)
    faults = [*design.faults, *_faults(design, exercise, problems)]
    workload = design.workload.model_copy(
        update={
            "classes": classes,
            "duration_s": req.duration_s,
            "warmup_s": min(req.warmup_s, req.duration_s / 2),
        }
    )
    run = design.model_copy(update={"workload": workload, "faults": faults})
    return Design.model_validate(run.model_dump()), problems


def _classes(design: Design, exercise: Exercise, problems: list[str]) -> list[RequestClass]:
    traffic, req = exercise.traffic, exercise.requirements
    own = {c.name: c for c in design.workload.classes}
    if traffic.mix:
        total = sum(traffic.mix.values())
        shares = {name: req.rate_rps * v / total for name, v in traffic.mix.items()}
        for name in shares:
            if name not in own:
                problems.append(f"request class '{name}' is missing (the exercise sends it)")
    else:
        base = design.workload.total_rate()
        shares = {
            c.name: req.rate_rps * c.arrival.mean_rate(design.workload.duration_s) / base
            for c in design.workload.classes
        }
    out = []
    for c in design.workload.classes:
        update: dict[str, object] = {}
        if c.name in shares:
            update["arrival"] = arrival_for(traffic, shares[c.name], req.duration_s)
        if traffic.keys is not None and (not traffic.keys_for or c.name in traffic.keys_for):
            update["keys"] = traffic.keys
        out.append(c.model_copy(update=update))
    return out


def _limit_problems(design: Design, exercise: Exercise) -> list[str]:
    """Components that exceed a limit the exercise fixes (a database that takes N writes)."""
    names = set(design.component_names())
    problems = []
    for name, most in exercise.requirements.max_servers.items():
        if name not in names:
            problems.append(f"component '{name}' is missing (the exercise's limit is on it)")
            continue
        c = design.component(name)
        count = (c.servers() or 0) * c.replica_count()
        if count > most:
            problems.append(f"'{name}' has {count} workers or connections; it can take {most}")
    for name, least in exercise.requirements.fixed_fail_ratio.items():
        if name not in names:
            problems.append(f"component '{name}' is missing (the exercise says it fails)")
            continue
        ratio = getattr(design.component(name), "fail_ratio", None) or 0.0
        if ratio < least * 0.999:
            problems.append(
                f"'{name}' fails {ratio:.0%} of calls but the exercise says {least:.0%}"
            )
    return problems


def _faults(design: Design, exercise: Exercise, problems: list[str]) -> list[Fault]:
    """The exercise's failures, on the design's components (missing ones are problems)."""
    names = set(design.component_names())
    out = []
    for fault in exercise.traffic.faults:
        if fault.component not in names:
            problems.append(
                f"component '{fault.component}' is missing (the exercise fails it at "
                f"{fault.at_s:g} s)"
            )
            continue
        replicas = design.component(fault.component).replica_count()
        if fault.replica is not None and fault.replica >= replicas:
            fault = fault.model_copy(update={"replica": replicas - 1})
        out.append(fault)
    return out
