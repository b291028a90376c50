"""Write a :class:`~simulation.report.Report`: one HTML page, Markdown + PNGs, PNG/SVG + CSV.

The HTML page is self-contained: its CSS is inline and every chart is a PNG in a base64
``data:`` URI, so the one file can be mailed or attached to a review. Every text that came
from a design or a result goes through ``html.escape``. The Markdown form writes the charts
as PNG files beside it (``NAME-diagram.png``…) and links them relatively. Every file is
written atomically (``freightlab.atomic``).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
from collections.abc import Callable
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from freightlab.atomic import atomic_write_bytes, atomic_write_text
from freightlab.drawing import DRAW_LOCK
from freightlab.errors import InputError
from freightlab.progress import Progress, check
from simulation.report import VERDICT_COLOURS, Chart, Paragraph, Report, Table

REPORT_DPI = 110
CSS = """
body{font:15px/1.45 -apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1c1c1c;
max-width:1120px;margin:24px auto;padding:0 24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;
padding-bottom:4px}.facts{color:#555;margin:0 0 14px}.verdict{display:inline-block;color:#fff;
font-weight:700;padding:3px 12px;border-radius:4px;letter-spacing:.05em;margin-bottom:8px}
p.note{color:#555;font-size:13px}table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
caption{text-align:left;font-weight:600;padding:4px 0}th,td{border:1px solid #ddd;padding:4px 8px}
th{background:#f3f5f7;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fafafa}figure{margin:10px 0 22px}
figure img{max-width:100%;border:1px solid #e4e4e4}figcaption{color:#555;font-size:13px}
nav{font-size:13px;color:#555}nav a{margin-right:12px}
"""


def png_bytes(figure: Figure, dpi: int = REPORT_DPI) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(figure)  # a canvas, so savefig works without pyplot
    with DRAW_LOCK:
        figure.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def svg_text(figure: Figure) -> str:
    buf = io.StringIO()
    FigureCanvasAgg(figure)  # a canvas, so savefig works without pyplot
    with DRAW_LOCK:
        figure.savefig(buf, format="svg")
    return buf.getvalue()


def _numeric(text: str) -> bool:
    head = text.lstrip("~±-").split(" ")[0].replace(",", "").rstrip("%")
    try:
        float(head.removesuffix("ms").removesuffix("s"))
    except ValueError:
        return False
    return True


def _html_table(t: Table) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in t.headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if c and _numeric(v) else ''}>{e(v)}</td>" for c, v in enumerate(row)
        )
        + "</tr>"
        for row in t.rows
    )
    return f"<table><caption>{e(t.caption)}</caption><tr>{head}</tr>{body}</table>"


def _html_chart(c: Chart, image: bytes) -> str:
    e = html.escape
    data = base64.b64encode(image).decode("ascii")
    return (
        f'<figure id="{e(c.name)}"><img alt="{e(c.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption><b>{e(c.title)}.</b> {e(c.caption)}</figcaption></figure>"
    )


def to_html(report: Report, progress: Progress | None = None) -> str:
    """The report as one self-contained HTML page (charts drawn here: call it in a worker)."""
    e = html.escape
    charts = report.charts()
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{e(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1><p class=facts>{e(' · '.join(report.facts))}</p>",
    ]
    if report.verdict:
        colour = VERDICT_COLOURS.get(report.verdict, "#c62828")
        parts.append(
            f'<div class=verdict style="background:{colour}">{e(report.verdict.upper())}</div>'
        )
    links = "".join(f'<a href="#s{i}">{e(s.heading)}</a>' for i, s in enumerate(report.sections))
    parts.append(f"<nav>{links}</nav>")
    drawn = 0
    for i, section in enumerate(report.sections):
        parts.append(f'<h2 id="s{i}">{e(section.heading)}</h2>')
        for block in section.blocks:
            if isinstance(block, Paragraph):
                parts.append(f"<p{' class=note' if block.note else ''}>{e(block.text)}</p>")
            elif isinstance(block, Table):
                parts.append(_html_table(block))
            else:
                parts.append(_html_chart(block, png_bytes(block.figure)))
                drawn += 1
                check(progress, drawn / max(1, len(charts)), f"drew {block.title}")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(
    report: Report, image_name: Callable[[Chart], str], progress: Progress | None = None
) -> tuple[str, dict[str, bytes]]:
    """(Markdown text, {file name: PNG}) — the PNGs go beside the Markdown file."""
    lines = [f"# {report.title}", "", " · ".join(report.facts), ""]
    if report.verdict:
        lines += [f"**Verdict: {report.verdict.upper()}**", ""]
    images: dict[str, bytes] = {}
    charts = report.charts()
    for section in report.sections:
        lines += [f"## {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [f"*{block.text}*" if block.note else block.text, ""]
            elif isinstance(block, Table):
                lines += [f"**{block.caption}**", ""]
                lines.append("| " + " | ".join(_md_cell(h) for h in block.headers) + " |")
                lines.append("|" + "|".join("---" for _ in block.headers) + "|")
                lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in block.rows]
                lines.append("")
            else:
                name = image_name(block)
                images[name] = png_bytes(block.figure)
                lines += [f"![{block.title}]({name})", "", f"*{block.title}.* {block.caption}", ""]
                check(progress, len(images) / max(1, len(charts)), f"drew {block.title}")
    return "\n".join(lines), images


def report_format(path: str | os.PathLike[str]) -> str:
    """'html' or 'md' from the file name; InputError for anything else."""
    suffix = Path(path).suffix.lower()
    kinds = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}
    if suffix not in kinds:
        raise InputError(
            f"--report {path}: the name must end in .html or .md, not {suffix or 'nothing'!r}"
        )
    return kinds[suffix]


def write_report(
    report: Report, path: str | os.PathLike[str], progress: Progress | None = None
) -> list[Path]:
    """Write the report (HTML, or Markdown with PNGs beside it); the files written."""
    target = Path(path)
    if report_format(target) == "html":
        atomic_write_text(target, to_html(report, progress))
        return [target]
    text, images = to_markdown(report, lambda c: f"{target.stem}-{c.name}.png", progress)
    written = []
    for name, data in images.items():
        atomic_write_bytes(target.parent / name, data)
        written.append(target.parent / name)
    atomic_write_text(target, text + "\n")
    return [target, *written]


def tables_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return buf.getvalue()


def export_files(
    report: Report, folder: str | os.PathLike[str], progress: Progress | None = None
) -> list[Path]:
    """Every chart as NAME.png and NAME.svg and every table as NAME.csv in ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    charts = report.charts()
    for k, chart in enumerate(charts, start=1):
        atomic_write_bytes(out / f"{chart.name}.png", png_bytes(chart.figure))
        atomic_write_text(out / f"{chart.name}.svg", svg_text(chart.figure))
        written += [out / f"{chart.name}.png", out / f"{chart.name}.svg"]
        check(progress, k / max(1, len(charts)), f"saved {chart.title}")
    for table in report.tables():
        atomic_write_text(out / f"{table.name}.csv", tables_csv(table))
        written.append(out / f"{table.name}.csv")
    return written


__all__ = ["export_files", "report_format", "tables_csv", "to_html", "to_markdown", "write_report"]
