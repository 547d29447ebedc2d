// fleethub portal: small progressive enhancements over server-rendered pages.
// htmx swaps fragments; this file adds copy/reveal buttons, charts (uPlot) and the live stream.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    // Error fragments (422 form errors, 409 conflicts) are swapped in like any answer.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[2345]..", swap: true },
    ];
  }
  initCharts(document);
  initTelemetry();
});
document.addEventListener("htmx:afterSettle", (event) => {
  initCharts(event.target);
  // The DTDL editor's first problem, scrolled into view inside the listing.
  const bad = event.target.querySelector && event.target.querySelector("ol.code li.bad");
  if (bad) bad.scrollIntoView({ block: "center" });
});

// A form with data-type shows the fields of the chosen kind (jobs: twin update or method).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-type]");
  if (form && event.target.name === "type") form.dataset.type = event.target.value;
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy], button[data-reveal]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy || button.dataset.reveal);
  if (!input) return;
  if (button.dataset.reveal) {
    const hidden = input.type === "password";
    input.type = hidden ? "text" : "password";
    button.textContent = hidden ? "Hide" : "Show";
    return;
  }
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.type = "text";
    input.select();
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = label; }, 1500);
});

const COLORS = ["#2563eb", "#d9480f", "#2b8a3e", "#ae3ec9", "#e67700", "#0b7285", "#c92a2a", "#5c940d"];

function chartWidth(element) {
  return Math.max(260, element.clientWidth || element.parentElement.clientWidth || 600);
}

function lineChart(element, title, times, series, opts = {}) {
  const names = Object.keys(series);
  const config = {
    width: chartWidth(element),
    height: opts.height || 180,
    title,
    scales: { x: { time: true } },
    axes: [{}, { size: 50 }],
    series: [{}, ...names.map((name, i) => ({
      label: name, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
      fill: opts.fill ? COLORS[i % COLORS.length] + "22" : undefined,
    }))],
  };
  const plot = new uPlot(config, [times, ...names.map((n) => series[n])], element);
  new ResizeObserver(() => plot.setSize({ width: chartWidth(element), height: config.height }))
    .observe(element);
  return plot;
}

function initCharts(root) {
  if (!window.uPlot) return;
  root.querySelectorAll(".chart[data-chart='rate']:not([data-ready])").forEach((element) => {
    element.dataset.ready = "1";
    const data = JSON.parse(element.parentElement.querySelector(".chart-data").textContent);
    lineChart(element, "", data.t, { messages: data.v }, { fill: true, height: 200 });
  });
}

function initTelemetry() {
  const section = document.getElementById("telemetry");
  if (!section || !window.uPlot) return;
  const holder = section.querySelector(".charts");
  const empty = section.querySelector(".chart-empty");
  const state = { plots: {}, data: null };

  async function load(range) {
    const response = await fetch(`${section.dataset.source}?range=${range}`, { credentials: "same-origin" });
    if (!response.ok) return;
    state.data = await response.json();
    draw();
  }

  function draw() {
    holder.replaceChildren();
    state.plots = {};
    const names = Object.keys(state.data.series);
    empty.hidden = state.data.t.length > 0;
    for (const name of names) {
      const box = document.createElement("div");
      box.className = "chart";
      box.dataset.field = name;
      box.setAttribute("role", "img");
      box.setAttribute("aria-label", `Chart of ${name}`);
      holder.append(box);
      state.plots[name] = lineChart(box, name, state.data.t, { [name]: state.data.series[name] });
    }
  }

  function append(message) {
    if (!state.data) return;
    const values = message.values || {};
    const fresh = Object.keys(values).filter((n) => !(n in state.data.series));
    for (const name of fresh) state.data.series[name] = state.data.t.map(() => null);
    state.data.t.push(message.t);
    for (const name of Object.keys(state.data.series)) state.data.series[name].push(values[name] ?? null);
    if (fresh.length || !Object.keys(state.plots).length) { draw(); return; }
    empty.hidden = true;
    for (const [name, plot] of Object.entries(state.plots)) plot.setData([state.data.t, state.data.series[name]]);
  }

  section.querySelectorAll("button[data-range]").forEach((button) => {
    button.addEventListener("click", () => {
      section.querySelectorAll("button[data-range]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      load(button.dataset.range);
    });
  });
  load("1h");

  const list = section.querySelector(".stream");
  const status = section.querySelector(".live-status");
  const source = new EventSource(section.dataset.stream);
  source.onopen = () => { status.textContent = "live"; status.dataset.state = "live"; };
  source.onerror = () => { status.textContent = "reconnecting…"; status.dataset.state = "down"; };
  source.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const item = document.createElement("li");
    const when = document.createElement("time");
    when.textContent = new Date(message.t * 1000).toLocaleTimeString();
    const body = document.createElement("code");
    body.textContent = message.body;
    item.append(when, " ", body);
    const props = Object.entries(message.properties || {});
    if (props.length) {
      const small = document.createElement("small");
      small.textContent = " " + props.map(([k, v]) => `${k}=${v}`).join(", ");
      item.append(small);
    }
    list.prepend(item);
    while (list.children.length > 50) list.lastChild.remove();
    append(message);
  });
}
