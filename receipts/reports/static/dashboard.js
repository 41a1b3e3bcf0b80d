// The dashboard: reads the reporting API (the HttpOnly cookie authenticates it) and draws
// delivery rate and volume over the chosen days, the status mix, failure reasons, delivery by
// country and channel, forwarding health, the quarantine and one message's timeline.
"use strict";

(function () {
  const root = document.getElementById("dashboard");
  const DAY = 86400;
  const HOUR = 3600;
  // The day pickers mean whole UTC days, both included; the API takes [from, to).
  const range = {
    from: Date.parse(root.dataset.first + "T00:00:00Z") / 1000,
    to: Date.parse(root.dataset.last + "T00:00:00Z") / 1000 + DAY,
  };
  // A day or two is drawn by the hour, anything longer by the day.
  const step = range.to - range.from <= 2 * DAY ? HOUR : DAY;
  const STATUS_COLORS = {
    queued: "#868e96", sent: "#4c6ef5", delivered: "#2f9e44", read: "#0c8599",
    failed: "#e03131", unknown: "#f08c00",
  };
  const RATE_COLOR = "#2f9e44";
  const VOLUME_COLOR = "rgba(76,110,245,0.35)";
  const whole = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
  const clock = {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  };
  const localTime = new Intl.DateTimeFormat(undefined, { ...clock, timeZoneName: "short" });
  const utcTime = new Intl.DateTimeFormat(undefined, { ...clock, timeZone: "UTC" });
  const utcDay = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
  });
  const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
  const hourOfDay = new Intl.DateTimeFormat(undefined, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC",
  });

  // Time-axis labels in UTC, as the buckets are: "Apr 3", or "06:00" with the date at midnight.
  function timeLabels(u, ticks) {
    return ticks.map((t) => {
      const at = new Date(t * 1000);
      if (t % DAY !== 0) return hourOfDay.format(at);
      return step === HOUR ? hourOfDay.format(at) + "\n" + shortDay.format(at) : shortDay.format(at);
    });
  }

  // Tick steps for counts: whole messages only (no "0.2" on an empty chart).
  const COUNT_STEPS = [];
  for (let power = 1; power <= 1e9; power *= 10) COUNT_STEPS.push(power, 2 * power, 5 * power);
  const charts = {};
  window.receiptsCharts = charts; // for the browser test: it reads the axes' limits

  function iso(seconds) {
    return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
  }

  function summaryUrl(by, format) {
    const query = new URLSearchParams({ from: iso(range.from), to: iso(range.to), by: by });
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

  function count(value) {
    return value === null || value === undefined ? "–" : whole.format(value);
  }

  // A share as a percentage that never rounds to 0% or 100% unless it is exactly that:
  // 41,787 of 41,796 is 99.98%, not 100.0%.
  function percent(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const p = value * 100;
    if (p === 0 || p === 100) return p + "%";
    for (const digits of [1, 2]) {
      const shown = p.toFixed(digits);
      if (Number(shown) !== 0 && Number(shown) !== 100) return shown + "%";
    }
    return p > 50 ? ">99.99%" : "<0.01%";
  }

  function seconds(value) {
    if (value === null || value === undefined) return "–";
    if (value < 10) return value.toFixed(1) + " s";
    if (value < 120) return value.toFixed(0) + " s";
    if (value < 7200) return (value / 60).toFixed(1) + " min";
    if (value < 2 * DAY) return (value / 3600).toFixed(1) + " h";
    return (value / DAY).toFixed(1) + " days";
  }

  function width(node) {
    return Math.max(280, node.clientWidth || 640);
  }

  function figure(value, name, className) {
    const box = text("div", null, "figure" + (className ? " " + className : ""));
    box.append(text("span", value, "value"), text("span", name, "name"));
    return box;
  }

  function showTotals(totals) {
    const box = document.getElementById("totals");
    const failed = totals.statuses.failed || 0;
    const failedShare = totals.final ? failed / totals.final : null;
    box.replaceChildren(
      figure(count(totals.messages), "Messages"),
      figure(count(totals.final), "With a final outcome"),
      figure(percent(totals.delivery_rate), "Delivery rate"),
      figure(count(failed) + (failed ? " (" + percent(failedShare) + ")" : ""), "Failed", failed ? "bad" : ""),
      figure(count(totals.overdue || 0) + (totals.overdue ? " (" + percent(totals.overdue_rate) + ")" : ""), "Overdue", totals.overdue ? "late" : ""),
      figure(seconds(totals.latency_seconds.p50), "Latency p50"),
      figure(totals.final ? seconds(totals.latency_seconds.p90) + " · " + seconds(totals.latency_seconds.p99) : "–", "p90 · p99"),
    );
  }

  function utcDate(ts) {
    return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC");
  }

  function emptyNote(node, message) {
    node.classList.add("empty");
    node.dataset.empty = message;
  }

  // Every bucket of the range, with null where there were no messages: uPlot leaves a gap
  // there instead of drawing a line across it.
  function drawRate(summary) {
    const node = document.getElementById("rate-chart");
    const byStart = new Map(summary.groups.map((g) => [Date.parse(g.key.length === 10 ? g.key + "T00:00:00Z" : g.key) / 1000, g]));
    const xs = [];
    const rates = [];
    const volumes = [];
    for (let t = range.from; t < range.to; t += step) {
      const group = byStart.get(t);
      xs.push(t + step / 2);
      rates.push(group && group.delivery_rate !== null ? group.delivery_rate * 100 : null);
      volumes.push(group && group.messages ? group.messages : null);
    }
    document.getElementById("rate-hint").textContent =
      "Delivered ÷ messages with a final outcome (line, left axis) and messages (bars, right axis), by UTC " +
      (step === HOUR ? "hour" : "day") + " of first receipt. Gaps mean no messages.";
    if (!summary.totals.messages) emptyNote(node, "No messages in this range.");
    const options = {
      width: width(node), height: 280,
      tzDate: utcDate,
      cursor: { points: { show: false } },
      scales: {
        x: { time: true, auto: false, range: () => [range.from, range.to] },
        rate: { auto: false, range: [0, 100] },
        // Bars in the lower half, under the rate line rather than mistaken for it.
        volume: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 2)] },
      },
      series: [
        { label: step === HOUR ? "Hour (UTC)" : "Day (UTC)",
          value: (u, v) => (v === null ? "–" : (step === HOUR ? utcTime : utcDay).format(new Date((v - step / 2) * 1000))) },
        { label: "Messages", scale: "volume", stroke: VOLUME_COLOR, fill: VOLUME_COLOR, width: 0,
          paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false },
          value: (u, v) => count(v) },
        { label: "Delivery rate", scale: "rate", stroke: RATE_COLOR, width: 2,
          points: { show: true, size: step === HOUR ? 4 : 6, fill: RATE_COLOR },
          value: (u, v) => (v === null ? "–" : percent(v / 100)) },
      ],
      axes: [
        { space: step === HOUR ? 50 : 60, values: timeLabels },
        { scale: "rate", values: (u, ticks) => ticks.map((t) => t + "%"), size: 48 },
        { scale: "volume", side: 1, grid: { show: false }, size: 52, incrs: COUNT_STEPS,
          values: (u, ticks) => ticks.map((t) => compact.format(t)) },
      ],
    };
    const chart = new uPlot(options, [xs, volumes, rates], node);
    chart.setScale("x", { min: range.from, max: range.to });
    charts.rate = chart;
  }

  // One series per status, each with a value only at its own bar: one colour per status.
  function drawStatuses(summary) {
    const node = document.getElementById("status-chart");
    const names = Object.keys(STATUS_COLORS);
    const counts = names.map((name) => summary.totals.statuses[name] || 0);
    const xs = names.map((_, i) => i);
    const data = [xs];
    const series = [{}];
    names.forEach((name, i) => {
      data.push(xs.map((x) => (x === i ? counts[i] : null)));
      series.push({
        label: name, stroke: STATUS_COLORS[name], fill: STATUS_COLORS[name], width: 0,
        paths: uPlot.paths.bars({ size: [0.7, 70] }), points: { show: false },
      });
    });
    if (!summary.totals.messages) emptyNote(node, "No messages in this range.");
    const options = {
      width: width(node), height: 260,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: [-0.5, names.length - 0.5] },
        y: { range: (u, min, max) => [0, Math.max(1, (max || 0) * 1.1)] },
      },
      series: series,
      axes: [
        { splits: () => xs, values: () => names, grid: { show: false } },
        { size: 52, incrs: COUNT_STEPS, values: (u, ticks) => ticks.map((t) => compact.format(t)) },
      ],
    };
    charts.status = new uPlot(options, data, node);
    const legend = document.createElement("ul");
    legend.className = "legend";
    legend.id = "status-legend";
    const total = summary.totals.messages;
    names.forEach((name, i) => {
      const item = text("li", null);
      item.append(text("span", "", "swatch s-" + name), text("span", name + ": " + count(counts[i]) + (total ? " (" + percent(counts[i] / total) + ")" : "")));
      legend.append(item);
    });
    node.after(legend);
  }

  function emptyRow(body, columns, message) {
    const row = document.createElement("tr");
    const cell = text("td", message, "none");
    cell.colSpan = columns;
    row.append(cell);
    body.append(row);
  }

  function showFailures(summary) {
    const body = document.querySelector("#failures tbody");
    body.replaceChildren();
    const failed = summary.groups
      .map((g) => ({ group: g, failed: g.statuses.failed || 0 }))
      .filter((row) => row.failed > 0)
      .sort((a, b) => b.failed - a.failed);
    const total = failed.reduce((sum, row) => sum + row.failed, 0);
    if (!failed.length) emptyRow(body, 4, "No failures in this range.");
    for (const row of failed.slice(0, 10)) {
      const tr = document.createElement("tr");
      tr.append(
        text("td", row.group.key === null ? "–" : row.group.key),
        text("td", row.group.label || (row.group.key === null ? "no error code" : "not in 8x8's table")),
        text("td", count(row.failed), "number"),
        text("td", percent(row.failed / total), "number"),
      );
      body.append(tr);
    }
  }

  // Delivery per country or channel: the largest ten, and how many more there are.
  function showBreakdown(tableId, summary, noneLabel) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren();
    if (!summary.groups.length) emptyRow(body, 5, "No messages in this range.");
    for (const group of summary.groups.slice(0, 10)) {
      const tr = document.createElement("tr");
      const failed = group.statuses.failed || 0;
      tr.append(
        text("td", group.key === null ? noneLabel : group.key),
        text("td", count(group.messages), "number"),
        text("td", percent(group.delivery_rate), "number"),
        text("td", count(failed), "number" + (failed ? " bad" : "")),
        text("td", count(group.overdue || 0), "number" + (group.overdue ? " late" : "")),
      );
      body.append(tr);
    }
    if (summary.groups.length > 10) {
      emptyRow(body, 5, "and " + count(summary.groups.length - 10) + " more");
    }
  }

  // Failed messages by reason category, the provider's codes (and 8x8's names) under each.
  function showReasons(summary) {
    const body = document.querySelector("#reasons tbody");
    body.replaceChildren();
    const rows = summary.groups.filter((g) => (g.statuses.failed || 0) > 0)
      .sort((a, b) => b.statuses.failed - a.statuses.failed);
    if (!rows.length) emptyRow(body, 3, "No failures in this range.");
    for (const group of rows.slice(0, 10)) {
      const tr = document.createElement("tr");
      const codes = text("td", null, "codes");
      for (const code of (group.codes || []).slice(0, 4)) {
        codes.append(text("div", (code.code === null ? "no code" : code.code) + (code.name ? " " + code.name : "") + ": " + count(code.messages)));
      }
      tr.append(
        text("td", group.key === null ? "not classified" : group.key.replace(/_/g, " ")),
        codes,
        text("td", count(group.statuses.failed), "number bad"),
      );
      body.append(tr);
    }
  }

  // Overdue messages by how long ago they were first seen.
  function showOverdue(summary) {
    const body = document.querySelector("#overdue-by-age tbody");
    body.replaceChildren();
    const now = Date.now() / 1000;
    const ages = [
      [2 * DAY, "in the last 2 days"], [7 * DAY, "2 to 7 days ago"],
      [30 * DAY, "7 to 30 days ago"], [Infinity, "over 30 days ago"],
    ];
    const overdue = ages.map(() => 0);
    for (const group of summary.groups) {
      if (!group.overdue) continue;
      const start = Date.parse(group.key.length === 10 ? group.key + "T00:00:00Z" : group.key) / 1000;
      overdue[ages.findIndex(([limit]) => now - start < limit)] += group.overdue;
    }
    const total = summary.totals.overdue || 0;
    if (!total) emptyRow(body, 3, "No overdue messages in this range.");
    ages.forEach(([, name], i) => {
      if (!overdue[i]) return;
      const tr = document.createElement("tr");
      tr.append(text("td", name), text("td", count(overdue[i]), "number late"), text("td", percent(overdue[i] / total), "number"));
      body.append(tr);
    });
  }

  function when(value) {
    if (!value) return "–";
    const at = new Date(value);
    return localTime.format(at) + " (" + utcTime.format(at) + " UTC)";
  }

  function fact(list, name, value, className) {
    list.append(text("dt", name), text("dd", value, className));
  }

  async function showForwarding() {
    const list = document.getElementById("forwarding-facts");
    const page = await getJson("/api/v1/forwards?limit=1");
    const counts = page.counts || {};
    list.replaceChildren();
    fact(list, "Waiting to be sent", count(counts.pending || 0));
    fact(list, "Gave up (dead)", count(counts.dead || 0), counts.dead ? "bad" : "");
    fact(list, "Sent", count(counts.done || 0));
    const age = page.oldest_pending_age_seconds;
    fact(list, "Oldest waiting for", age === undefined || age === null || !counts.pending ? "–" : seconds(age));
    const answer = page.last_answer;
    let said = "no answer yet";
    if (answer === undefined) said = "not reported by this server";
    else if (answer) {
      said = (answer.status ? "HTTP " + answer.status : "no HTTP answer") +
        (answer.error ? ": " + answer.error : "") + ", " + when(answer.at);
    }
    fact(list, "MoEngage's last answer", said, answer && (answer.error || answer.status >= 400) ? "bad" : "");
  }

  async function showQuarantine() {
    const box = document.getElementById("quarantine-body");
    if (root.dataset.quarantine !== "yes") {
      box.replaceChildren(text("p", "This server does not list the quarantine yet.", "none"));
      return;
    }
    const page = await getJson("/api/v1/quarantine?limit=5");
    const heading = text("p", null, "quarantine-count");
    heading.append(text("strong", count(page.count)), text("span", page.count === 1 ? " body quarantined" : " bodies quarantined"));
    if (!page.quarantine.length) {
      box.replaceChildren(heading);
      return;
    }
    const table = document.createElement("table");
    const head = document.createElement("tr");
    for (const name of ["Body", "Reason", "Received"]) head.append(text("th", name));
    table.append(head);
    for (const item of page.quarantine) {
      const tr = document.createElement("tr");
      const body = text("td", "#" + item.body_id);
      body.append(text("div", item.connector, "detail"));
      const reason = text("td", item.reason);
      if (item.detail) reason.append(text("div", item.detail, "detail"));
      const at = new Date(item.received_at);
      const received = text("td", localTime.format(at), "time");
      received.append(text("div", utcTime.format(at) + " UTC", "detail"));
      tr.append(body, reason, received);
      table.append(tr);
    }
    const scroll = text("div", null, "scroll");
    scroll.append(table);
    box.replaceChildren(heading, scroll);
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
    const about = [body.message_id];
    if (body.channel) about.push("by " + body.channel);
    if (body.recipient) about.push("to " + body.recipient);
    if (body.sender) about.push("from " + body.sender);
    heading.append(text("strong", body.status, "status status-" + body.status), text("span", " " + about.join(" ")));
    const table = document.createElement("table");
    const head = document.createElement("tr");
    for (const name of ["Event time", "Status", "8x8 state", "Detail", "Error", "Provider's code"]) {
      head.append(text("th", name));
    }
    table.append(head);
    for (const entry of body.timeline) {
      const tr = document.createElement("tr");
      const at = new Date(entry.event_at);
      const time = text("td", localTime.format(at), "time");
      time.append(text("div", utcTime.format(at) + " UTC", "detail"));
      const error = entry.error_code ? entry.error_code + " " + (entry.error_message || "") : "";
      tr.append(
        time,
        text("td", entry.status, "status status-" + entry.status),
        text("td", entry.provider_status),
        text("td", entry.provider_detail),
        text("td", error),
        text("td", entry.provider_error_code || ""),
      );
      table.append(tr);
    }
    const scroll = text("div", null, "scroll");
    scroll.append(table);
    box.replaceChildren(heading, scroll);
  }

  function failed(id, error) {
    const node = document.getElementById(id);
    node.replaceChildren(text("p", "Could not load: " + error.message, "problem"));
  }

  async function load() {
    document.getElementById("csv-link").href = summaryUrl("day", ".csv");
    document.getElementById("lookup").addEventListener("submit", (event) => {
      showTimeline(event).catch((error) => failed("timeline", error));
    });
    const side = [
      showForwarding().catch((error) => failed("forwarding-facts", error)),
      showQuarantine().catch((error) => failed("quarantine-body", error)),
    ];
    const [byTime, byError, byCountry, byChannel, byReason] = await Promise.all(
      [step === HOUR ? "hour" : "day", "error", "country", "channel", "reason"].map((by) => getJson(summaryUrl(by))),
    );
    showTotals(byTime.totals);
    drawRate(byTime);
    drawStatuses(byTime);
    showFailures(byError);
    showReasons(byReason);
    showOverdue(byTime);
    showBreakdown("by-country", byCountry, "unknown");
    showBreakdown("by-channel", byChannel, "unknown");
    await Promise.all(side);
    document.body.dataset.charts = "drawn";
  }

  load().catch((error) => {
    failed("totals", error);
    document.body.dataset.charts = "failed";
  });
})();
