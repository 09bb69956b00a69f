// A scenario's worlds (eventum-entities): the population and episodes its started generators
// share (/api/scenarios/{name}/worlds), and the first entities of a kind (.../entities/{kind}).
import { enc, get } from "./api.js";
import { fmt, h } from "./dom.js";

const PAGE = 50;
const NOT_INSTALLED = "Worlds need eventum-entities, which this server does not have: pip install eventum-entities";

const text = (value) => (value !== null && typeof value === "object" ? JSON.stringify(value) : String(value ?? "—"));
const roles = (entities) => Object.entries(entities).map(([role, e]) => `${role}: ${e.key} (${e.kind} #${e.index})`).join(", ");

function episodesTable(episodes) {
  if (!episodes.length) return h("p", { class: "muted" }, "No episodes in this world.");
  return h("table", { "aria-label": "Episodes" },
    h("thead", {}, h("tr", {}, h("th", {}, "Episode"), h("th", {}, "Window"), h("th", {}, "Entities"),
      h("th", { class: "num" }, "Steps"))),
    h("tbody", {}, episodes.map((e) => h("tr", { "data-episode": e.episode },
      h("td", {}, `${e.episode} #${e.occurrence}`), h("td", {}, `${e.start} – ${e.end}`),
      h("td", {}, roles(e.entities)), h("td", { class: "num" }, e.steps.length)))));
}

function entitiesTable(kind, total, rows) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return h("div", { class: "mt" },
    h("h3", {}, `${kind}: ${rows.length < total ? `first ${fmt.format(rows.length)} of ` : ""}${fmt.format(total)}`),
    h("table", { "aria-label": `Entities: ${kind}` },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))),
      h("tbody", {}, rows.map((row) => h("tr", { "data-index": row.index },
        columns.map((c) => h("td", {}, text(row[c]))))))));
}

function worldCard(world, open) {
  const kinds = Object.entries(world.kinds);
  return h("div", { class: "mt", "data-world": world.world },
    h("p", {}, h("code", {}, world.world), ` — seed ${world.seed}, used by ${world.generators.join(", ")}`),
    h("table", { "aria-label": `Entity kinds of ${world.world}` },
      h("thead", {}, h("tr", {}, h("th", {}, "Kind"), h("th", { class: "num" }, "Entities"), h("th", { class: "actions" }, "Actions"))),
      h("tbody", {}, kinds.map(([kind, count]) => h("tr", { "data-kind": kind },
        h("td", {}, h("code", {}, kind)), h("td", { class: "num" }, fmt.format(count)),
        h("td", { class: "actions" }, h("div", {},
          h("button", { type: "button", "aria-label": `Show ${kind}`, onclick: () => open(kind, count) }, "Show"))))))),
    episodesTable(world.episodes));
}

// The "World" section of a scenario's page: refresh() rebuilds it only when the worlds change,
// so an opened kind stays open while the page polls.
export function worldSection(base) {
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  const entities = h("div", {});
  const section = h("section", { class: "card mt", "aria-labelledby": "world-title" },
    h("h2", { id: "world-title", class: "flush-top" }, "World"), body, entities);
  let shown = null;

  async function open(kind, total) {
    try {
      const rows = await get(`${base}/worlds/entities/${enc(kind)}?limit=${PAGE}`);
      entities.replaceChildren(entitiesTable(kind, total, rows));
    } catch (e) {
      entities.replaceChildren(h("p", { class: "muted" }, e.message));
    }
  }

  function show(key, ...children) {
    if (key === shown) return;
    shown = key;
    body.replaceChildren(...children);
    entities.replaceChildren();
  }

  async function refresh() {
    try {
      const worlds = await get(`${base}/worlds`);
      if (!worlds.length) return show("[]", h("p", { class: "muted" }, "No started generator of this scenario uses a world (eventum-entities)."));
      show(JSON.stringify(worlds), ...worlds.map((w) => worldCard(w, open)));
    } catch (e) {
      if (e.status === 404 && e.message.includes("eventum-entities")) show("missing", h("p", { class: "muted" }, NOT_INSTALLED));
    }
  }
  return { section, refresh };
}
