// The deltatunnel console: a single-page app with hash routes. Every figure comes from the server's
// native API (/api/v1/...) and its metrics history (/api/v1/metrics/history), fetched with the
// bearer token kept in localStorage ("dt.token"). Nothing is fetched from anywhere else.
//
// Routes:
//   #/overview                                   metrics of the last hour
//   #/tables?project=P                           tables, schemas, partitions
//   #/table/P/T?version=N&limit=L&from=A&to=B    versions, a preview at N, changes (A, B]
//   #/compactions                                queued, running, history
//   #/sessions?project=P                         upsert sessions per table
//   #/api                                        the HTTP API reference (GET /api/v1/openapi.json)
// `token=...` in the hash (#token=X or #/overview?token=X) saves the token, for links and tests.
//
// For tests, the page writes checkable markers: <main data-page data-state="ready|error">,
// data-points="N" on each chart once drawn, and classes on the rows of each table.
(function () {
  "use strict";

  const main = document.getElementById("main");
  const notice = document.getElementById("notice");
  const tokenInput = document.getElementById("token");
  let timer = null;       // the current page's refresh timer
  let generation = 0;     // bumps on each navigation; late answers of an old page are dropped
  let charts = [];        // uPlot instances of the current page

  // ---- helpers -----------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // Children for append/replaceChildren: arrays flattened, null/undefined/false dropped.
  function kids(c) { return c.flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false); }
  function put(el, ...c) { el.append(...kids(c)); }
  function replace(el, ...c) { el.replaceChildren(...kids(c)); }

  function fmtNum(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (typeof v !== "number") return String(v);
    return v.toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  // Axis ticks: small values keep two significant digits (0.0012, not 0).
  function fmtAxis(v) {
    if (v === null || v === undefined) return "";
    if (v !== 0 && Math.abs(v) < 1) return String(Number(v.toPrecision(2)));
    return fmtNum(v, 2);
  }

  function fmtBytes(v) {
    if (v === null || v === undefined) return "–";
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return fmtNum(v, i === 0 ? 0 : 1) + " " + units[i];
  }

  function fmtMs(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    return fmtNum(seconds * 1000, 2) + " ms";
  }

  function fmtAge(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }

  function cellText(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  function table(headers, rows, rowClass) {
    return h("div", { class: "scroll" },
      h("table", {},
        h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
        h("tbody", {}, rows.map((r) => r instanceof Node ? r : h("tr", { class: rowClass }, r.map((c) =>
          c instanceof Node ? c : h("td", { class: typeof c === "number" ? "num" : undefined }, cellText(c))))))));
  }

  function showNotice(text, isError) {
    if (!text) { notice.hidden = true; return; }
    notice.hidden = false;
    notice.className = isError ? "error" : "";
    notice.textContent = text;
  }

  function token() { return localStorage.getItem("dt.token") || ""; }

  function enc(s) { return encodeURIComponent(s); }

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  // GET (or another method) on the API with the bearer token; JSON answers parsed, others as text.
  async function api(path, opts) {
    const headers = Object.assign({}, (opts && opts.headers) || {});
    if (token()) headers["Authorization"] = "Bearer " + token();
    const r = await fetch(path, Object.assign({}, opts || {}, { headers }));
    const type = r.headers.get("content-type") || "";
    const body = type.startsWith("application/json") ? await r.json() : await r.text();
    if (!r.ok) {
      const code = body && body.Code ? body.Code : String(r.status);
      const msg = body && body.Message ? body.Message : String(body).slice(0, 200);
      throw new ApiError(r.status, code, msg);
    }
    return { body, headers: r.headers };
  }

  function failPage(err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      showNotice(err.code + ": " + err.message + (err.status === 401 ? " (enter a bearer token above)" : ""), true);
      tokenInput.focus();
    } else {
      showNotice(String(err && err.message ? err.message : err), true);
    }
    main.dataset.state = "error";
  }

  function parseNdjson(text) {
    return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  }

  // ---- charts (uPlot) --------------------------------------------------------------------------

  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

  // A chart container; draw() fills it. `series`: [{label, values}], xs in epoch seconds.
  function chartBox(id, title) {
    return h("div", { class: "chart", "data-chart": id, "data-points": "0" }, h("div", { class: "title" }, title));
  }

  function draw(box, xs, series, opts) {
    const width = Math.max(300, (box.clientWidth || 560) - 14);
    const data = [xs, ...series.map((s) => s.values)];
    const old = box._plot;
    if (old && old.series.length === series.length + 1) {
      old.setData(data);
    } else {
      if (old) { old.destroy(); charts = charts.filter((c) => c !== old); }
      const plot = new uPlot({
        width, height: (opts && opts.height) || 170,
        scales: { x: { time: !(opts && opts.xNotTime) } },
        series: [{}, ...series.map((s, i) => ({
          label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false, scale: s.scale || "y",
          points: { show: !!(opts && opts.points) }, value: (u, v) => s.fmt ? s.fmt(v) : fmtNum(v, 2),
        }))],
        axes: [{}, { size: 60, values: (u, vals) => vals.map(fmtAxis) }].concat(
          series.some((s) => s.scale) ? [{ scale: series.find((s) => s.scale).scale, side: 1, size: 50, grid: { show: false } }] : []),
      }, data, box);
      box._plot = plot;
      charts.push(plot);
    }
    box.dataset.points = String(xs.length);
  }

  // ---- pages ---------------------------------------------------------------------------------

  function tile(label, value, key) {
    return h("div", { class: "tile", "data-tile": key }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
  }

  async function pageOverview(gen) {
    const boxes = {
      rows: chartBox("rows", "Rows ingested per second"),
      mb: chartBox("mb", "MB ingested per second"),
      commits: chartBox("commits", "Commits per second"),
      latency: chartBox("latency", "Commit latency p50 / p99 (ms, per second)"),
      sessions: chartBox("sessions", "Open sessions and slots in use"),
      throttled: chartBox("throttled", "Throttled requests per second (429/503)"),
      storage: chartBox("storage", "Storage size (MB)"),
      compaction: chartBox("compaction", "Compaction queue, running, deltas waiting"),
    };
    const tiles = h("div", { class: "tiles" });
    const side = h("div", {});
    replace(main, h("h1", {}, "Overview ", h("span", { class: "muted" }, "(the last hour, sampled every second)")),
      tiles, h("div", { class: "charts" }, Object.values(boxes)), side);

    async function refresh() {
      const { body } = await api("/api/v1/metrics/history");
      if (gen !== generation) return;
      const s = body.samples;
      const xs = s.map((p) => p.t / 1000);
      const col = (k, scale) => s.map((p) => (p[k] === null || p[k] === undefined) ? null : p[k] * (scale || 1));
      draw(boxes.rows, xs, [{ label: "rows/s", values: col("rows_per_s") }]);
      draw(boxes.mb, xs, [{ label: "MB/s", values: col("bytes_per_s", 1 / 1048576) }]);
      draw(boxes.commits, xs, [{ label: "commits/s", values: col("commits_per_s") }]);
      draw(boxes.latency, xs, [{ label: "p50 ms", values: col("commit_p50_s", 1000) },
        { label: "p99 ms", values: col("commit_p99_s", 1000) }], { points: true });
      draw(boxes.sessions, xs, [{ label: "open sessions", values: col("open_sessions") },
        { label: "slots in use", values: col("slots_in_use") }]);
      draw(boxes.throttled, xs, [{ label: "throttled/s", values: col("throttled_per_s") }]);
      draw(boxes.storage, xs, [{ label: "MB", values: col("storage_bytes", 1 / 1048576) }]);
      draw(boxes.compaction, xs, [{ label: "queued", values: col("compaction_queue_length") },
        { label: "running", values: col("compactions_running") },
        { label: "deltas waiting", values: col("compaction_pending_deltas") }]);

      const last = s.length ? s[s.length - 1] : {};
      const w = body.window || {};
      const spanS = w.to && w.from ? Math.max(1, (w.to - w.from) / 1000) : 1;
      replace(tiles, 
        tile("Rows/s (window avg)", fmtNum((w.rows || 0) / spanS), "rows_per_s"),
        tile("MB/s (window avg)", fmtNum((w.bytes || 0) / spanS / 1048576, 3), "mb_per_s"),
        tile("Commits/s (window avg)", fmtNum((w.commits || 0) / spanS, 2), "commits_per_s"),
        tile("Commit p50 / p99", fmtMs(w.commit_p50_s) + " / " + fmtMs(w.commit_p99_s), "commit_latency"),
        tile("Rows ingested (window)", fmtNum(w.rows || 0, 0), "rows"),
        tile("Open sessions", fmtNum(last.open_sessions, 0), "open_sessions"),
        tile("Tables", fmtNum(last.tables, 0), "tables"),
        tile("Storage size", fmtBytes(last.storage_bytes), "storage_bytes"));
      replace(side, 
        h("h2", {}, "Slots in use per project and quota group"),
        body.slots.length ? table(["project", "quota group", "in use", "limit"],
          body.slots.map((x) => [x.project, x.quota || "(default)", x.in_use, x.limit]), "slot-row")
          : h("p", { class: "muted" }, "No project has taken a slot yet."),
        h("h2", {}, "Throttled requests by code (since start)"),
        body.throttled.length ? table(["code", "requests"], body.throttled.map((x) => [x.code, x.total]), "throttled-row")
          : h("p", { class: "muted" }, "None."),
        h("p", { class: "muted" }, `${s.length} samples of at most ${body.capacity}; rates and quantiles are computed by the server per interval.`));
      main.dataset.state = "ready";
    }
    await refresh();
    timer = setInterval(() => refresh().catch(failPage), 5000);
  }

  // Projects known without a listing endpoint: the remembered one, slot holders, compactions.
  async function knownProjects() {
    const names = new Set();
    const remembered = localStorage.getItem("dt.project");
    if (remembered) names.add(remembered);
    try {
      const hist = await api("/api/v1/metrics/history?limit=1");
      hist.body.slots.forEach((x) => names.add(x.project));
    } catch (e) { /* not fatal */ }
    try {
      const c = await api("/api/v1/compactions");
      c.body.compactions.forEach((x) => names.add(x.project));
    } catch (e) { /* not fatal */ }
    return [...names].filter((x) => x);
  }

  function projectForm(route, current, known) {
    const input = h("input", { name: "project", value: current || "", placeholder: "project", required: true });
    return h("form", {
      class: "inline", onsubmit: (e) => {
        e.preventDefault();
        location.hash = "#/" + route + "?project=" + enc(input.value.trim());
      },
    }, h("label", {}, "Project ", input), h("button", { type: "submit" }, "Show"),
    known.length ? h("span", { class: "muted" }, "known: ", known.map((p) => h("a", { href: "#/" + route + "?project=" + enc(p) }, p + " "))) : null);
  }

  async function pageTables(gen, params) {
    const project = params.get("project") || localStorage.getItem("dt.project") || "";
    const known = await knownProjects();
    if (gen !== generation) return;
    replace(main, h("h1", {}, "Tables"), projectForm("tables", project, known));
    if (!project) { main.dataset.state = "ready"; return; }
    localStorage.setItem("dt.project", project);
    const { body } = await api(`/api/v1/projects/${enc(project)}/tables`);
    const cards = await Promise.all(body.tables.map(async (t) => {
      const parts = await api(`/api/v1/projects/${enc(project)}/tables/${enc(t.name)}/partitions`);
      return tableCard(project, t, parts.body.partitions);
    }));
    if (gen !== generation) return;
    put(main, h("p", { class: "muted" }, `${body.tables.length} table(s) in project ${project}.`), cards);
    main.dataset.state = "ready";
  }

  function schemaTable(t) {
    const pk = new Set((t.primary_key || []).map((x) => x.toLowerCase()));
    return table(["column", "type", "nullable", "key"],
      t.columns.map((c) => [c.name, c.type, c.nullable ? "yes" : "no", pk.has(c.name.toLowerCase()) ? "primary key" : ""])
        .concat((t.partition_columns || []).map((c) => [c.name, c.type, "no", "partition"])), "column-row");
  }

  function partitionsTable(parts) {
    return table(["partition", "rows", "bytes", "version", "commits since major (deltas waiting)"],
      parts.map((p) => h("tr", { class: "partition-row", "data-partition": p.partition },
        h("td", {}, p.partition === "" ? "(whole table)" : p.partition), h("td", { class: "num" }, fmtNum(p.rows, 0)),
        h("td", { class: "num" }, fmtBytes(p.bytes)), h("td", { class: "num" }, p.version),
        h("td", { class: "num" }, p.commits_since_major))));
  }

  function tableCard(project, t, parts) {
    return h("div", { class: "card", "data-table": t.name },
      h("h2", {}, h("a", { href: `#/table/${enc(project)}/${enc(t.name)}` }, t.name)),
      h("div", { class: "muted" }, `version ${t.version} · ${fmtNum(t.rows, 0)} rows · ${fmtBytes(t.bytes)} · ${t.partitions} partition(s) · ${t.commits_since_major} commit(s) since major compaction · created ${t.created_at}`),
      h("h3", {}, "Schema"), schemaTable(t),
      h("h3", {}, "Partitions"), partitionsTable(parts));
  }

  async function pageTable(gen, params, project, name) {
    const base = `/api/v1/projects/${enc(project)}/tables/${enc(name)}`;
    const [desc, parts, vers] = await Promise.all([api(base), api(base + "/partitions"), api(base + "/versions?limit=500")]);
    if (gen !== generation) return;
    const t = desc.body;
    const versions = vers.body.versions;
    const latest = t.version;
    const version = params.has("version") ? Number(params.get("version")) : latest;
    const limit = params.has("limit") ? Number(params.get("limit")) : 20;
    const to = params.has("to") ? Number(params.get("to")) : latest;
    const from = params.has("from") ? Number(params.get("from")) : Math.max(0, to - 1);
    const key = params.get("key") || "";
    const keyPartition = params.get("kp") || "";

    const timeline = chartBox("timeline", "Version timeline: rows per commit (left), version (right)");
    replace(main, 
      h("h1", {}, h("a", { href: "#/tables?project=" + enc(project) }, project), " / ", name),
      h("div", { class: "muted" }, `latest version ${latest} · ${fmtNum(t.rows, 0)} rows · ${fmtBytes(t.bytes)} · ${t.commits_since_major} commit(s) since major compaction`),
      h("h2", {}, "Versions"), timeline);
    const ordered = versions.slice().sort((a, b) => a.version - b.version);
    draw(timeline, ordered.map((v) => Date.parse(v.committed_at) / 1000),
      [{ label: "rows", values: ordered.map((v) => v.rows) }, { label: "version", scale: "v", values: ordered.map((v) => v.version) }],
      { points: true, height: 150 });
    put(main, table(["version", "committed at", "partition", "session", "rows", "upserts", "deletes"],
      versions.slice(0, 50).map((v) => h("tr", { class: "version-row", "data-version": v.version },
        h("td", { class: "num" }, h("a", { href: hashWith(project, name, { version: v.version, limit, from, to }) }, v.version)),
        h("td", {}, v.committed_at), h("td", {}, v.partition), h("td", { class: "mono" }, v.session),
        h("td", { class: "num" }, v.rows), h("td", { class: "num" }, v.upserts), h("td", { class: "num" }, v.deletes)))),
    versions.length > 50 ? h("p", { class: "muted" }, `the newest 50 of ${versions.length} shown`) : null,
    h("h2", {}, "Partitions"), partitionsTable(parts.body.partitions),
    h("h2", {}, "Schema"), schemaTable(t));

    // Preview at a version.
    const vIn = h("input", { type: "number", min: 0, name: "version", value: version, style: "width:90px" });
    const lIn = h("input", { type: "number", min: 1, max: 1000, name: "limit", value: limit, style: "width:80px" });
    const preview = h("div", { id: "preview" }, "Loading…");
    put(main, h("h2", {}, "Rows at a version"),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); location.hash = hashWith(project, name, { version: vIn.value, limit: lIn.value, from, to }); } },
        h("label", {}, "version ", vIn), h("label", {}, "limit ", lIn), h("button", { type: "submit" }, "Preview")), preview);

    // Changes between two versions.
    const fIn = h("input", { type: "number", min: 0, name: "from", value: from, style: "width:90px" });
    const tIn = h("input", { type: "number", min: 0, name: "to", value: to, style: "width:90px" });
    const changes = h("div", { id: "changes" }, "Loading…");
    put(main, h("h2", {}, "Changes between two versions"),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); location.hash = hashWith(project, name, { version, limit, from: fIn.value, to: tIn.value }); } },
        h("label", {}, "after version ", fIn), h("label", {}, "up to version ", tIn), h("button", { type: "submit" }, "Show changes")), changes);

    // Consumers of the table's changes, and one key's history.
    const consumers = h("div", { id: "consumers" }, "Loading…");
    put(main, h("h2", {}, "Consumers"), consumers);
    const kIn = h("input", { name: "key", value: key, placeholder: '7 or {"id": 7}', style: "width:160px" });
    const kpIn = h("input", { name: "kp", value: keyPartition, placeholder: "ds=20261125", style: "width:140px" });
    const keyHistory = h("div", { id: "history" }, key ? "Loading…" : "");
    const historySection = h("section", {}, h("h2", {}, "History of one key"),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); location.hash = hashWith(project, name, { version, limit, from, to, key: kIn.value, kp: kpIn.value }); } },
        h("label", {}, "key ", kIn), h("label", {}, "partition ", kpIn), h("button", { type: "submit" }, "Show history")), keyHistory);
    // Asked for a key: its history first, under the heading; else last.
    if (key) main.insertBefore(historySection, main.children[2]); else put(main, historySection);

    const columns = t.columns.map((c) => c.name).concat((t.partition_columns || []).map((c) => c.name));
    try {
      const data = await api(`${base}/data?version=${version}&limit=${limit}&format=json`);
      if (gen !== generation) return;
      const rows = Array.isArray(data.body) ? data.body : [];
      replace(preview, h("p", { class: "muted", "data-read-version": data.headers.get("x-deltatunnel-version") },
        `${rows.length} row(s) read at version ${data.headers.get("x-deltatunnel-version")}`),
      table(columns, rows.map((r) => h("tr", { class: "preview-row" }, columns.map((c) => h("td", {}, cellText(r[c])))))));
    } catch (e) {
      replace(preview, h("p", { class: "state-failed" }, `${e.code || ""} ${e.message}`));
    }
    try {
      if (from >= to) {
        replace(changes, h("p", { class: "muted" }, "Nothing between equal versions."));
      } else {
        const ch = await api(`${base}/changes?from_version=${from}&to_version=${to}`);
        if (gen !== generation) return;
        const rows = parseNdjson(String(ch.body));
        const shown = rows.slice(0, 500);
        const cols = ["__op", "__version"].concat(columns);
        replace(changes, h("p", { class: "muted" }, `${rows.length} key(s) written in versions (${from}, ${to}]` + (rows.length > shown.length ? `, first ${shown.length} shown` : "")),
          table(cols, shown.map((r) => h("tr", { class: "change-row op-" + r.__op }, cols.map((c) => h("td", {}, r[c] === undefined ? "" : cellText(r[c])))))));
      }
    } catch (e) {
      replace(changes, h("p", { class: "state-failed" }, `${e.code || ""} ${e.message}`));
    }
    try {
      const c = await api(`${base}/consumers`);
      if (gen !== generation) return;
      const list = c.body.consumers || [];
      replace(consumers, list.length === 0 ? h("p", { class: "muted" }, "No consumer.") :
        table(["name", "offset", "behind (versions)", "behind (s)", "acknowledged at", "lost its place"],
          list.map((x) => h("tr", { class: "consumer-row" + (x.lost ? " lost" : ""), "data-consumer": x.name },
            h("td", {}, x.name), h("td", { class: "num" }, x.offset), h("td", { class: "num" }, x.lag_versions),
            h("td", { class: "num" }, fmtNum(x.lag_seconds, 1)), h("td", {}, x.acked_at), h("td", {}, x.lost ? "yes" : "")))));
    } catch (e) {
      replace(consumers, h("p", { class: "state-failed" }, `${e.code || ""} ${e.message}`));
    }
    if (key) {
      try {
        const hist = await api(`${base}/history?key=${enc(key)}` + (keyPartition ? `&partition=${enc(keyPartition)}` : ""));
        if (gen !== generation) return;
        const states = hist.body.history || [];
        replace(keyHistory, h("p", { class: "muted" }, `${states.length} state(s), newest first` + (hist.body.more ? ", older ones left out" : "")),
          table(["version", "committed at", "op"].concat(columns),
            states.map((s) => h("tr", { class: "history-row op-" + s.op },
              [h("td", { class: "num" }, s.version), h("td", {}, s.committed_at), h("td", {}, s.op)]
                .concat(columns.map((c) => h("td", {}, s.row && s.row[c] !== undefined ? cellText(s.row[c]) : "")))))));
      } catch (e) {
        replace(keyHistory, h("p", { class: "state-failed" }, `${e.code || ""} ${e.message}`));
      }
    }
    main.dataset.state = "ready";
  }

  function hashWith(project, name, q) {
    const qs = Object.entries(q).filter(([, v]) => v !== "" && v !== undefined).map(([k, v]) => k + "=" + enc(v)).join("&");
    return `#/table/${enc(project)}/${enc(name)}?${qs}`;
  }

  async function pageCompactions(gen) {
    async function refresh() {
      const { body } = await api("/api/v1/compactions");
      if (gen !== generation) return;
      const all = body.compactions;
      const row = (c) => h("tr", { class: "compaction-row", "data-id": c.id, "data-state": c.state },
        h("td", { class: "mono" }, c.id), h("td", {}, c.project), h("td", {}, h("a", { href: `#/table/${enc(c.project)}/${enc(c.table)}` }, c.table)),
        h("td", {}, c.partition === null ? "(all)" : c.partition), h("td", { class: "state-" + c.state }, c.state),
        h("td", {}, c.automatic ? "auto" : "requested"),
        h("td", { class: "num" }, fmtNum(c.input_rows, 0)), h("td", { class: "num" }, fmtBytes(c.input_bytes)),
        h("td", { class: "num" }, fmtNum(c.output_rows, 0)), h("td", { class: "num" }, fmtBytes(c.output_bytes)),
        h("td", {}, c.queued_at || ""), h("td", {}, c.started_at || ""), h("td", {}, c.finished_at || ""), h("td", {}, c.error || ""));
      const heads = ["id", "project", "table", "partition", "state", "trigger", "rows in", "bytes in", "rows out", "bytes out", "queued", "started", "finished", "error"];
      const section = (title, list, key) => [h("h2", {}, `${title} (${list.length})`),
        list.length ? table(heads, list.map(row)) : h("p", { class: "muted", "data-empty": key }, "None.")];
      replace(main, h("h1", {}, "Compactions"),
        section("Queued", all.filter((c) => c.state === "queued"), "queued"),
        section("Running", all.filter((c) => c.state === "running"), "running"),
        section("History", all.filter((c) => c.state === "done" || c.state === "failed"), "history"));
      main.dataset.state = "ready";
    }
    await refresh();
    timer = setInterval(() => refresh().catch(failPage), 3000);
  }

  async function pageSessions(gen, params) {
    const project = params.get("project") || localStorage.getItem("dt.project") || "";
    const known = await knownProjects();
    if (gen !== generation) return;
    replace(main, h("h1", {}, "Sessions"), projectForm("sessions", project, known));
    if (!project) { main.dataset.state = "ready"; return; }
    localStorage.setItem("dt.project", project);
    const { body } = await api(`/api/v1/projects/${enc(project)}/tables`);
    const perTable = await Promise.all(body.tables.map(async (t) => {
      const s = await api(`/api/v1/projects/${enc(project)}/tables/${enc(t.name)}/sessions`);
      return [t.name, s.body.sessions];
    }));
    if (gen !== generation) return;
    const now = Date.now();
    const all = params.get("all") === "1";
    let open = 0;
    put(main, h("p", {}, all ? h("a", { href: "#/sessions?project=" + enc(project) }, "Show open sessions only")
      : h("a", { href: "#/sessions?all=1&project=" + enc(project) }, "Show committed and aborted sessions too")));
    for (const [name, everything] of perTable) {
      const sessions = all ? everything : everything.filter((s) => s.status === "normal" || s.status === "committing");
      const rows = sessions.map((s) => {
        if (s.status === "normal") open++;
        const buckets = Array.isArray(s.buckets_written) ? s.buckets_written : [];
        return h("tr", { class: "session-row", "data-session": s.id, "data-status": s.status },
          h("td", { class: "mono" }, s.id), h("td", {}, s.partition === "" ? "(whole table)" : s.partition),
          h("td", {}, s.status), h("td", {}, s.quota_name || "(default)"),
          h("td", { class: "num" }, fmtAge(now - Date.parse(s.created_at))),
          h("td", { class: "num" }, fmtNum(s.rows, 0)), h("td", { class: "num" }, fmtBytes(s.bytes)),
          h("td", { title: buckets.join(", ") }, `${buckets.length}` + (buckets.length ? ` (${buckets.slice(0, 12).join(", ")}${buckets.length > 12 ? ", …" : ""})` : "")),
          h("td", {}, s.expires_at));
      });
      put(main, h("h2", {}, h("a", { href: `#/table/${enc(project)}/${enc(name)}` }, name), ` (${sessions.length})`),
        rows.length ? table(["session", "partition", "status", "quota", "age", "rows", "bytes", "buckets written", "expires"], rows)
          : h("p", { class: "muted" }, "No sessions."));
    }
    main.insertBefore(h("p", { class: "muted", "data-open-sessions": open }, `${open} open session(s) in project ${project}.`), main.children[2] || null);
    main.dataset.state = "ready";
  }

  // ---- routing -------------------------------------------------------------------------------

  // The API reference: docs/openapi.json as the server serves it, one card per operation, grouped
  // by tag. Only what the document uses is rendered ($ref to components, parameters, bodies, answers).
  async function pageApi(gen) {
    const { body: doc } = await api("/api/v1/openapi.json");
    if (gen !== generation) return;
    const deref = (x) => {
      if (!x || !x.$ref) return x;
      return x.$ref.replace(/^#\//, "").split("/").reduce((o, k) => (o ? o[k] : undefined), doc);
    };
    const typeOf = (schema) => {
      const sc = deref(schema) || {};
      if (schema && schema.$ref) return schema.$ref.split("/").pop();
      return sc.type === "array" ? typeOf(sc.items) + "[]" : (sc.enum ? sc.enum.join(" | ") : sc.type || "");
    };
    const groups = new Map();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const tag = (op.tags && op.tags[0]) || "other";
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag).push({ path, method, op });
      }
    }
    const card = ({ path, method, op }) => {
      const params = (op.parameters || []).map(deref);
      const answers = Object.entries(op.responses || {}).map(([status, r]) => {
        const resp = deref(r);
        const types = Object.keys(resp.content || {});
        return [status, resp.description || "", types.join(", ")];
      });
      return h("div", { class: "card api-op", "data-method": method.toUpperCase(), "data-path": path },
        h("h3", { class: "mono" }, h("span", { class: "method method-" + method }, method.toUpperCase()), " ", path),
        h("p", {}, op.summary || ""),
        params.length ? table(["parameter", "in", "type", "required", "meaning"],
          params.map((p) => [p.name, p.in, typeOf(p.schema), p.required ? "yes" : "", p.description || ""])) : null,
        op.requestBody ? h("p", {}, "Body: ", Object.keys(op.requestBody.content).join(", ")) : null,
        table(["status", "answer", "content"], answers));
    };
    replace(main, h("h1", {}, doc.info.title, " ", h("span", { class: "muted" }, doc.info.version)),
      h("p", { class: "muted" }, doc.info.description),
      [...groups.entries()].map(([tag, ops]) => [h("h2", {}, tag), ops.map(card)]));
    main.dataset.state = "ready";
  }

  function parseHash() {
    let hash = location.hash.replace(/^#/, "");
    let path = hash, query = "";
    const q = hash.indexOf("?");
    if (q >= 0) { path = hash.slice(0, q); query = hash.slice(q + 1); }
    if (path.startsWith("token=")) { query = path; path = ""; }
    const params = new URLSearchParams(query);
    return { path: path || "/overview", params };
  }

  async function route() {
    generation++;
    const gen = generation;
    if (timer) { clearInterval(timer); timer = null; }
    charts.forEach((c) => c.destroy());
    charts = [];
    const { path, params } = parseHash();
    if (params.has("token")) {
      localStorage.setItem("dt.token", params.get("token"));
      params.delete("token");
      const rest = params.toString();
      history.replaceState(null, "", "#" + path + (rest ? "?" + rest : ""));
    }
    tokenInput.value = token();
    showNotice("");
    const parts = path.split("/").filter((x) => x).map(decodeURIComponent);
    const page = parts[0] || "overview";
    document.querySelectorAll("header nav a").forEach((a) =>
      a.classList.toggle("active", a.dataset.page === page || (page === "table" && a.dataset.page === "tables")));
    main.dataset.page = page;
    main.dataset.state = "loading";
    replace(main, "Loading…");
    try {
      if (page === "overview") await pageOverview(gen);
      else if (page === "tables") await pageTables(gen, params);
      else if (page === "table" && parts.length === 3) await pageTable(gen, params, parts[1], parts[2]);
      else if (page === "compactions") await pageCompactions(gen);
      else if (page === "sessions") await pageSessions(gen, params);
      else if (page === "api") await pageApi(gen);
      else { replace(main, h("h1", {}, "Not found"), h("p", {}, "No such page: " + path)); main.dataset.state = "ready"; }
      document.title = "deltatunnel · " + page;
    } catch (e) {
      if (gen === generation) failPage(e);
    }
  }

  document.getElementById("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    localStorage.setItem("dt.token", tokenInput.value.trim());
    route();
  });
  window.addEventListener("hashchange", route);
  route();
})();
