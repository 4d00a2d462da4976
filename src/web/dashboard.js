// The dashboard at /dashboard: reads /metrics (same origin) every second and
// draws the last minute of a few series as small SVG charts. Series
// with labels are summed (drops of every reason); counters are drawn as
// rates per second, from the difference between two scrapes.

const CHARTS = [
  { metric: "wshub_connections", title: "Connections", kind: "gauge" },
  { metric: "wshub_rooms", title: "Rooms", kind: "gauge" },
  { metric: "wshub_messages_received_total", title: "Messages in", kind: "rate" },
  { metric: "wshub_messages_sent_total", title: "Messages out", kind: "rate" },
  { metric: "wshub_queued_bytes", title: "Queued bytes", kind: "gauge", bytes: true },
  { metric: "wshub_messages_dropped_total", title: "Drops", kind: "rate" },
  { metric: "wshub_slow_consumer_closes_total", title: "Slow-consumer closes", kind: "rate" },
];
const POINTS = 60;  // a minute, one scrape a second
const PERIOD = 1000;
const WIDTH = 300, HEIGHT = 80;
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

// Prometheus text format: each sample's value, summed by metric name.
export function parseMetrics(text) {
  const sums = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    const value = m ? Number(m[3]) : NaN;
    if (Number.isFinite(value)) sums.set(m[1], (sums.get(m[1]) ?? 0) + value);
  }
  return sums;
}

function format(value, bytes) {
  if (bytes) {
    const units = ["B", "KiB", "MiB", "GiB"];
    let i = 0;
    while (value >= 1024 && i < units.length - 1) { value /= 1024; ++i; }
    return `${value.toFixed(i ? 1 : 0)} ${units[i]}`;
  }
  return Number.isInteger(value) || value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}

function svgElement(name, attributes) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  return e;
}

function makeCard(chart) {
  const card = document.createElement("section");
  card.className = "card chart";
  card.dataset.metric = chart.metric;
  const head = document.createElement("h2");
  head.textContent = chart.title + (chart.kind === "rate" ? " /s" : "");
  const value = document.createElement("span");
  value.className = "value";
  value.textContent = "–";
  head.append(value);
  const svg = svgElement("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: "none", role: "img" });
  chart.area = svgElement("polygon", { class: "area", points: "" });
  chart.line = svgElement("polyline", { class: "line", points: "" });
  svg.append(chart.area, chart.line);
  const foot = document.createElement("p");
  foot.className = "scale";
  chart.value = value;
  chart.foot = foot;
  card.append(head, svg, foot);
  chart.points = [];
  return card;
}

// Every chart has a point per scrape, null where there is no value yet (a
// rate's first), so that the charts' time axes line up.
function draw(chart, total) {
  const points = chart.points;
  const values = points.filter((v) => v !== null);
  const max = Math.max(0, ...values);
  const top = Math.max(1, max);
  const step = WIDTH / (POINTS - 1);
  const x0 = WIDTH - step * (points.length - 1);
  const xy = [];
  points.forEach((v, i) => {
    if (v !== null) xy.push(`${(x0 + i * step).toFixed(1)},${(HEIGHT - (v / top) * (HEIGHT - 4)).toFixed(1)}`);
  });
  const first = xy.length ? xy[0].split(",")[0] : 0;
  chart.line.setAttribute("points", xy.join(" "));
  chart.area.setAttribute("points", xy.length ? `${first},${HEIGHT} ${xy.join(" ")} ${WIDTH},${HEIGHT}` : "");
  const last = values.at(-1);
  chart.value.textContent = last === undefined ? "–" : format(last, chart.bytes);
  chart.foot.textContent = `max ${format(max, chart.bytes)}` + (chart.kind === "rate" ? ` · total ${format(total)}` : "");
}

let previous = null;  // { at, sums }

function record(sums, at) {
  for (const chart of CHARTS) {
    const now = sums.get(chart.metric) ?? 0;
    let value = now;
    if (chart.kind === "rate") {
      if (!previous) {
        value = null;
      } else {
        const before = previous.sums.get(chart.metric) ?? 0;
        const seconds = (at - previous.at) / 1000;
        value = (now >= before ? now - before : now) / seconds;  // a smaller counter: the server restarted
      }
    }
    chart.points.push(value);
    if (chart.points.length > POINTS) chart.points.shift();
    draw(chart, now);
  }
  previous = { at, sums };
}

function describe(text, sums) {
  const version = /^wshub_build_info\{version="([^"]*)"\}/m.exec(text)?.[1] ?? "?";
  $("about").textContent = `wshub ${version} · ${sums.get("wshub_workers") ?? "?"} workers`;
}

async function scrape() {
  try {
    const response = await fetch("/metrics", { cache: "no-store" });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    const text = await response.text();
    const sums = parseMetrics(text);
    record(sums, performance.now());
    describe(text, sums);
    $("status").dataset.state = "open";
    $("status").textContent = `updated ${new Date().toTimeString().slice(0, 8)}`;
  } catch (err) {
    $("status").dataset.state = "closed";
    $("status").textContent = `no metrics: ${err.message}`;
  }
  setTimeout(scrape, PERIOD);
}

$("charts").append(...CHARTS.map(makeCard));
scrape();
