"""Rehearse: how long scoring takes per exercise (the wait behind the Score button).

For every exercise: the starter and the reference scored with the exercise's replications
(as the Score button and `main.py score` do), wall time and simulated events. Prints a
Markdown table; nothing asserts a timing.
"""

from __future__ import annotations

import time

from designs.exercise import catalog_exercises, load_exercise
from simulation.scorecard import score_design


def main() -> None:
    print("| exercise | runs x simulated s | starter: grade, s | reference: grade, s | events/s |")
    print("|---|---|---|---|---|")
    total = 0.0
    for path in catalog_exercises():
        exercise = load_exercise(path)
        req = exercise.requirements
        cells = []
        events, seconds = 0, 0.0
        for design in (exercise.starter_design(), exercise.reference_design()):
            start = time.perf_counter()
            card = score_design(design, exercise)
            took = time.perf_counter() - start
            events += sum(r.events for r in card.runs)
            seconds += took
            cells.append(f"{card.grade}, {took:.1f}")
        total += seconds
        print(
            f"| {path.stem} | {req.replications} x {req.duration_s:g} | {cells[0]} | "
            f"{cells[1]} | {events / seconds:,.0f} |"
        )
    print(f"\nAll exercises, starter and reference: {total:.0f} s")


if __name__ == "__main__":
    main()
