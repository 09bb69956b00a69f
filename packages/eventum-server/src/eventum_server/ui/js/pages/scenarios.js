// Scenarios (Eventum 2.4): named groups of startup.yml generators, started and stopped together.
// A scenario's page shows its generators, which `globals` keys each one's templates write and
// read, the live `globals` (process-wide: editing them affects every generator) and the worlds
// (eventum-entities) its started generators share.
import { api, del, enc, get, post } from "../api.js";
import { field, h, pretty, toast } from "../dom.js";
import { worldSection } from "../world.js";

const POLL_MS = 1000;

const states = (ids, status) => {
  const counts = {};
  for (const id of ids) {
    const s = status.get(id) || "not loaded";
    counts[s] = (counts[s] || 0) + 1;
  }
  return Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ");
};

async function group(action, ids, label) {
  try {
    await post(`/generators/group-actions/bulk-${action}`, ids);
    toast(`${label}: ${action} done`);
  } catch (e) {
    toast(`${label}: ${e.message}`, { bad: true });
  }
}

async function statuses() {
  return new Map((await get("/generators/")).map((g) => [g.id, g.status]));
}

// A startup entry's generator folder: its path without a trailing generator.yml.
function folderOf(path) {
  const parts = String(path).split("/").filter(Boolean);
  if (/\.ya?ml$/.test(parts.at(-1) || "")) parts.pop();
  return parts.at(-1) || "";
}

export function render(main, { parts }) {
  return parts[0] ? scenarioPage(main, parts[0]) : listPage(main);
}

function listPage(main) {
  const tbody = h("tbody");
  const empty = h("p", { class: "empty", hidden: true }, "No scenarios yet. A scenario is a name startup.yml entries list under `scenarios`: create one below.");
  const name = h("input", { required: true, pattern: "\\S+", autocomplete: "off" });
  const choices = h("div", { class: "bar", role: "group", "aria-label": "Generators of the new scenario" });
  const form = h("form", { class: "card mt", "aria-label": "New scenario" },
    h("h2", { class: "flush-top" }, "New scenario"),
    h("div", { class: "bar" }, field("Scenario name", name)), choices,
    h("button", { type: "submit", class: "primary" }, "Create scenario"));
  main.append(h("div", { class: "page" },
    h("h1", {}, "Scenarios"),
    h("table", { "aria-label": "Scenarios" },
      h("thead", {}, h("tr", {}, h("th", {}, "Scenario"), h("th", { class: "num" }, "Generators"),
        h("th", {}, "States"), h("th", { class: "actions" }, "Actions"))),
      tbody),
    empty, form));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ids = [...choices.querySelectorAll("input:checked")].map((c) => c.value);
    if (!ids.length) return toast("Choose at least one generator", { bad: true });
    try {
      for (const id of ids) await post(`/scenarios/${enc(name.value.trim())}/generators/${enc(id)}`);
      toast(`Scenario ${name.value.trim()} created`);
      name.value = "";
      for (const c of choices.querySelectorAll("input")) c.checked = false;
    } catch (e) {
      toast(e.message, { bad: true });
    }
    poll();
  });

  let shownEntries = "";
  async function poll() {
    try {
      const [names, status, entries] = await Promise.all([get("/scenarios/"), statuses(), get("/startup/")]);
      const scenarios = await Promise.all(names.map((n) => get(`/scenarios/${enc(n)}`)));
      tbody.replaceChildren(...scenarios.map(({ name: scenario, generator_ids: ids }) => h("tr", { "data-scenario": scenario },
        h("td", {}, h("a", { href: `#/scenarios/${encodeURIComponent(scenario)}` }, scenario)),
        h("td", { class: "num" }, ids.length),
        h("td", {}, states(ids, status)),
        h("td", { class: "actions" }, h("div", {},
          h("button", { type: "button", "aria-label": `Start ${scenario}`, onclick: () => group("start", ids, scenario).then(poll) }, "Start all"),
          h("button", { type: "button", "aria-label": `Stop ${scenario}`, onclick: () => group("stop", ids, scenario).then(poll) }, "Stop all"),
          h("button", { type: "button", class: "danger", "aria-label": `Delete ${scenario}`, onclick: async () => {
            if (!confirm(`Delete the scenario "${scenario}"? Its generators stay in startup.yml.`)) return;
            try {
              await del(`/scenarios/${enc(scenario)}`);
              toast(`Scenario ${scenario} deleted`);
            } catch (e) {
              toast(e.message, { bad: true });
            }
            poll();
          } }, "Delete"))))));
      empty.hidden = names.length > 0;
      const ids = entries.map((e) => String(e.id));
      if (ids.join("\n") !== shownEntries) { // rebuilt only when startup.yml changes: keeps ticks
        shownEntries = ids.join("\n");
        choices.replaceChildren(...ids.map((id) => h("label", { class: "inline" }, h("input", { type: "checkbox", value: id }), id)));
      }
    } catch {
      // the banner or the login page says why
    }
  }
  poll();
  const timer = setInterval(poll, POLL_MS);
  return () => clearInterval(timer);
}

function scenarioPage(main, name) {
  const base = `/scenarios/${enc(name)}`;
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const members = h("tbody");
  const flow = h("tbody");
  const warnings = h("ul", { class: "plain muted" });
  const globals = h("tbody");
  const addSelect = h("select", {});
  const key = h("input", { required: true, autocomplete: "off" });
  const value = h("textarea", { class: "json", rows: 3, required: true });
  const world = worldSection(base);
  let ids = [];
  const setForm = h("form", { class: "mt", "aria-label": "Set a global" },
    field("Key", key), field("Value (JSON)", value), h("button", { type: "submit", class: "primary" }, "Set global"));
  const addForm = h("form", { class: "bar mt", "aria-label": "Add a generator" },
    field("Generator", addSelect), h("button", { type: "submit" }, "Add to scenario"));
  main.append(h("div", { class: "page" },
    h("div", { class: "bar" }, h("h1", { class: "grow" }, name),
      h("button", { type: "button", class: "primary", onclick: () => group("start", ids, name).then(poll) }, "Start all"),
      h("button", { type: "button", onclick: () => group("stop", ids, name).then(poll) }, "Stop all")),
    status,
    h("div", { class: "grid2" },
      h("section", { class: "card", "aria-labelledby": "members-title" },
        h("h2", { id: "members-title", class: "flush-top" }, "Generators"),
        h("table", { "aria-label": "Generators of the scenario" },
          h("thead", {}, h("tr", {}, h("th", {}, "Generator"), h("th", {}, "Status"), h("th", { class: "actions" }, "Actions"))),
          members),
        addForm,
        h("h2", {}, "Data flow"),
        h("table", { "aria-label": "Data flow" },
          h("thead", {}, h("tr", {}, h("th", {}, "Global"), h("th", {}, "Written by"), h("th", {}, "Read by"))),
          flow),
        warnings),
      h("section", { class: "card", "aria-labelledby": "globals-title" },
        h("h2", { id: "globals-title", class: "flush-top" }, "Global state"),
        h("p", { class: "muted" }, "Global state is process-wide, as in Eventum: editing it affects every running generator, not only this scenario's."),
        h("table", { "aria-label": "Globals" },
          h("thead", {}, h("tr", {}, h("th", {}, "Key"), h("th", {}, "Value"), h("th", { class: "actions" }, "Actions"))),
          globals),
        setForm)),
    world.section));

  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!addSelect.value) return;
    try {
      await post(`${base}/generators/${enc(addSelect.value)}`);
      toast(`${addSelect.value} added to ${name}`);
    } catch (e) {
      toast(e.message, { bad: true });
    }
    poll(true);
  });
  setForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    let parsed;
    try {
      parsed = JSON.parse(value.value);
    } catch {
      return toast("The value is not JSON (text needs quotes)", { bad: true });
    }
    try {
      await api("PATCH", `${base}/globals`, { [key.value]: parsed });
      toast(`Global ${key.value} is set`);
    } catch (e) {
      toast(e.message, { bad: true });
    }
    poll();
  });

  async function remove(id) {
    try {
      const left = await del(`${base}/generators/${enc(id)}`);
      toast(`${id} removed from ${name}`);
      if (!left.generator_ids.length) location.hash = "#/scenarios";
    } catch (e) {
      toast(e.message, { bad: true });
    }
    poll(true);
  }

  async function showFlow(entries) {
    const folders = new Map(entries.map((e) => [String(e.id), folderOf(e.path)]));
    const usages = await Promise.all(ids.map((id) =>
      get(`${base}/generators/${enc(folders.get(id) || id)}/globals-usage`).catch(() => null)));
    const keys = new Map();
    const note = [];
    for (const [i, usage] of usages.entries()) {
      if (!usage) continue;
      for (const [kind, refs] of [["writes", usage.writes], ["reads", usage.reads]]) {
        for (const ref of refs) {
          const row = keys.get(ref.key) || { writes: new Set(), reads: new Set() };
          row[kind].add(ids[i]);
          keys.set(ref.key, row);
        }
      }
      for (const w of usage.warnings) {
        note.push(`${ids[i]}, ${w.template}: ${w.type === "update_call" ? "globals.update() sets keys known only in a run" : "a key known only in a run"}`);
      }
    }
    flow.replaceChildren(...(keys.size ? [...keys].sort(([a], [b]) => a.localeCompare(b)).map(([k, row]) =>
      h("tr", { "data-key": k }, h("td", {}, h("code", {}, k)), h("td", {}, [...row.writes].join(", ") || "—"),
        h("td", {}, [...row.reads].join(", ") || "—")))
      : [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "No template of these generators uses globals."))]));
    warnings.replaceChildren(...note.map((n) => h("li", {}, n)));
  }

  let shownMembers = "";
  async function poll(force = false) {
    try {
      const [scenario, state, running, entries] = await Promise.all(
        [get(base), get(`${base}/globals`), statuses(), get("/startup/")]);
      ids = scenario.generator_ids;
      status.textContent = states(ids, running);
      world.refresh();
      members.replaceChildren(...ids.map((id) => h("tr", { "data-id": id },
        h("td", {}, h("a", { href: `#/generators/${encodeURIComponent(id)}` }, id)),
        h("td", {}, h("span", { class: `badge ${running.get(id) || ""}` }, running.get(id) || "not loaded")),
        h("td", { class: "actions" }, h("div", {},
          h("button", { type: "button", "aria-label": `Remove ${id}`, onclick: () => remove(id) }, "Remove"))))));
      globals.replaceChildren(...Object.entries(state).map(([k, v]) => h("tr", { "data-key": k },
        h("td", {}, h("code", {}, k)), h("td", {}, h("code", {}, JSON.stringify(v))),
        h("td", { class: "actions" }, h("div", {},
          h("button", { type: "button", "aria-label": `Edit ${k}`, onclick: () => { key.value = k; value.value = pretty(v); value.focus(); } }, "Edit"),
          h("button", { type: "button", class: "danger", "aria-label": `Delete ${k}`, onclick: async () => {
            try {
              await del(`${base}/globals/${enc(k)}`);
            } catch (e) {
              toast(e.message, { bad: true });
            }
            poll();
          } }, "Delete"))))));
      if (force || ids.join("\n") !== shownMembers) { // membership changed: refresh what depends on it
        shownMembers = ids.join("\n");
        addSelect.replaceChildren(...entries.map((e) => String(e.id)).filter((id) => !ids.includes(id))
          .map((id) => h("option", { value: id }, id)));
        await showFlow(entries);
      }
    } catch (e) {
      if (e.status === 404) status.textContent = `There is no scenario "${name}" (no startup.yml entry names it).`;
    }
  }
  poll(true);
  const timer = setInterval(poll, POLL_MS);
  return () => clearInterval(timer);
}
