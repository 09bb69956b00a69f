// Preview: for one generator, the timestamps its inputs would make (a histogram), events from
// its event plugin N at a time with the template state before and after (and errors at their
// template line), and what a formatter makes of them.
import { ApiError, del, enc, get, post } from "../api.js";
import { histogram } from "../charts.js";
import { field, fmt, h, pretty, toast } from "../dom.js";
import { paramsFor, saveParams } from "../params.js";

const FORMATS = ["plain", "json", "json-batch", "template", "syslog", "eventum-http-input"];

export async function render(main, { parts }) {
  const names = await get("/generator-configs/");
  const name = parts[0] || names[0];
  if (!name) {
    main.append(h("div", { class: "page" }, h("h1", {}, "Preview"), h("p", { class: "empty" }, "No generators yet: create one in the Editor.")));
    return;
  }
  const picker = h("select", { id: "preview-generator" }, names.map((n) => h("option", { value: n, selected: n === name }, n)));
  picker.addEventListener("change", () => (location.hash = `#/preview/${encodeURIComponent(picker.value)}`));
  const params = h("input", { class: "mono", size: 60, value: JSON.stringify(await paramsFor(name)) });
  const readParams = () => {
    try {
      const value = JSON.parse(params.value || "{}");
      saveParams(name, value);
      return value;
    } catch {
      throw new Error("Params must be a JSON object, like {\"out\": \"/tmp/x\"}");
    }
  };

  // Timestamps
  const size = h("input", { type: "number", min: 1, max: 1000000, value: 1000 });
  const skipPast = h("input", { type: "checkbox" });
  const chart = h("div", {}, h("p", { class: "muted" }, "Generate to see when the inputs would fire."));
  const summary = h("p", { class: "muted" });

  // Events
  const count = h("input", { type: "number", min: 1, max: 1000, value: 5 });
  const events = h("ol", { class: "events", "aria-label": "Produced events" });
  const errors = h("ul", { class: "errors", "aria-label": "Event errors" });
  const before = h("pre", { "aria-label": "State before" }, "—");
  const after = h("pre", { "aria-label": "State after" }, "—");
  const produced = h("p", { class: "muted" }, "Produce to render events with the template plugin; state carries over between runs.");
  let lastEvents = [];

  // Formatter
  const format = h("input", { value: "json", list: "formats", class: "mono" });
  const options = h("input", { class: "mono", size: 40, value: "{}" });
  const formatted = h("ol", { class: "events", "aria-label": "Formatted output" });
  const formatNote = h("p", { class: "muted" }, "Formats the events produced above.");

  const labelled = field;
  main.append(h("div", { class: "page" },
    h("h1", {}, "Preview"),
    h("div", { class: "bar" }, labelled("Generator", picker), labelled("Params (JSON, for ${params.*})", params)),
    h("section", { class: "card", "aria-labelledby": "ts-title" },
      h("h2", { id: "ts-title", class: "flush-top" }, "Timestamps"),
      h("div", { class: "bar" }, labelled("How many", size), h("label", { class: "inline" }, skipPast, "Skip past"),
        h("button", { type: "button", class: "primary", onclick: timestamps }, "Generate")),
      summary, chart),
    h("section", { class: "card mt", "aria-labelledby": "ev-title" },
      h("h2", { id: "ev-title", class: "flush-top" }, "Events"),
      h("div", { class: "bar" }, labelled("Events per run", count),
        h("button", { type: "button", class: "primary", onclick: produce }, "Produce"),
        h("button", { type: "button", onclick: reset, title: "Reload the templates and clear their state" }, "Reload and reset state")),
      produced, errors, events,
      h("div", { class: "state mt" }, h("div", {}, h("h3", {}, "State before"), before), h("div", {}, h("h3", {}, "State after"), after))),
    h("section", { class: "card mt", "aria-labelledby": "fmt-title" },
      h("h2", { id: "fmt-title", class: "flush-top" }, "Formatter"),
      h("datalist", { id: "formats" }, FORMATS.map((f) => h("option", { value: f }))),
      h("div", { class: "bar" }, labelled("Format", format), labelled("Options (JSON)", options),
        h("button", { type: "button", class: "primary", onclick: formatEvents }, "Format")),
      formatNote, formatted)));

  const editorLink = (file, line) =>
    h("a", { href: `#/editor/${encodeURIComponent(name)}?file=${encodeURIComponent(file)}${line ? `&line=${line}` : ""}` },
      `${file}${line ? `, line ${line}` : ""}`);

  function showErrors(list) {
    errors.replaceChildren(...list.map((e) => h("li", {},
      e.template ? `template ${e.template}: ` : "",
      e.file ? [editorLink(e.file, e.line), ": "] : "",
      e.error || e.message || e.event,
      e.failed_events > 1 ? ` (${e.failed_events} events)` : "")));
  }

  function failure(e) {
    if (e instanceof ApiError && e.body?.errors) showErrors(e.body.errors);
    else showErrors([{ message: e.message }]);
  }

  async function timestamps() {
    try {
      const query = `size=${Number(size.value) || 1000}&skip_past=${skipPast.checked}`;
      const data = await post(`/preview/${enc(name)}/input-plugins/generate?${query}`, readParams());
      if (!data.total) {
        summary.textContent = "The inputs make no timestamps (all in the past, or none).";
        chart.replaceChildren();
        return;
      }
      summary.textContent = `${fmt.format(data.total)} timestamps from ${data.first} to ${data.last}`;
      chart.replaceChildren(histogram(data.span_edges, data.span_counts));
    } catch (e) {
      summary.textContent = "";
      chart.replaceChildren(h("ul", { class: "errors" }, (e.body?.errors || [{ message: e.message }]).map((x) =>
        h("li", {}, x.file ? [editorLink(x.file, x.line), ": "] : "", x.message))));
    }
  }

  async function produce() {
    try {
      const data = await post(`/preview/${enc(name)}/event-plugin/produce`, { size: Number(count.value) || 1, params: readParams() });
      lastEvents = data.events;
      events.replaceChildren(...data.events.map((e) => h("li", {}, e)));
      produced.textContent = `${data.events.length} events` + (data.failed ? `, ${data.failed} failed` : "") +
        (data.dropped ? `, ${data.dropped} dropped` : "") + (data.exhausted ? " — the source is exhausted" : "");
      produced.classList.toggle("bad", data.failed > 0);
      showErrors(data.errors || []);
      before.textContent = data.state ? pretty(data.state.before) : "This event plugin has no template state.";
      after.textContent = data.state ? pretty(data.state.after) : "—";
    } catch (e) {
      produced.textContent = "The event plugin could not be loaded:";
      produced.classList.add("bad");
      events.replaceChildren();
      failure(e);
    }
  }

  async function reset() {
    try {
      await del(`/preview/${enc(name)}/event-plugin`);
      await post(`/preview/${enc(name)}/event-plugin`, readParams());
      toast("Templates reloaded, state cleared");
      produced.textContent = "Reloaded.";
      produced.classList.remove("bad");
      errors.replaceChildren();
    } catch (e) {
      produced.textContent = "The event plugin could not be loaded:";
      produced.classList.add("bad");
      failure(e);
    }
  }

  async function formatEvents() {
    if (!lastEvents.length) {
      formatNote.textContent = "Produce some events first.";
      return;
    }
    try {
      const body = { format: format.value, options: JSON.parse(options.value || "{}"), events: lastEvents };
      const data = await post(`/preview/${enc(name)}/formatter/format`, body);
      formatted.replaceChildren(...data.items.map((item) => h("li", {}, item)));
      formatNote.textContent = `${data.items.length} items` + (data.failed ? `, ${data.failed} failed` : "");
    } catch (e) {
      formatNote.textContent = e.message;
      formatted.replaceChildren();
    }
  }

  // Edits saved in the Editor take effect here: start from freshly loaded templates.
  del(`/preview/${enc(name)}/event-plugin`).catch(() => {});
}
