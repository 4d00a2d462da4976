"""The soak's samples as an SVG written by hand (no plotting library is
assumed): stacked line charts over time, one per series, with the warm-up
shaded and the fitted trend drawn as a dashed line over the judged span."""

import math
from xml.sax.saxutils import escape

WIDTH = 760
LEFT, RIGHT = 70, 20          # plot area margins
PANEL_H = 150                 # one chart, title and axis included
TOP, BOTTOM = 24, 30          # inside a panel: title band, x-axis band
HEADER_H = 46

# (title, column, divisor, unit, colour); a column with a fitted trend gets it drawn
PANELS = (
    ("server RSS (MiB)", "rss_kib", 1024, "MiB", "#1f77b4"),
    ("server open fds", "fds", 1, "fds", "#2ca02c"),
    ("probe latency, publish to receive (ms)", "latency_ms", 1, "ms", "#9467bd"),
    ("delivered to fast members (messages/s)", "delivered_per_s", 1, "messages/s", "#8c564b"),
)


def nice_step(span, count):
    """A 1, 2 or 5 times a power of ten near span / count."""
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def axis_range(values, from_zero):
    """(low, high, step) bounding the values on round numbers."""
    lo = 0.0 if from_zero else min(values)
    hi = max(values)
    if hi - lo < 1e-9:
        lo, hi = (0.0, 1.0) if from_zero else (lo - 1, hi + 1)
    step = nice_step(hi - lo, 4)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def fmt(v, step):
    """v with as many decimals as the axis step needs."""
    return f"{v:.{max(0, -math.floor(math.log10(step)))}f}"


class Panel:
    def __init__(self, top, t_end, lo, hi):
        self.top, self.t_end, self.lo, self.hi = top, t_end, lo, hi
        self.plot_top = top + TOP
        self.plot_h = PANEL_H - TOP - BOTTOM

    def x(self, t):
        return LEFT + (WIDTH - LEFT - RIGHT) * t / self.t_end

    def y(self, v):
        return self.plot_top + self.plot_h * (1 - (v - self.lo) / (self.hi - self.lo))


def polylines(panel, points, colour, extra=""):
    """One polyline per run of points without a gap (a None value)."""
    out, run = [], []
    for t, v in points + [(None, None)]:
        if v is None:
            if len(run) == 1:
                out.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="1.5" fill="{colour}"/>')
            elif run:
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.3"{extra}/>')
            run = []
        else:
            run.append((panel.x(t), panel.y(v)))
    return out


def axes(panel, title, step, warmup):
    right, bottom = WIDTH - RIGHT, panel.plot_top + panel.plot_h
    out = [f'<text x="{LEFT}" y="{panel.top + 16}" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{LEFT}" y="{panel.plot_top}" width="{panel.x(min(warmup, panel.t_end)) - LEFT:.1f}" '
           f'height="{panel.plot_h}" fill="#eeeeee"/>',
           f'<text x="{LEFT + 4}" y="{panel.plot_top + 12}" fill="#777">warm-up</text>']
    v = panel.lo
    while v <= panel.hi + step / 2:
        y = panel.y(v)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt(v, step)}</text>')
        v += step
    t_step = nice_step(panel.t_end, 8)
    t = 0
    while t <= panel.t_end:
        x = panel.x(t)
        out.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="#333"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 15}" text-anchor="middle">{fmt(t, t_step)}</text>')
        t += t_step
    out.append(f'<text x="{right}" y="{bottom + 27}" text-anchor="end" fill="#555">time (s)</text>')
    out.append(f'<rect x="{LEFT}" y="{panel.plot_top}" width="{right - LEFT}" height="{panel.plot_h}" '
               f'fill="none" stroke="#333"/>')
    return out


def chart(top, rows, spec, trend, warmup):
    title, column, divisor, unit, colour = spec
    t_end = max(rows[-1]["t_s"], 1)
    points = [(r["t_s"], None if r[column] is None else r[column] / divisor) for r in rows]
    values = [v for _, v in points if v is not None] or [0.0]
    lo, hi, step = axis_range(values, from_zero=trend is None)
    panel = Panel(top, t_end, lo, hi)
    out = axes(panel, title, step, warmup)
    out += polylines(panel, points, colour)
    if trend is not None and trend.enough:
        ends = [(t, trend.at(t) / divisor) for t in (trend.xs[0], trend.xs[-1])]
        out += polylines(panel, ends, "#d62728", ' stroke-dasharray="6 4"')
        out.append(f'<text x="{WIDTH - RIGHT}" y="{panel.top + 16}" text-anchor="end" fill="#d62728">'
                   f'fitted after warm-up: {trend.slope * 60 / divisor:+.3g} {unit} per min</text>')
    missing = sum(1 for _, v in points if v is None)
    if missing:
        out.append(f'<text x="{WIDTH - RIGHT}" y="{panel.top + 16}" text-anchor="end" fill="#d62728">'
                   f'{missing} s without a sample</text>')
    return out


def write_svg(path, rows, trends, warmup, headline, subtitle):
    """Writes the charts of `rows` (the CSV's rows, as dicts) to `path`."""
    height = HEADER_H + PANEL_H * len(PANELS)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(headline)}</text>',
           f'<text x="{LEFT}" y="35" fill="#555">{escape(subtitle)}</text>']
    for i, spec in enumerate(PANELS):
        out += chart(HEADER_H + i * PANEL_H, rows, spec, trends.get(spec[1]), warmup)
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
