// Repositories (Eventum 2.8): git repositories whose generators/<name>/ folders are a catalog of
// generators to install. Connect, check, refresh and disconnect them; install from a catalog;
// find repositories published on GitHub under the topic eventum-generators.
import { del, enc, get, post } from "../api.js";
import { field, fmt, h, toast } from "../dom.js";

const MASK = "********"; // how the API answers a password typed in place
const PER_PAGE = 30; // GitHub's search answers at most 10 pages of 30
const MAX_PAGE = 10;

export function render(main, { parts }) {
  return parts[0] ? catalogPage(main, parts[0]) : listPage(main);
}

const when = (moment) => (moment ? new Date(moment).toLocaleString() : "—");
const count = (n, one, many = `${one}s`) => `${fmt.format(n)} ${n === 1 ? one : many}`;
const size = (bytes) => (bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1048576).toFixed(1)} MB`);

// The password itself never comes back: a typed one is masked, a ${secrets.NAME} reference named.
function credentials(r) {
  if (!r.password) return r.username || "—";
  return `${r.username || "git"} · ${r.password === MASK ? "password stored" : r.password}`;
}

function statusOf(status) {
  const reason = status.reason || (status.checked_at ? `checked ${when(status.checked_at)}` : "not checked since the server started");
  return [h("span", { class: `badge ${status.state}` }, status.state), " ", h("span", { class: "muted" }, reason)];
}

// Check, Refresh and Disconnect, on the list's rows and on a catalog's page.
function actions(name, { checked, refreshed, disconnected }) {
  const base = `/repositories/${enc(name)}`;
  const act = (label, work, attrs = {}) => h("button", { type: "button", "aria-label": `${label} ${name}`, ...attrs, onclick: async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await work();
    } catch (e) {
      toast(`${name}: ${e.message}`, { bad: true });
    }
    button.disabled = false;
  } }, label);
  return [
    act("Check", async () => {
      const status = await post(`${base}/check`);
      toast(`${name}: ${status.state}`, { bad: status.state !== "available" });
      await checked(status);
    }, { title: "Whether it answers and has its branch or tag now" }),
    act("Refresh", async () => {
      const catalog = await post(`${base}/refresh`);
      toast(`${name}: ${count(catalog.entries.length, "generator")} at ${catalog.revision.slice(0, 12)}`);
      await refreshed(catalog);
    }, { title: "Fetch its branch or tag again" }),
    act("Disconnect", async () => {
      if (!confirm(`Disconnect the repository "${name}"? Generators installed from it stay.`)) return;
      await del(base);
      toast(`Repository ${name} disconnected`);
      await disconnected();
    }, { class: "danger" }),
  ];
}

function listPage(main) {
  let connected = [];
  const tbody = h("tbody");
  const problem = h("p", { class: "bad", role: "alert" });
  const empty = h("p", { class: "empty", hidden: true }, "No repositories are connected. Connect one below, or find one published on GitHub.");
  const input = (attrs) => h("input", { autocomplete: "off", ...attrs });
  const name = input({ required: true, maxLength: 64 });
  const url = input({ type: "url", required: true, size: 44, placeholder: "https://github.com/owner/generators.git" });
  const ref = input({ placeholder: "the default branch" });
  const username = input({});
  const password = input({ type: "password", autocomplete: "new-password", placeholder: "a token, or ${secrets.NAME}" });
  const formError = h("p", { class: "bad", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Connect");
  const form = h("form", { class: "card", "aria-labelledby": "connect-title" },
    h("h2", { id: "connect-title", class: "flush-top" }, "Connect a repository"),
    h("div", { class: "bar" }, field("Name", name), field("URL", url), field("Branch or tag", ref)),
    h("div", { class: "bar" }, field("Username", username), field("Password or ${secrets.NAME}", password)),
    h("p", { class: "muted" }, "A password typed here is stored in repositories.yml; ${secrets.NAME} keeps it in the keyring (Settings), read at every fetch."),
    formError, submit);

  const words = h("input", { type: "search", maxLength: 100, placeholder: "nginx, windows, …", autocomplete: "off" });
  const searchForm = h("form", { class: "bar", role: "search", "aria-label": "Search published repositories" },
    field("Search words", words), h("button", { type: "submit" }, "Search GitHub"));
  const found = h("ul", { class: "plain", "aria-label": "Published repositories" });
  const said = h("p", { class: "muted", role: "status" });
  const pager = h("div", { class: "bar center mt" });
  let page = 1;

  main.append(h("div", { class: "page" },
    h("h1", {}, "Repositories"),
    h("table", { "aria-label": "Connected repositories" },
      h("thead", {}, h("tr", {}, h("th", {}, "Repository"), h("th", {}, "URL"), h("th", {}, "Branch or tag"),
        h("th", {}, "Credentials"), h("th", {}, "Status"), h("th", { class: "actions" }, "Actions"))),
      tbody),
    empty, problem,
    h("div", { class: "grid2 mt" }, form,
      h("section", { class: "card", "aria-labelledby": "discover-title" },
        h("h2", { id: "discover-title", class: "flush-top" }, "Discover"),
        h("p", { class: "muted" }, "Repositories on GitHub with the topic eventum-generators. Nobody reviews them: read a generator before running it."),
        searchForm, said, found, pager))));

  async function load() {
    try {
      connected = await get("/repositories/");
      problem.textContent = "";
    } catch (e) {
      if (e.status) problem.textContent = e.message; // repositories.yml cannot be read
      return;
    }
    empty.hidden = connected.length > 0;
    tbody.replaceChildren(...connected.map((r) => h("tr", { "data-repository": r.name },
      h("td", {}, h("a", { href: `#/repositories/${encodeURIComponent(r.name)}` }, r.name)),
      h("td", {}, h("code", {}, r.url)),
      h("td", {}, r.ref || h("span", { class: "muted" }, "default")),
      h("td", {}, credentials(r)),
      h("td", { class: "wrap" }, statusOf(r.status)),
      h("td", { class: "actions" }, h("div", {}, actions(r.name, { checked: load, refreshed: () => {}, disconnected: load }))))));
  }

  async function connect(body, report) {
    report.textContent = "";
    try {
      await post("/repositories/", body);
      toast(`Repository ${body.name} connected`);
      await load();
      return true;
    } catch (e) {
      report.textContent = `${body.name}: ${e.message}`;
      return false;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value.trim(), url: url.value.trim() };
    if (ref.value.trim()) body.ref = ref.value.trim();
    if (username.value.trim()) body.username = username.value.trim();
    if (password.value) body.password = password.value;
    submit.disabled = true;
    submit.textContent = "Connecting…";
    if (await connect(body, formError)) form.reset();
    submit.disabled = false;
    submit.textContent = "Connect";
  });

  // A name for a published repository that no connected one has yet.
  function freeName(entry) {
    const clean = (text) => text.replace(/[^a-zA-Z0-9._-]+/g, "-").replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, "").slice(0, 64);
    const taken = new Set(connected.map((r) => r.name));
    return [entry.name, `${entry.owner}-${entry.name}`].map(clean).find((n) => n && !taken.has(n)) || clean(entry.full_name);
  }

  function showFound(result) {
    const pages = Math.min(MAX_PAGE, Math.ceil(result.total_count / PER_PAGE));
    said.className = "muted";
    said.textContent = result.total_count
      ? `${count(result.total_count, "repository", "repositories")}${result.query ? ` for “${result.query}”` : ""}.`
      : "No published repository matches.";
    found.replaceChildren(...result.entries.map((entry) => h("li", { class: "found", "data-repository": entry.full_name },
      h("div", { class: "grow" },
        h("a", { href: entry.page_url, target: "_blank", rel: "noopener noreferrer" }, entry.full_name), " ",
        entry.official ? h("span", { class: "badge available" }, "Eventum") : null, " ",
        entry.archived ? h("span", { class: "badge" }, "archived") : null,
        h("div", { class: "muted" }, [entry.description, `★ ${fmt.format(entry.stars)}`, entry.license,
          entry.updated_at && `updated ${new Date(entry.updated_at).toLocaleDateString()}`].filter(Boolean).join(" · "))),
      entry.connected
        ? h("span", { class: "badge available" }, "connected")
        : h("button", { type: "button", "aria-label": `Connect ${entry.full_name}`, onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          if (await connect({ name: freeName(entry), url: entry.url }, said)) {
            entry.connected = true;
            showFound(result);
          } else {
            said.className = "bad";
            button.disabled = false;
          }
        } }, "Connect"))));
    pager.replaceChildren(...(pages > 1 ? [
      h("button", { type: "button", disabled: page <= 1, onclick: () => search(page - 1) }, "Previous"),
      h("span", { class: "muted" }, `Page ${page} of ${pages}`),
      h("button", { type: "button", disabled: page >= pages, onclick: () => search(page + 1) }, "Next"),
    ] : []));
  }

  async function search(wanted) {
    said.className = "muted";
    said.textContent = "Searching GitHub…";
    try {
      const result = await get(`/repositories/discover?${new URLSearchParams({ query: words.value, page: wanted })}`);
      page = wanted;
      showFound(result);
    } catch (e) {
      const wait = e.status === 429 && e.headers?.get("retry-after");
      said.className = "bad";
      const sentence = /[.!?]$/.test(e.message) ? e.message : `${e.message}.`;
      said.textContent = e.status === 429 ? `${sentence} Try again ${wait ? `in ${wait} seconds` : "later"}.` : e.message;
      found.replaceChildren();
      pager.replaceChildren();
    }
  }
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    search(1);
  });

  load();
}

function catalogPage(main, name) {
  const base = `/repositories/${enc(name)}`;
  const where = h("p", { class: "muted" });
  const status = h("p", {});
  const about = h("p", { class: "muted", role: "status" }, "Fetching the catalog…");
  const tbody = h("tbody");
  main.append(h("div", { class: "page" },
    h("p", {}, h("a", { href: "#/repositories" }, "← Repositories")),
    h("div", { class: "bar center" }, h("h1", { class: "flush grow" }, name),
      actions(name, {
        checked: (s) => status.replaceChildren(...statusOf(s)),
        refreshed: show,
        disconnected: () => (location.hash = "#/repositories"),
      })),
    where, status, about,
    h("table", { "aria-label": "Catalog" },
      h("thead", {}, h("tr", {}, h("th", {}, "Generator"), h("th", {}, "Summary"), h("th", { class: "num" }, "Files"),
        h("th", { class: "num" }, "Size"), h("th", {}, "Installed as"), h("th", { class: "actions" }, "Actions"))),
      tbody)));

  const installed = (copies) => (copies.length
    ? h("ul", { class: "plain" }, copies.map((copy) => h("li", { "data-project": copy.project },
      h("a", { href: `#/editor/${encodeURIComponent(copy.project)}` }, copy.project), " ",
      copy.outdated ? h("span", { class: "badge outdated", title: `The repository has changed it since ${copy.revision.slice(0, 12)}` }, "outdated") : null)))
    : "—");

  function show(catalog) {
    about.className = "muted";
    about.textContent = `${count(catalog.entries.length, "generator")} at ${catalog.revision.slice(0, 12)}, committed ${when(catalog.committed_at)}`
      + `${catalog.author ? ` by ${catalog.author}` : ""}; fetched ${when(catalog.refreshed_at)}.`;
    tbody.replaceChildren(...catalog.entries.map((entry) => h("tr", { "data-entry": entry.name },
      h("td", {}, h("strong", {}, entry.title || entry.name), entry.title ? h("div", { class: "muted" }, entry.path) : null),
      h("td", { class: "wrap" }, entry.summary || "—"),
      h("td", { class: "num" }, fmt.format(entry.file_count)),
      h("td", { class: "num" }, size(entry.size)),
      h("td", {}, installed(entry.installed_as)),
      h("td", { class: "actions" }, h("button", { type: "button", class: "primary", "aria-label": `Install ${entry.name}`, onclick: () => install(entry) }, "Install")))));
  }

  async function load() {
    try {
      show(await get(`${base}/catalog`));
    } catch (e) {
      about.className = "bad";
      about.textContent = e.message;
    }
  }

  async function install(entry) {
    const folder = prompt(`Install ${entry.name} as a new generator folder named:`, entry.name)?.trim();
    if (!folder) return;
    try {
      const done = await post(`${base}/catalog/${enc(entry.name)}/install`, { name: folder });
      toast(`Installed ${done.name} (${done.file_count} files)`);
      await load();
      if (confirm(`${done.name} is installed. Open it in the Editor?`)) location.hash = `#/editor/${encodeURIComponent(done.name)}`;
    } catch (e) {
      toast(`Cannot install ${entry.name}: ${e.message}`, { bad: true });
    }
  }

  get("/repositories/").then((all) => {
    const repository = all.find((r) => r.name === name);
    if (!repository) {
      about.className = "bad";
      about.textContent = `There is no repository "${name}" connected.`;
      return;
    }
    const signIn = repository.username || repository.password ? ` · ${credentials(repository)}` : "";
    where.replaceChildren(h("code", {}, repository.url), ` · ${repository.ref || "default branch"}${signIn}`);
    status.replaceChildren(...statusOf(repository.status));
    load();
  }, (e) => {
    about.className = "bad";
    about.textContent = e.message;
  });
}
