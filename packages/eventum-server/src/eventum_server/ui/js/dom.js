// Tiny DOM helpers: h() builds HTML elements, svg() SVG ones, toast() says something briefly.

function build(el, attrs, children, properties = true) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else if (properties && typeof value !== "string" && key in el) el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
export const svg = (tag, attrs, ...children) =>
  build(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, children, false);

export function toast(message, { bad = false } = {}) {
  const item = h("div", { class: bad ? "toast bad" : "toast" }, message);
  const box = document.getElementById("toasts");
  box.append(item);
  while (box.childElementCount > 3) box.firstChild.remove();
  setTimeout(() => item.remove(), bad ? 8000 : 3000);
}

export const fmt = new Intl.NumberFormat();
export const fmtRate = (n) => (n >= 100 ? fmt.format(Math.round(n)) : n.toFixed(1));

export function fmtDuration(seconds) {
  if (seconds == null) return "—";
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function fmtMs(ms) {
  if (ms == null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export const pretty = (value) => JSON.stringify(value, null, 2);

let fieldIds = 0;
// A labelled control: the label is beside the control (not around it), so its name stays its text.
export function field(text, control) {
  control.id ||= `field-${++fieldIds}`;
  return h("div", { class: "field" }, h("label", { for: control.id }, text), control);
}
