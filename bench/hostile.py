"""Hostile inputs: seeded mutations of design, fleet CSV, map and board files, and a way to
run the command line on one and classify what happened.

Used by the fuzz tests (tests/foundation/test_hostile_inputs.py, a few dozen cases each) and by
bench/fuzz_inputs.py (thousands). Each mutator takes a ``random.Random`` and returns new
file contents; the same seed gives the same file.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "designs" / "catalog"
SAMPLES = ROOT / "assets" / "samples"
MAPS = ROOT / "assets" / "maps"

# Numbers a hostile tester types: degenerate floats, integers past float and int64, a
# 5,000-digit integer, negative and zero values, NaN and infinity.
EXTREMES = (
    "0",
    "-1",
    "0.0",
    "-0.0",
    "1e-322",
    "5e-324",
    "1e-300",
    "1e200",
    "1e308",
    "-1e308",
    "1e999",
    "nan",
    "inf",
    "-inf",
    "1000000000",
    "1" + "0" * 30,
    "2147483648",
    str(2**63),
    str(2**64 + 1),
    "1" + "0" * 400,
    "9" * 5000,
    "0.000001",
    "3",
    "100000",
    "1e6",
    "1e9",
)
_NUMBER = re.compile(r"(?<=[=\[,{]\s)-?\d[\d_.eE+-]*|(?<=[=\[,{])-?\d[\d_.eE+-]*")

# (field, values) a mutation adds to a component, class or workload.
COMPONENT_FIELDS = (
    ("replicas", ("0", "1000000000", "1" + "0" * 30, "10000", "20000")),
    ("workers", ("1000000000", "100000", "0", "1" + "0" * 30)),
    ("partitions", ("1000000000", "10000", "0")),
    ("pool_size", ("1000000000", "100000")),
    ("fanout", ("1000000", "1000", "0")),
    ("queue_limit", ("0", "-1", "1000000000000")),
    ("capacity", ("0", "2147483648", "100000000")),
    ("timeout_ms", ("1e-322", "0", "1e308", "0.001")),
    ("rate_limit_rps", ("5e-324", "1e308", "0.000001")),
    ("hit_ratio", ("1.5", "-0.1", "nan", "1.0", "0.0")),
    ("then", ('"nowhere"', '"matcher"', "3")),
    ("calls", ('["a", "a"]', "[]", '["nowhere"]')),
    (
        "service_ms",
        (
            '{ dist = "exponential", mean = 1e-322 }',
            '{ dist = "exponential", mean = 1e200 }',
            '{ dist = "lognormal", mean = 10.0, cv = 1e200 }',
            '{ dist = "gamma", mean = 10.0, cv = 1e-300 }',
            '{ dist = "erlang", mean = 10.0, k = 1000000000 }',
            '{ dist = "uniform", low = 5.0, high = 1.0 }',
            '{ dist = "empirical", samples = [] }',
            '{ dist = "empirical", samples = [0.0, 1e-320, 1e308] }',
            '{ dist = "deterministic", mean = 0.0 }',
        ),
    ),
)
ARRIVALS = (
    '{ process = "poisson", rate_rps = 5e-324 }',
    '{ process = "poisson", rate_rps = 1e308 }',
    '{ process = "poisson", rate_rps = 1000000000.0 }',
    '{ process = "poisson", rate_rps = 100000.0 }',
    '{ process = "bursty", rate_rps = 1.0, burst_rate_rps = 10.0, burst_every_s = 1e-300,'
    " burst_duration_s = 1e-300 }",
    '{ process = "bursty", rate_rps = 1.0, burst_rate_rps = 10.0, burst_every_s = 0.001,'
    " burst_duration_s = 0.001 }",
    '{ process = "diurnal", rate_rps = 2.0, amplitude = 1.0, period_s = 1e-300 }',
    '{ process = "diurnal", rate_rps = 2.0, amplitude = 0.5, period_s = 0.001 }',
    '{ process = "trace", times_s = [] }',
    '{ process = "trace", times_s = [3.0, 1.0] }',
    '{ process = "trace", times_s = [0.0, 0.0, 0.0, 1e308] }',
)
CLASS_FIELDS = (
    (
        "keys",
        (
            "{ count = 2147483648 }",
            '{ dist = "zipf", count = 1000000, s = 1e200 }',
            '{ dist = "uniform", count = 0 }',
        ),
    ),
)
WORKLOAD_FIELDS = (
    ("seed", ("-1", str(2**64), "9" * 5000)),
    ("duration_s", ("1e-322", "1e308", "0.001", "1e9")),
    ("warmup_s", ("1e308", "-1")),
    ("max_in_system", ("1", "1000000000000")),
)
KINDS = ("service", "gateway", "load_balancer", "cache", "database", "queue", "notifier", "x")


def design_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(CATALOG.glob("*.toml"))]


# --- design mutations ------------------------------------------------------------------


def _numbers(text: str, rng: random.Random) -> str:
    spans = [m.span() for m in _NUMBER.finditer(text)]
    for _ in range(rng.randint(1, 3)):
        if not spans:
            break
        a, b = rng.choice(spans)
        text = text[:a] + rng.choice(EXTREMES) + text[b:]
        spans = [m.span() for m in _NUMBER.finditer(text)]
    return text


def _section_starts(text: str, header: str) -> list[int]:
    return [m.end() for m in re.finditer(re.escape(header) + r"\n", text)]


def _insert_after(text: str, header: str, line: str, rng: random.Random) -> str:
    starts = _section_starts(text, header)
    if not starts:
        return text + "\n" + line + "\n"
    at = rng.choice(starts)
    return text[:at] + line + "\n" + text[at:]


def _inject(text: str, rng: random.Random) -> str:
    where = rng.random()
    if where < 0.5:
        field, values = rng.choice(COMPONENT_FIELDS)
        text = re.sub(rf"(?m)^{field} = .*\n", "", text, count=1) if rng.random() < 0.7 else text
        return _insert_after(text, "[[components]]", f"{field} = {rng.choice(values)}", rng)
    if where < 0.75:
        return re.sub(r"arrival = \{[^}]*\}", "arrival = " + rng.choice(ARRIVALS), text, count=1)
    if where < 0.85:
        field, values = rng.choice(CLASS_FIELDS)
        text = re.sub(rf"(?m)^{field} = .*\n", "", text)
        return _insert_after(text, "[[workload.classes]]", f"{field} = {rng.choice(values)}", rng)
    field, values = rng.choice(WORKLOAD_FIELDS)
    return re.sub(rf"(?m)^{field} = .*$", f"{field} = {rng.choice(values)}", text, count=1)


def _structure(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    op = rng.randrange(6)
    i = rng.randrange(len(lines))
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif op == 2:
        return text[: rng.randrange(len(text))]
    elif op == 3:
        data = bytearray(text.encode("utf-8"))
        data[rng.randrange(len(data))] = rng.randrange(256)
        return data.decode("utf-8", "replace")
    elif op == 4:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        return re.sub(r'kind = "\w+"', f'kind = "{rng.choice(KINDS)}"', text, count=1)
    return "".join(lines)


def _huge(text: str, rng: random.Random) -> str:
    """The size attacks: long chains, many components or classes, deep nesting, long keys."""
    op = rng.randrange(7)
    if op == 0:
        return text + "\nx = " + "[" * 5000 + "]" * 5000 + "\n"
    if op == 1:
        return text + "\na" + ".a" * 100_000 + " = 1\n"
    if op == 2:
        return chain_design(rng.choice((200, 1000, 1001, 60_000)), zero_time=rng.random() < 0.5)
    if op == 3:
        n = rng.choice((100, 101, 5000))
        extra = "".join(
            f'\n[[workload.classes]]\nname = "c{i}"\nentry = "matcher"\n'
            'arrival = { process = "poisson", rate_rps = 0.1 }\n'
            for i in range(n)
        )
        return text.replace("[[components]]", extra + "\n[[components]]", 1)
    if op == 4:
        n = rng.choice((1000, 200_001, 300_000))
        times = ", ".join(f"{i * 0.01:.2f}" for i in range(n))
        return re.sub(
            r"arrival = \{[^}]*\}",
            'arrival = { process = "trace", times_s = [' + times + "] }",
            text,
            count=1,
        )
    if op == 5:
        return text + "\n" + "# padding\n" * 500_000
    return text.replace('name = "', 'name = "' + "x" * 10_000, 1)


def chain_design(n: int, *, zero_time: bool) -> str:
    """A ``then`` chain of ``n`` components (zero-time pure delays, or 1 ms services)."""
    head = (
        'name = "chain"\n[workload]\nduration_s = 60\nseed = 1\n'
        '[[workload.classes]]\nname = "r"\nentry = "s0"\n'
        'arrival = { process = "poisson", rate_rps = 5.0 }\n'
    )
    kind = (
        'kind = "gateway"'
        if zero_time
        else 'kind = "service"\nservice_ms = { dist = "exponential", mean = 1.0 }'
    )
    parts = [head]
    for i in range(n):
        then = f'then = "s{i + 1}"\n' if i + 1 < n else ""
        parts.append(f'[[components]]\nname = "s{i}"\n{kind}\n{then}')
    return "".join(parts)


DESIGN_MUTATORS: tuple[Callable[[str, random.Random], str], ...] = (
    _numbers,
    _numbers,
    _inject,
    _inject,
    _inject,
    _structure,
    _huge,
)


def mutate_design(base: str, rng: random.Random) -> str:
    text = base
    for _ in range(rng.choice((1, 1, 2, 3))):
        text = rng.choice(DESIGN_MUTATORS)(text, rng)
    return text


# --- fleet CSV, map and board mutations ------------------------------------------------

CSV_CELLS = (
    "",
    "-1",
    "0",
    "nan",
    "inf",
    "1e308",
    "1e-322",
    "9" * 5000,
    "2026-13-45T99:99",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "1e20",
    "-1e308",
    "nowhere",
    "\x00",
    '"',
    "open,extra",
    "x" * 100_000,
    "reefer",
    "delhi",
)


def mutate_csv(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.choice((1, 1, 2, 4))):
        op = rng.randrange(6)
        i = rng.randrange(len(lines))
        if op <= 2:
            cells = lines[i].split(",")
            cells[rng.randrange(len(cells))] = rng.choice(CSV_CELLS)
            lines[i] = ",".join(cells)
        elif op == 3:
            del lines[i]
        elif op == 4:
            lines.insert(i, lines[rng.randrange(len(lines))])
        else:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    out = "\n".join(lines) + "\n"
    if rng.random() < 0.05:
        out = "\ufeff" + out
    return out


_XML_NUMBER = re.compile(r"(?<=>)-?\d[\d.eE+-]*(?=</data>)")
MAP_ATTACKS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
    '<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>'
    "<graphml><graph><node id='&g;'/></graph></graphml>",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<graphml><graph><node id='&e;'/></graph></graphml>",
    "<graphml>" + "<graph>" * 5000 + "</graph>" * 5000 + "</graphml>",
    "",
    "not xml at all",
)


def mutate_map(text: str, rng: random.Random) -> str:
    op = rng.randrange(8)
    if op == 0:
        return rng.choice(MAP_ATTACKS)
    if op <= 3:
        spans = [m.span() for m in _XML_NUMBER.finditer(text)]
        for _ in range(rng.randint(1, 3)):
            a, b = rng.choice(spans)
            text = text[:a] + rng.choice(EXTREMES[:20]) + text[b:]
            spans = [m.span() for m in _XML_NUMBER.finditer(text)]
        return text
    if op == 4:
        return text.replace('edgedefault="undirected"', 'edgedefault="directed"')
    if op == 5:
        return text.replace('attr.type="double"', rng.choice(('attr.type="int"', "")), 1)
    if op == 6:
        ids = re.findall(r'<node id="([^"]+)"', text)
        a = rng.choice(ids)
        return text.replace(f'<node id="{a}"', f'<node id="{rng.choice(ids)}"', 1)
    return text[: rng.randrange(len(text))]


def mutate_board(path: Path, rng: random.Random) -> None:
    """Damage a board file in place: bytes, truncation, or values rewritten through SQL."""
    op = rng.randrange(5)
    if op == 0:
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 50)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
    elif op == 1:
        data = path.read_bytes()
        path.write_bytes(data[: rng.randrange(len(data))])
    else:
        _sql_damage(path, rng)


_SQL_DAMAGE = (
    "UPDATE meta SET value = 'abc' WHERE key = 'revision'",
    "UPDATE meta SET value = '99999999999999999999999' WHERE key = 'revision'",
    "UPDATE trucks SET capacity_t = 'x'",
    "UPDATE trucks SET capacity_t = 1e999",
    "UPDATE trucks SET truck_type = 'spaceship'",
    "UPDATE trucks SET status = 'flying'",
    "UPDATE trucks SET available_at = 'yesterday'",
    "UPDATE loads SET weight_t = NULL",
    "UPDATE loads SET pickup_earliest = 'soon'",
    "UPDATE loads SET status = 42",
    "UPDATE loads SET price = -1e308",
    "DELETE FROM meta",
    "DROP TABLE loads",
    "PRAGMA user_version = 99",
    "PRAGMA user_version = 0",
    "PRAGMA application_id = 7",
)


def _sql_damage(path: Path, rng: random.Random) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in rng.sample(_SQL_DAMAGE, rng.randint(1, 3)):
            with contextlib.suppress(sqlite3.Error):
                conn.execute(statement)
    finally:
        conn.close()


# --- running and classifying -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int
    stderr: str

    def problem(self, *sources: str) -> str | None:
        """Why this outcome breaks the contract (None when it is fine): exit 0, or exit 2
        with one line that names the file (any of ``sources``, by name) or a field."""
        if self.code == 0:
            return None
        if self.code != 2:
            return f"exit {self.code}: {self.stderr[-2000:]}"
        lines = [ln for ln in self.stderr.splitlines() if ln.strip()]
        if len(lines) != 1:
            return f"exit 2 but {len(lines)} lines on stderr: {self.stderr[-2000:]}"
        if "Traceback" in self.stderr:
            return f"a traceback: {self.stderr[-2000:]}"
        named = any(Path(s).name in lines[0] for s in sources)
        if not named and "field" not in lines[0] and "--" not in lines[0]:
            return f"the reason names neither the file nor a field: {lines[0]}"
        return None


def run_cli(argv: list[str]) -> Outcome:
    """The command line in this process, as main.py runs it; stdout is thrown away."""
    from freightlab.cli import run_cli as run

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run(argv)
    return Outcome(code, err.getvalue())
