// The dashboard: reads the reporting API (the HttpOnly cookie authenticates it) and draws
// delivery rate over time, the status mix, top failure reasons and one message's timeline.
"use strict";

(function () {
  const root = document.getElementById("dashboard");
  const range = { from: root.dataset.from, to: root.dataset.to };
  const STATUS_COLORS = {
    queued: "#9aa5b1", sent: "#5b8def", delivered: "#2f9e44", read: "#087f5b",
    failed: "#e03131", unknown: "#f08c00",
  };

  function summaryUrl(by, format) {
    const query = new URLSearchParams({ from: range.from, to: range.to, by: by });
    return "/api/v1/reports/summary" + (format || "") + "?" + query.toString();
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.status === 401) {
      window.location.assign("/");
      throw new Error("signed out");
    }
    const body = await response.json();
    if (!response.ok) {
      throw new Error(body.error ? body.error.detail : response.statusText);
    }
    return body;
  }

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content === null || content === undefined ? "" : String(content);
    if (className) node.className = className;
    return node;
  }

  function percent(value) {
    return value === null || value === undefined ? "–" : (value * 100).toFixed(1) + "%";
  }

  function width(node) {
    return Math.max(320, node.clientWidth || 640);
  }

  function showTotals(totals) {
    const box = document.getElementById("totals");
    box.replaceChildren();
    const figures = [
      ["Messages", totals.messages],
      ["Final", totals.final],
      ["Delivery rate", percent(totals.delivery_rate)],
      ["Latency p50", seconds(totals.latency_seconds.p50)],
      ["Latency p90", seconds(totals.latency_seconds.p90)],
      ["Latency p99", seconds(totals.latency_seconds.p99)],
    ];
    for (const [name, value] of figures) {
      const figure = text("div", null, "figure");
      figure.append(text("span", value, "value"), text("span", name, "name"));
      box.append(figure);
    }
  }

  function seconds(value) {
    if (value === null || value === undefined) return "–";
    if (value < 120) return value.toFixed(0) + " s";
    if (value < 7200) return (value / 60).toFixed(1) + " min";
    return (value / 3600).toFixed(1) + " h";
  }

  function drawRate(summary) {
    const node = document.getElementById("rate-chart");
    const xs = summary.groups.map((g) => Date.parse(g.key + "T00:00:00Z") / 1000);
    const ys = summary.groups.map((g) => (g.delivery_rate === null ? null : g.delivery_rate * 100));
    const options = {
      width: width(node), height: 260,
      scales: { x: { time: true }, y: { range: [0, 100] } },
      series: [
        {},
        { label: "Delivery rate %", stroke: "#2f9e44", width: 2, fill: "rgba(47,158,68,0.08)",
          points: { show: true }, value: (u, v) => (v === null ? "–" : v.toFixed(1) + "%") },
      ],
      axes: [{}, { values: (u, ticks) => ticks.map((t) => t + "%") }],
    };
    return new uPlot(options, [xs, ys], node);
  }

  function drawStatuses(summary) {
    const node = document.getElementById("status-chart");
    const names = Object.keys(STATUS_COLORS);
    const counts = names.map((name) => summary.totals.statuses[name] || 0);
    const xs = names.map((_, i) => i);
    const bars = uPlot.paths.bars({ size: [0.6, 80] });
    const options = {
      width: width(node), height: 260,
      scales: { x: { time: false, range: [-0.5, names.length - 0.5] } },
      series: [
        { value: (u, i) => (i === null ? "" : names[i]) },
        { label: "Messages", paths: bars, points: { show: false }, stroke: "#5b8def",
          fill: "rgba(91,141,239,0.6)" },
      ],
      axes: [{ splits: () => xs, values: () => names }, {}],
    };
    const legend = document.createElement("ul");
    legend.className = "legend";
    names.forEach((name, i) => legend.append(text("li", name + ": " + counts[i])));
    node.after(legend);
    return new uPlot(options, [xs, counts], node);
  }

  function showFailures(summary) {
    const body = document.querySelector("#failures tbody");
    body.replaceChildren();
    const failed = summary.groups
      .map((g) => ({ group: g, failed: g.statuses.failed || 0 }))
      .filter((row) => row.failed > 0)
      .sort((a, b) => b.failed - a.failed)
      .slice(0, 10);
    const total = failed.reduce((sum, row) => sum + row.failed, 0);
    if (!failed.length) {
      const row = document.createElement("tr");
      const cell = text("td", "No failures in this range.");
      cell.colSpan = 4;
      row.append(cell);
      body.append(row);
    }
    for (const row of failed) {
      const tr = document.createElement("tr");
      tr.append(
        text("td", row.group.key === null ? "–" : row.group.key),
        text("td", row.group.label || (row.group.key === null ? "no error code" : "not in 8x8's table")),
        text("td", row.failed, "number"),
        text("td", percent(row.failed / total), "number"),
      );
      body.append(tr);
    }
  }

  async function showTimeline(event) {
    event.preventDefault();
    const box = document.getElementById("timeline");
    const id = document.getElementById("lookup-id").value.trim();
    box.replaceChildren(text("p", "Looking up…"));
    const response = await fetch("/api/v1/messages/" + encodeURIComponent(id), {
      credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) {
      box.replaceChildren(text("p", body.error ? body.error.detail : response.statusText, "problem"));
      return;
    }
    const heading = text("p", null, "message");
    heading.append(
      text("strong", body.status, "status status-" + body.status),
      text("span", " " + body.message_id + (body.recipient ? " to " + body.recipient : "")),
    );
    const table = document.createElement("table");
    const head = document.createElement("tr");
    for (const name of ["Event time (UTC)", "Status", "8x8 state", "Detail", "Error"]) {
      head.append(text("th", name));
    }
    table.append(head);
    for (const entry of body.timeline) {
      const tr = document.createElement("tr");
      const error = entry.error_code ? entry.error_code + " " + (entry.error_message || "") : "";
      tr.append(
        text("td", entry.event_at),
        text("td", entry.status),
        text("td", entry.provider_status),
        text("td", entry.provider_detail),
        text("td", error),
      );
      table.append(tr);
    }
    box.replaceChildren(heading, table);
  }

  async function load() {
    document.getElementById("csv-link").href = summaryUrl("day", ".csv");
    document.getElementById("lookup").addEventListener("submit", showTimeline);
    const [byDay, byError] = await Promise.all([getJson(summaryUrl("day")), getJson(summaryUrl("error"))]);
    showTotals(byDay.totals);
    drawRate(byDay);
    drawStatuses(byDay);
    showFailures(byError);
    document.body.dataset.charts = "drawn";
  }

  load().catch((error) => {
    document.getElementById("totals").replaceChildren(text("p", "Could not load: " + error.message, "problem"));
  });
})();
