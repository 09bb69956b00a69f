// Eventum Studio: boot (who am I?), the login page, and a hash router over lazily loaded pages.
import { ApiError, basic, get, on, post } from "./api.js";
import { h } from "./dom.js";

const main = document.getElementById("main");
const pages = {
  generators: () => import("./pages/generators.js"),
  generator: () => import("./pages/generator.js"),
  scenarios: () => import("./pages/scenarios.js"),
  editor: () => import("./pages/editor.js"),
  repositories: () => import("./pages/repositories.js"),
  preview: () => import("./pages/preview.js"),
  settings: () => import("./pages/settings.js"),
};
let cleanup = null;
let signedIn = false;

export function parseHash() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(search) };
}

function leave() {
  if (cleanup) cleanup();
  cleanup = null;
}

async function route() {
  if (!signedIn) return;
  const { parts, query } = parseHash();
  let page = parts[0] || "generators";
  if (page === "generators" && parts[1]) page = "generator";
  if (!pages[page]) page = "generators";
  for (const link of document.querySelectorAll(".top nav a")) {
    const current = link.dataset.page === (page === "generator" ? "generators" : page);
    current ? link.setAttribute("aria-current", "page") : link.removeAttribute("aria-current");
  }
  leave();
  const module = await pages[page]();
  main.replaceChildren();
  const title = { generator: "Generator" }[page] || page[0].toUpperCase() + page.slice(1);
  document.title = `${title} · Eventum Studio`;
  cleanup = (await module.render(main, { parts: parts.slice(1), query })) || null;
}

function loginPage(message) {
  signedIn = false;
  leave();
  document.getElementById("top").hidden = true;
  document.title = "Log in · Eventum Studio";
  const error = h("p", { class: "error", role: "alert" }, message || "");
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const password = h("input", {
    id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h(
    "form",
    { class: "login card", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Eventum Studio"),
    h("p", { class: "muted" }, "This server asks for the user and password set in eventum.yml (server.auth)."),
    h("label", {}, "User", user),
    h("label", {}, "Password", password),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = "";
    try {
      await post("/auth/login", undefined, { headers: { Authorization: basic(user.value, password.value) } });
      await boot();
    } catch (e) {
      error.textContent = e.status === 401 ? "Wrong user or password." : e.message;
      submit.disabled = false;
    }
  });
  main.replaceChildren(form);
  user.focus();
}

function unreachable() {
  main.replaceChildren(
    h("div", { class: "page" },
      h("h1", {}, "The Eventum server is unreachable"),
      h("p", {}, `Studio could not reach the API at ${location.origin}/api. `,
        "Check that `eventum run` is running with the server enabled; this page reconnects by itself."),
    ),
  );
}

async function boot() {
  try {
    const me = await get("/auth/me");
    signedIn = true;
    document.getElementById("user").textContent = me.username;
    document.getElementById("top").hidden = false;
    if (!location.hash || location.hash === "#/login") location.hash = "#/generators";
    await route();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) loginPage();
    else if (e instanceof ApiError && e.status === 0) unreachable();
    else main.replaceChildren(h("p", { class: "pad bad" }, String(e.message || e)));
  }
}

on("unauthorized", () => loginPage("Your session has ended: log in again."));
on("reconnected", () => (signedIn ? route() : boot()));
window.addEventListener("hashchange", route);
document.getElementById("logout").addEventListener("click", async () => {
  try {
    await post("/auth/logout");
  } catch {}
  loginPage("You are logged out.");
});
boot();
