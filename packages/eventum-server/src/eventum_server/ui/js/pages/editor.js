// Editor: the generator folders as a file tree; open, edit and save their files with
// highlighting; problems of the generator (as `eventum run` would load it) marked at their line.
import { api, del, enc, get, post } from "../api.js";
import { codeEditor } from "../code.js";
import { h, toast } from "../dom.js";
import { languageOf } from "../highlight.js";
import { paramsFor } from "../params.js";

const expanded = new Set(); // generator folders open in the tree, kept across visits

const SKELETON = {
  input: [{ timer: { seconds: 1, count: 10 } }],
  event: { template: { mode: "all", templates: [{ event: { template: "event.jinja" } }] } },
  output: [{ stdout: {} }],
};

export async function render(main, { parts, query }) {
  let name = parts[0] || null;
  let file = null;
  let saved = "";
  let problems = [];
  let editor = null;
  const trees = new Map(); // generator -> file tree

  const tree = h("nav", { class: "tree", "aria-label": "Generator files" });
  const path = h("span", { class: "path grow" }, "No file open");
  const button = (label, onclick, attrs = {}) => h("button", { type: "button", onclick, ...attrs }, label);
  const saveButton = button("Save", () => save(), { class: "primary", disabled: true, title: "Ctrl+S" });
  const fileButtons = [
    button("Rename / move", () => rename(), { disabled: true }),
    button("Delete", () => remove(), { class: "danger", disabled: true }),
  ];
  const folderButtons = [button("New file", () => create(false), { disabled: true }), button("New folder", () => create(true), { disabled: true })];
  const checkButton = button("Check", () => check(), { disabled: true, title: "Load the generator as eventum run would" });
  const generatorButtons = [
    button("Export", () => exportGenerator(), { disabled: true, title: "Download the generator folder as a ZIP archive" }),
    button("Rename generator", () => renameGenerator(), { disabled: true }),
  ];
  const archiveInput = h("input", { type: "file", accept: ".zip,application/zip", hidden: true, "aria-label": "ZIP archive to import", onchange: () => importGenerator() });
  const holder = h("div", { class: "holder" });
  const problemList = h("ul");
  const problemPanel = h("section", { class: "problems", "aria-label": "Problems", "aria-live": "polite" }, h("h2", {}, "Problems"), problemList);
  const pane = h("div", { class: "pane" },
    h("div", { class: "bar", role: "toolbar", "aria-label": "File actions" }, path, ...folderButtons, ...fileButtons, checkButton, ...generatorButtons, saveButton),
    holder, problemPanel);
  main.append(h("div", { class: "workbench" }, tree, pane));
  holder.append(h("p", { class: "empty" }, "Pick a file in the tree, or create a generator."));

  const dirty = () => editor && editor.value !== saved;
  const onUnload = (event) => dirty() && event.preventDefault();
  window.addEventListener("beforeunload", onUnload);

  function setHash() {
    const q = file ? `?file=${encodeURIComponent(file)}` : "";
    history.replaceState(null, "", `#/editor${name ? `/${encodeURIComponent(name)}` : ""}${q}`);
  }

  function markDirty() {
    path.classList.toggle("dirty", dirty());
    saveButton.disabled = !dirty();
  }

  function showProblems() {
    problemList.replaceChildren(...(problems.length
      ? problems.map((p) => h("li", {}, h("button", { type: "button", onclick: () => openFile(p.file || file, p.line) },
          `${p.file || "generator"}${p.line ? `:${p.line}` : ""} — ${p.message}`)))
      : [h("li", { class: "ok" }, name ? `${name}: no problems found` : "")]));
    editor?.setErrors(problems.filter((p) => p.file === file));
    for (const node of tree.querySelectorAll("[data-path]")) {
      node.classList.toggle("has-error", node.dataset.gen === name && problems.some((p) => p.file === node.dataset.path));
    }
  }

  async function check() {
    if (!name) return;
    try {
      const result = await post(`/generator-configs/${enc(name)}/validate`, await paramsFor(name));
      problems = result.errors;
    } catch (e) {
      problems = [{ file: null, line: null, message: e.message }];
    }
    showProblems();
  }

  async function loadTree(gen) {
    trees.set(gen, await get(`/generator-configs/${enc(gen)}/file-tree`));
  }

  function nodes(gen, items, depth) {
    return h("ul", { role: "group" }, items.map((item) => {
      const isOpen = item.is_dir ? expanded.has(`${gen}/${item.path}`) : false;
      const node = h("button", {
        type: "button", class: "node", "data-path": item.path, "data-gen": gen,
        "aria-selected": String(gen === name && item.path === file),
        "aria-expanded": item.is_dir ? String(isOpen) : null,
        onclick: () => (item.is_dir ? toggle(`${gen}/${item.path}`) : switchTo(gen, item.path)),
      }, h("span", { class: "icon", "aria-hidden": "true" }, item.is_dir ? (isOpen ? "▾" : "▸") : "·"), item.name);
      node.style.paddingLeft = `${12 + depth * 14}px`;
      return h("li", {}, node, item.is_dir && isOpen ? nodes(gen, item.children, depth + 1) : null);
    }));
  }

  async function drawTree() {
    const names = await get("/generator-configs/");
    const items = await Promise.all(names.map(async (gen) => {
      const open = expanded.has(gen);
      if (open && !trees.has(gen)) await loadTree(gen);
      return h("li", { class: "gen" },
        h("button", { type: "button", class: "node", "aria-expanded": String(open), onclick: () => toggle(gen) },
          h("span", { class: "icon", "aria-hidden": "true" }, open ? "▾" : "▸"), gen),
        open ? nodes(gen, trees.get(gen), 1) : null);
    }));
    const focused = document.activeElement?.closest?.(".tree") ? document.activeElement.textContent : null;
    tree.replaceChildren(
      h("h2", {}, "Generators", h("span", {},
        button("Import", () => archiveInput.click(), { class: "quiet", "aria-label": "Import a generator from a ZIP archive" }),
        button("New", () => newGenerator(), { class: "quiet", "aria-label": "New generator" }))),
      archiveInput,
      h("ul", {}, items));
    if (focused) [...tree.querySelectorAll(".node")].find((n) => n.textContent === focused)?.focus();
    showProblems();
  }

  async function toggle(key) {
    expanded.has(key) ? expanded.delete(key) : expanded.add(key);
    await drawTree();
  }

  async function switchTo(gen, filePath, line) {
    if (dirty() && !confirm(`Discard unsaved changes to ${file}?`)) return;
    if (gen !== name) {
      name = gen;
      problems = [];
      check();
    }
    await openFile(filePath, line);
  }

  async function openFile(filePath, line) {
    if (filePath !== file && dirty() && !confirm(`Discard unsaved changes to ${file}?`)) return;
    if (filePath === file && editor) {
      if (line) editor.goto(line);
      return;
    }
    let text;
    try {
      text = await get(`/generator-configs/${enc(name)}/file/${enc(filePath)}`, { text: true });
    } catch (e) {
      toast(e.message, { bad: true });
      return;
    }
    file = filePath;
    saved = text;
    editor = codeEditor({ value: text, language: languageOf(file), label: `Contents of ${file}`, onChange: markDirty, onSave: save });
    holder.replaceChildren(editor.el);
    path.textContent = `${name}/${file}`;
    for (const b of [...fileButtons, ...folderButtons, checkButton, ...generatorButtons]) b.disabled = false;
    markDirty();
    setHash();
    showProblems();
    for (const n of tree.querySelectorAll("[data-path]")) n.setAttribute("aria-selected", String(n.dataset.gen === name && n.dataset.path === file));
    line ? editor.goto(line) : editor.focus();
  }

  async function save() {
    if (!editor) return;
    const text = editor.value;
    try {
      await api("PUT", `/generator-configs/${enc(name)}/file/${enc(file)}`, text, { raw: true });
      saved = text;
      markDirty();
      toast(`Saved ${file}`);
      await check();
    } catch (e) {
      toast(`Cannot save ${file}: ${e.message}`, { bad: true });
    }
  }

  const folderOf = (p) => (p && p.includes("/") ? p.slice(0, p.lastIndexOf("/") + 1) : "");

  async function create(folder) {
    const target = prompt(`New ${folder ? "folder" : "file"} in ${name}/ (a path like samples/users.csv):`, folderOf(file));
    if (!target) return;
    try {
      if (folder) await post(`/generator-configs/${enc(name)}/file-makedir/${enc(target)}`);
      else await api("POST", `/generator-configs/${enc(name)}/file/${enc(target)}`, "", { raw: true });
      await loadTree(name);
      expanded.add(name);
      await drawTree();
      if (!folder) await openFile(target);
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  async function rename() {
    const target = prompt(`Rename or move ${file} to:`, file);
    if (!target || target === file) return;
    if (dirty() && !confirm(`Discard unsaved changes to ${file}?`)) return;
    try {
      await post(`/generator-configs/${enc(name)}/file-move`, { source: file, destination: target });
      await loadTree(name);
      editor = null;
      file = null;
      await drawTree();
      await openFile(target);
      check();
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  async function remove() {
    if (!confirm(`Delete ${name}/${file}? This cannot be undone.`)) return;
    try {
      await del(`/generator-configs/${enc(name)}/file/${enc(file)}`);
      toast(`Deleted ${file}`);
      editor = null;
      file = null;
      holder.replaceChildren(h("p", { class: "empty" }, "Pick a file in the tree."));
      path.textContent = name;
      for (const b of fileButtons) b.disabled = true;
      saveButton.disabled = true;
      await loadTree(name);
      await drawTree();
      setHash();
      check();
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  async function newGenerator() {
    const gen = prompt("Name of the new generator folder:");
    if (!gen) return;
    try {
      await post(`/generator-configs/${enc(gen)}`, SKELETON);
      await api("POST", `/generator-configs/${enc(gen)}/file/event.jinja`, "{{ timestamp }} an event from Eventum\n", { raw: true });
      expanded.add(gen);
      await drawTree();
      await switchTo(gen, "generator.yml");
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  function exportGenerator() {
    const link = h("a", { href: `/api/generator-configs/${enc(name)}/export`, download: `${name}.zip` });
    document.body.append(link);
    link.click();
    link.remove();
  }

  async function importGenerator() {
    const archive = archiveInput.files[0];
    archiveInput.value = "";
    if (!archive) return;
    const gen = prompt("Name of the imported generator folder:", archive.name.replace(/\.zip$/i, ""));
    if (!gen) return;
    try {
      await api("POST", `/generator-configs/${enc(gen)}/import`, await archive.arrayBuffer(), { raw: true, headers: { "Content-Type": "application/zip" } });
      toast(`Imported ${gen}`);
      expanded.add(gen);
      await drawTree();
      await switchTo(gen, "generator.yml");
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  async function renameGenerator() {
    const gen = prompt(`Rename the generator folder ${name} to:`, name);
    if (!gen || gen === name) return;
    if (dirty() && !confirm(`Discard unsaved changes to ${file}?`)) return;
    try {
      await post(`/generator-configs/${enc(name)}/rename`, { new_name: gen });
      toast(`Renamed ${name} to ${gen}`);
      const current = file;
      expanded.delete(name);
      trees.delete(name);
      expanded.add(gen);
      editor = null;
      file = null;
      await drawTree();
      await switchTo(gen, current || "generator.yml");
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  if (name) expanded.add(name);
  await drawTree();
  if (name) {
    check();
    await openFile(query.get("file") || "generator.yml", Number(query.get("line")) || undefined);
  }
  return () => window.removeEventListener("beforeunload", onUnload);
}
