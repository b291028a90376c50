"""Reports (HTML / Markdown), chart and table exports, `--report` on the CLI, live frames."""

from __future__ import annotations

import base64
import html.parser
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from designs.loader import load_design
from freightlab.errors import InputError
from freightlab.progress import Cancelled, Progress
from main import main
from simulation.analytic import predict_or_explain
from simulation.live import LiveFeed, LiveFrame, LiveSeries
from simulation.report import comparison_report, run_report
from simulation.report_render import export_files, to_html, write_report
from simulation.runner import simulate
from simulation.sweeps import compare

CATALOG = Path(__file__).resolve().parents[2] / "designs" / "catalog"
MONOLITH = str(CATALOG / "monolith.toml")
CACHE = str(CATALOG / "cache_aside.toml")


class Images(html.parser.HTMLParser):
    """Every <img> of a page: its src, and whether it is an inline PNG."""

    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.figures = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.srcs.append(dict(attrs).get("src") or "")
        if tag == "figure":
            self.figures += 1


def _images(text: str) -> Images:
    parser = Images()
    parser.feed(text)
    return parser


def _run_report(duration: float = 900.0):  # type: ignore[no-untyped-def]
    design = load_design(CACHE)
    result = simulate(design, duration_s=duration)
    prediction, gaps = predict_or_explain(design)
    return design, result, run_report(design, result, prediction, gaps)


def test_html_report_is_self_contained_with_every_chart(tmp_path: Path) -> None:
    _design, result, report = _run_report()
    out = tmp_path / "run.html"
    assert write_report(report, out) == [out]
    text = out.read_text(encoding="utf-8")
    images = _images(text)
    # the diagram and the four charts of a run without failures, each inline
    assert len(images.srcs) == 5 == images.figures
    for src in images.srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http://" not in text and "https://" not in text and 'src="file' not in text
    assert result.bottleneck in text and "STABLE" in text
    assert "Request classes" in text and "distance_cache" in text
    assert [s.heading for s in report.sections] == ["Summary", "Design", "Figures", "Charts"]


def test_report_escapes_what_came_from_the_design(tmp_path: Path) -> None:
    source = Path(MONOLITH).read_text(encoding="utf-8")
    hostile = source.replace(
        'name = "Single matcher, three workers"', 'name = "<script>alert(1)</script> & co"'
    )
    assert hostile != source
    path = tmp_path / "hostile.toml"
    path.write_text(hostile, encoding="utf-8")
    design = load_design(path)
    result = simulate(design, duration_s=600)
    text = to_html(run_report(design, result, *predict_or_explain(design)))
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text


def test_markdown_report_writes_pngs_beside_it(tmp_path: Path) -> None:
    _design, _result, report = _run_report(600)
    out = tmp_path / "run.md"
    written = write_report(report, out)
    pngs = sorted(p.name for p in written if p.suffix == ".png")
    assert pngs == sorted(f"run-{c.name}.png" for c in report.charts())
    text = out.read_text(encoding="utf-8")
    for name in pngs:
        assert f"]({name})" in text
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert "| class |" in text and "## Charts" in text


def test_a_report_name_must_say_html_or_md(tmp_path: Path) -> None:
    _design, _result, report = _run_report(600)
    with pytest.raises(InputError, match=r"\.html or \.md"):
        write_report(report, tmp_path / "run.pdf")
    assert not list(tmp_path.iterdir())


def test_export_files_writes_png_svg_and_csv(tmp_path: Path) -> None:
    _design, result, report = _run_report(600)
    written = export_files(report, tmp_path / "out")
    names = {p.name for p in written}
    assert {"throughput.png", "throughput.svg", "diagram.svg", "classes.csv"} <= names
    assert (tmp_path / "out" / "latency.svg").read_text().lstrip().startswith("<?xml")
    rows = (tmp_path / "out" / "components.csv").read_text().splitlines()
    assert rows[0].startswith("component,kind,workers")
    assert len(rows) == 1 + len(result.components)


def test_comparison_report_has_every_design(tmp_path: Path) -> None:
    names = ("monolith", "replicas_round_robin", "replicas_least_connections")
    designs = [load_design(CATALOG / f"{n}.toml") for n in names]
    comparison = compare(designs, [2.0, 6.0], duration_s=300)
    report = comparison_report(designs, comparison)
    out = tmp_path / "cmp.html"
    write_report(report, out)
    text = out.read_text(encoding="utf-8")
    assert len(_images(text).srcs) == 1 + len(designs)  # the comparison and three diagrams
    points = next(t for t in report.tables() if t.name == "points")
    assert len(points.rows) == 3 * 2
    for d in designs:
        assert d.name in text


def test_cli_simulate_and_compare_write_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html_out = tmp_path / "sim.html"
    assert main(["simulate", MONOLITH, "--duration", "900", "--report", str(html_out)]) == 0
    assert f"report: {html_out}" in capsys.readouterr().out
    assert len(_images(html_out.read_text(encoding="utf-8")).srcs) == 5
    md_out = tmp_path / "cmp.md"
    args = ["compare", MONOLITH, str(CATALOG / "replicas_round_robin.toml")]
    assert main([*args, "--rates", "2,3", "--duration", "300", "--report", str(md_out)]) == 0
    assert (tmp_path / "cmp-comparison.png").is_file()
    assert "![Comparison](cmp-comparison.png)" in md_out.read_text(encoding="utf-8")


def test_cli_refuses_a_report_it_cannot_write_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", MONOLITH, "--report", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert "must end in .html or .md" in err and len(err.strip().splitlines()) == 1


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on this machine (scripts/setup.sh installs Debian's 'chromium' when "
    "run as root with apt; otherwise: sudo apt-get install chromium)",
)
def test_the_html_report_renders_in_a_headless_browser(tmp_path: Path) -> None:
    from PIL import Image

    _design, _result, report = _run_report(900)
    page = tmp_path / "report.html"
    write_report(report, page)
    shot = tmp_path / "report.png"
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=dict(os.environ))
    import numpy as np

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2000)
    rgb = np.asarray(image).astype(int).reshape(-1, 3)
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    inked = int(np.count_nonzero(r + g + b < 600))  # clearly not white
    assert inked > 0.02 * len(rgb), f"only {inked} non-white pixels: a blank page?"
    # the diagram's red bottleneck frame and the STABLE badge's green are drawn
    assert np.any((r > 180) & (g < 80) & (b < 80))
    assert np.any((g > 100) & (r < 80) & (b < 80))
    out = Path(__file__).resolve().parents[2] / "out"
    out.mkdir(exist_ok=True)
    shutil.copy(shot, out / "report_chromium.png")


# ----------------------------------------------------------------------------- live frames
def test_a_live_feed_publishes_every_bucket_once_in_order() -> None:
    frames: list[LiveFrame] = []
    progress = Progress(None, frames.append)
    design = load_design(CACHE)
    result = simulate(design, duration_s=900, progress=progress)
    assert len(frames) >= 1
    series = LiveSeries()
    for frame in frames:
        series.add(frame)  # raises when a frame repeats or skips buckets
    ts = result.timeseries
    assert series.time_s == ts.time_s[: len(series)]
    assert series.throughput["match"] == ts.throughput_rps["match"][: len(series)]
    assert 0 < series.fraction <= 1.0


def test_a_live_feed_leaves_the_result_unchanged_and_costs_nothing_unasked() -> None:
    design = load_design(MONOLITH)
    plain = simulate(design, duration_s=2000, progress=Progress())
    live = simulate(design, duration_s=2000, progress=Progress(None, lambda _f: None))
    assert live.to_json() == plain.to_json()
    assert LiveFeed.around(Progress()) is None and LiveFeed.around(None) is None


def test_frames_are_throttled_by_wall_clock() -> None:
    now = [0.0]
    sent: list[object] = []
    feed = LiveFeed(Progress(None, sent.append), max_hz=4.0, clock=lambda: now[0])
    design = load_design(MONOLITH)

    class Tick(Progress):  # advances the fake clock 10 ms per engine report
        def update(self, fraction: float, message: str = "") -> None:
            now[0] += 0.01
            feed.update(fraction, message)

    tick = Tick()
    from simulation.engine import Engine

    engine = Engine(design, duration_s=3000, warmup_s=300, seed=1, progress=tick)
    feed.attach(engine)
    engine.run()
    # 101 reports 10 ms apart: about 1 s of wall clock -> at most 5 frames at 4 Hz
    assert 2 <= len(sent) <= 5


def test_cancel_reaches_the_run_through_a_live_feed() -> None:
    progress = Progress(None, lambda _f: progress.cancel())
    with pytest.raises(Cancelled):
        simulate(load_design(CACHE), duration_s=900, progress=progress)
