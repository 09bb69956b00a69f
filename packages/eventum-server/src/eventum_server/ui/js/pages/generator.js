// One generator: its parameters and counters, start / stop, and its log, live over a WebSocket.
import { enc, get, post, socket } from "../api.js";
import { fmt, fmtDuration, fmtMs, h, toast } from "../dom.js";

const MAX_LINES = 2000;

export function render(main, { parts }) {
  const id = parts[0];
  const status = h("span", { class: "badge" });
  const start = h("button", { type: "button", onclick: () => act("start") }, "Start");
  const stop = h("button", { type: "button", onclick: () => act("stop") }, "Stop");
  const counters = h("dl", { class: "kv" });
  const about = h("dl", { class: "kv" });
  const log = h("pre", { class: "log", tabindex: "0", "aria-label": `Log of ${id}`, "aria-live": "off" });
  const follow = h("input", { type: "checkbox", checked: true });
  const state = h("p", { class: "muted" }, "Connecting to the log…");
  main.append(h("div", { class: "page" },
    h("p", {}, h("a", { href: "#/generators" }, "← Generators")),
    h("div", { class: "bar center" }, h("h1", { class: "flush" }, id), status, h("span", { class: "grow" }), start, stop),
    h("div", { class: "grid2" },
      h("section", { class: "card", "aria-label": "Counters" }, h("h2", { class: "flush-top" }, "Counters"), counters),
      h("section", { class: "card", "aria-label": "Parameters" }, h("h2", { class: "flush-top" }, "Parameters"), about)),
    h("div", { class: "bar center mt" }, h("h2", { class: "flush" }, "Live log"), state, h("span", { class: "grow" }),
      h("label", { class: "inline" }, follow, "Follow")),
    log));

  async function act(action) {
    try {
      await post(`/generators/${enc(id)}/${action}`);
      refresh();
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  const pair = (k, v) => [h("dt", {}, k), h("dd", {}, v)];
  async function refresh() {
    try {
      const [g, s] = await Promise.all([get(`/generators/${enc(id)}`), get(`/generators/${enc(id)}/stats`)]);
      status.textContent = g.status;
      status.className = `badge ${g.status}`;
      start.disabled = g.status === "running";
      stop.disabled = g.status !== "running";
      about.replaceChildren(...pair("Config", g.path), ...pair("Live mode", String(g.live_mode)),
        ...pair("Timezone", g.timezone), ...pair("Params", JSON.stringify(g.params || {})),
        ...(g.error ? pair("Error", h("span", { class: "bad" }, g.error)) : []));
      if (s.output) {
        const failed = s.output.reduce((n, o) => n + o.write_failed + o.format_failed, 0);
        counters.replaceChildren(
          ...pair("Generated", fmt.format(s.total_generated)), ...pair("Produced", fmt.format(s.event.produced)),
          ...pair("Written", fmt.format(s.total_written)), ...pair("Failed", fmt.format(failed + s.event.produce_failed)),
          ...pair("Dropped", fmt.format(s.event.dropped)), ...pair("Events/s (average)", String(s.output_eps)),
          ...pair("Lateness p50 / p99", `${fmtMs(s.lateness.p50_ms)} / ${fmtMs(s.lateness.p99_ms)}`),
          ...pair("Uptime", fmtDuration(s.uptime)),
          ...s.output.map((o, i) => pair(`Output ${i + 1} (${o.name})`, `${fmt.format(o.written)} written, ${fmt.format(o.write_failed)} failed`)).flat());
      }
    } catch (e) {
      if (e.status === 404) status.textContent = "not loaded";
    }
  }

  const ws = socket(`/generators/${enc(id)}/logs`);
  ws.onopen = () => (state.textContent = "connected");
  ws.onclose = () => (state.textContent = "disconnected (reload the page to reconnect)");
  ws.onmessage = (event) => {
    const line = String(event.data);
    const level = /\b(error|critical)\b/i.test(line) ? "error" : /\bwarn(ing)?\b/i.test(line) ? "warning" : "";
    log.append(h("div", { class: level }, line));
    while (log.childElementCount > MAX_LINES) log.firstChild.remove();
    if (follow.checked) log.scrollTop = log.scrollHeight;
  };
  refresh();
  const timer = setInterval(refresh, 2000);
  return () => {
    clearInterval(timer);
    ws.close();
  };
}
