// Generators: every generator of this instance with its status, events/s as a live sparkline,
// written / failed / lateness; start, stop, delete, one at a time or the selected ones.
import { del, enc, get, post } from "../api.js";
import { sparkline } from "../charts.js";
import { fmt, fmtDuration, fmtMs, fmtRate, h, toast } from "../dom.js";

const POLL_MS = 1000;
const HISTORY = 60;

export function render(main) {
  const rows = new Map(); // id -> {tr, cells, history, last}
  const stats = new Map();
  const selected = new Set();
  const tbody = h("tbody");
  const all = h("input", { type: "checkbox", "aria-label": "Select all generators" });
  const count = h("span", { class: "muted" });
  const bulk = (label, action, cls) =>
    h("button", { type: "button", class: cls, disabled: true, onclick: () => bulkAction(action) }, label);
  const bulkButtons = [bulk("Start selected", "start"), bulk("Stop selected", "stop"), bulk("Delete selected", "delete", "danger")];
  const empty = h("p", { class: "empty", hidden: true }, "No generators are loaded. Add them to startup.yml, or through the API.");
  main.append(
    h("div", { class: "page" },
      h("h1", {}, "Generators"),
      h("div", { class: "bar", role: "toolbar", "aria-label": "Selected generators" }, count, h("span", { class: "grow" }), bulkButtons),
      h("table", { "aria-label": "Generators" },
        h("thead", {}, h("tr", {},
          h("th", {}, all), h("th", {}, "Generator"), h("th", {}, "Status"), h("th", {}, "Events/s"),
          h("th", { class: "num" }, "Generated"), h("th", { class: "num" }, "Written"),
          h("th", { class: "num" }, "Failed"), h("th", { class: "num" }, "Lateness p99"),
          h("th", { class: "num" }, "Uptime"), h("th", { class: "actions" }, "Actions"))),
        tbody),
      empty));

  function refreshSelection() {
    for (const id of [...selected]) if (!rows.has(id)) selected.delete(id);
    count.textContent = selected.size ? `${selected.size} selected` : `${rows.size} generators`;
    for (const b of bulkButtons) b.disabled = !selected.size;
    all.checked = rows.size > 0 && selected.size === rows.size;
    all.indeterminate = selected.size > 0 && selected.size < rows.size;
  }
  all.addEventListener("change", () => {
    for (const [id, row] of rows) {
      row.check.checked = all.checked;
      all.checked ? selected.add(id) : selected.delete(id);
    }
    refreshSelection();
  });

  async function act(id, action) {
    try {
      if (action === "delete") {
        if (!confirm(`Remove generator "${id}" from this instance? (Its files and startup.yml stay.)`)) return;
        await del(`/generators/${enc(id)}`);
      } else await post(`/generators/${enc(id)}/${action}`);
      toast(`${id}: ${action === "stop" ? "stopped" : action === "start" ? "started" : "removed"}`);
    } catch (e) {
      toast(`${id}: ${e.message}`, { bad: true });
    }
    poll();
  }

  async function bulkAction(action) {
    const ids = [...selected];
    if (action === "delete" && !confirm(`Remove ${ids.length} generators from this instance?`)) return;
    try {
      await post(`/generators/group-actions/bulk-${action}`, ids);
      toast(`${ids.length} generators: ${action} done`);
      if (action === "delete") selected.clear();
    } catch (e) {
      toast(e.message, { bad: true });
    }
    poll();
  }

  function makeRow(id) {
    const check = h("input", { type: "checkbox", "aria-label": `Select ${id}` });
    check.addEventListener("change", () => {
      check.checked ? selected.add(id) : selected.delete(id);
      refreshSelection();
    });
    const cell = (cls) => h("td", { class: cls });
    const cells = {
      status: cell(), eps: cell(), generated: cell("num"), written: cell("num"),
      failed: cell("num"), lateness: cell("num"), uptime: cell("num"),
    };
    const start = h("button", { type: "button", "aria-label": `Start ${id}`, onclick: () => act(id, "start") }, "Start");
    const stop = h("button", { type: "button", "aria-label": `Stop ${id}`, onclick: () => act(id, "stop") }, "Stop");
    const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete ${id}`, onclick: () => act(id, "delete") }, "Delete");
    const tr = h("tr", { "data-id": id },
      h("td", {}, check),
      h("td", {}, h("a", { href: `#/generators/${encodeURIComponent(id)}`, title: "Live log and details" }, id)),
      cells.status, cells.eps, cells.generated, cells.written, cells.failed, cells.lateness, cells.uptime,
      h("td", { class: "actions" }, h("div", {}, start, stop, remove)));
    return { tr, cells, check, start, stop, history: [], last: null };
  }

  function update(generator, index) {
    let row = rows.get(generator.id);
    if (!row) rows.set(generator.id, (row = makeRow(generator.id)));
    // Move a row only when out of place: moving it would take the keyboard focus away.
    if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] || null);
    const s = stats.get(generator.id);
    const running = generator.status === "running";
    row.cells.status.replaceChildren(h("span", { class: `badge ${generator.status}`, title: generator.error || "" }, generator.status));
    row.start.disabled = running || generator.status === "starting";
    row.stop.disabled = !running;
    if (!s) {
      for (const c of ["eps", "generated", "written", "failed", "lateness", "uptime"]) row.cells[c].textContent = "—";
      return;
    }
    const now = performance.now();
    // The rate between two polls; before the second one, the average since start.
    let rate = s.output_eps || 0;
    if (running && row.last && s.total_written >= row.last.written) {
      rate = ((s.total_written - row.last.written) * 1000) / (now - row.last.at);
    }
    row.last = { written: s.total_written, at: now };
    if (running) row.history = [...row.history, rate].slice(-HISTORY);
    const failed = s.output.reduce((n, o) => n + o.write_failed + o.format_failed, 0) + s.event.produce_failed;
    row.cells.eps.replaceChildren(h("span", { class: "eps" },
      sparkline(row.history, { label: `events per second of ${generator.id}, last minute` }),
      h("span", {}, running ? fmtRate(rate) : "—")));
    row.cells.generated.textContent = fmt.format(s.total_generated);
    row.cells.written.textContent = fmt.format(s.total_written);
    row.cells.failed.textContent = fmt.format(failed);
    row.cells.failed.classList.toggle("bad", failed > 0);
    row.cells.lateness.textContent = fmtMs(s.lateness?.p99_ms);
    row.cells.uptime.textContent = fmtDuration(s.uptime);
  }

  let timer = null;
  let busy = false;
  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const [list, running] = await Promise.all([get("/generators/"), get("/generators/group-actions/stats-running")]);
      for (const s of running) stats.set(s.id, s);
      // Stopped generators keep their last counters: ask once after each change of status.
      await Promise.all(list.filter((g) => g.status !== "running" && rows.get(g.id)?.status !== g.status)
        .map(async (g) => {
          const s = await get(`/generators/${enc(g.id)}/stats`).catch(() => null);
          s && s.output ? stats.set(g.id, s) : stats.delete(g.id);
        }));
      const ids = new Set(list.map((g) => g.id));
      for (const [id, row] of rows) if (!ids.has(id)) row.tr.remove(), rows.delete(id);
      for (const [index, g] of list.entries()) {
        update(g, index);
        rows.get(g.id).status = g.status;
      }
      empty.hidden = list.length > 0;
      refreshSelection();
    } catch {
      // the banner or the login page says why
    } finally {
      busy = false;
    }
  }
  poll();
  timer = setInterval(poll, POLL_MS);
  return () => clearInterval(timer);
}
