// A code editor: a transparent <textarea> over a highlighted <pre>, with line numbers and
// errors marked at their lines. Tab indents (Escape, then Tab, leaves); Ctrl/Cmd+S saves.
import { h } from "./dom.js";
import { highlight } from "./highlight.js";

const LINE = 20; // px, as in .code's line-height
const HIGHLIGHT_LIMIT = 300_000; // characters: bigger files are shown plain, to stay fast

export function codeEditor({ value = "", language = "plain", label, onChange, onSave }) {
  const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
  const pre = h("pre", { "aria-hidden": "true" });
  const hint = h("span", { id: `hint-${Math.random().toString(36).slice(2)}`, hidden: true },
    "Tab indents; press Escape then Tab to move on. Ctrl+S saves.");
  const area = h("textarea", {
    spellcheck: false, autocapitalize: "off", autocomplete: "off", wrap: "off",
    "aria-label": label, "aria-describedby": hint.id, "aria-multiline": "true",
  });
  const root = h("div", { class: "code" }, gutter, h("div", { class: "area" }, pre, area), hint);
  let errors = new Map();
  let escaped = false;
  let gutterKey = "";
  let frame = 0;

  function paint() {
    frame = 0;
    const text = area.value;
    const lines = text.length > HIGHLIGHT_LIMIT ? text.split("\n").map((l) => l.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)) : highlight(text, language);
    pre.innerHTML = lines
      .map((line, i) => (errors.has(i + 1) ? `<span class="line err">${line || " "}</span>` : line))
      .join("\n") + "\n ";
    const key = `${lines.length}|${[...errors.keys()]}`;
    if (key !== gutterKey) {
      gutterKey = key;
      gutter.replaceChildren(...lines.map((_, i) => {
        const message = errors.get(i + 1);
        return h("div", message ? { class: "err", title: message } : {}, String(i + 1));
      }));
    }
  }
  const repaint = () => (frame ||= requestAnimationFrame(paint));

  function replaceSelection(text, selectStart, selectEnd) {
    // execCommand keeps the browser's undo history; fall back to setRangeText.
    if (!document.execCommand("insertText", false, text)) area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
    if (selectStart != null) area.setSelectionRange(selectStart, selectEnd);
  }

  area.addEventListener("input", () => {
    repaint();
    onChange?.(area.value);
  });
  area.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      onSave?.();
      return;
    }
    if (event.key === "Escape") {
      escaped = true;
      return;
    }
    if (event.key === "Tab" && !escaped && !event.ctrlKey && !event.altKey) {
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end, value: text } = area;
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      if (event.shiftKey) {
        const removable = text.slice(lineStart, lineStart + 2).match(/^ {1,2}/)?.[0].length || 0;
        if (removable) {
          area.setSelectionRange(lineStart, lineStart + removable);
          replaceSelection("", start - removable, end - removable);
        }
      } else replaceSelection("  ");
      return;
    }
    escaped = false;
    if (event.key === "Enter" && !event.shiftKey) {
      const { selectionStart: start, value: text } = area;
      const line = text.slice(text.lastIndexOf("\n", start - 1) + 1, start);
      let indent = line.match(/^\s*/)[0];
      if (/:\s*$/.test(line) || /^\s*-\s*$/.test(line)) indent += "  ";
      event.preventDefault();
      replaceSelection(`\n${indent}`);
    }
  });

  const editor = {
    el: root,
    get value() {
      return area.value;
    },
    set value(text) {
      area.value = text;
      paint();
    },
    setErrors(list) {
      errors = new Map();
      gutterKey = "";
      for (const { line, message } of list) if (line) errors.set(line, errors.has(line) ? `${errors.get(line)}\n${message}` : message);
      paint();
    },
    goto(line) {
      const lines = area.value.split("\n");
      const offset = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
      area.focus();
      area.setSelectionRange(offset, offset + (lines[line - 1] || "").length);
      root.scrollTop = Math.max(0, (line - 1) * LINE - root.clientHeight / 3);
    },
    focus: () => area.focus(),
  };
  editor.value = value;
  return editor;
}
