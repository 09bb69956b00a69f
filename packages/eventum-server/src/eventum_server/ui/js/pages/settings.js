// Settings: this instance (version, host), its settings (eventum.yml: takes effect on restart)
// and the keyring's secrets: names listed, values shown only when asked for.
import { del, enc, get, post, put } from "../api.js";
import { codeEditor } from "../code.js";
import { field, h, pretty, toast } from "../dom.js";

export async function render(main) {
  const info = h("dl", { class: "kv" });
  const secretList = h("ul", { class: "plain", "aria-label": "Secrets" });
  const secretName = h("input", { id: "secret-name", required: true, pattern: "\\S+", autocomplete: "off" });
  const secretValue = h("input", { id: "secret-value", type: "password", required: true, autocomplete: "new-password" });
  const settingsNote = h("p", { class: "muted" }, "eventum.yml as JSON. Saved settings take effect when the instance restarts.");
  const restart = h("button", { type: "button", hidden: true, onclick: restartInstance }, "Restart now");
  const settings = codeEditor({ language: "json", label: "Settings (eventum.yml) as JSON", onSave: saveSettings });
  settings.el.classList.add("settings-editor");
  const secretForm = h("form", { class: "bar", "aria-label": "Set a secret" },
    field("Name", secretName), field("Value", secretValue),
    h("button", { type: "submit", class: "primary" }, "Set secret"));
  secretForm.addEventListener("submit", setSecret);
  main.append(h("div", { class: "page" },
    h("h1", {}, "Settings"),
    h("div", { class: "grid2" },
      h("section", { class: "card", "aria-labelledby": "inst-title" }, h("h2", { id: "inst-title", class: "flush-top" }, "Instance"), info),
      h("section", { class: "card", "aria-labelledby": "sec-title" },
        h("h2", { id: "sec-title", class: "flush-top" }, "Secrets"),
        h("p", { class: "muted" }, "Use them in generator.yml as ${secrets.NAME}."),
        secretList, h("div", { class: "mt" }, secretForm))),
    h("section", { class: "card mt", "aria-labelledby": "set-title" },
      h("div", { class: "bar" }, h("h2", { id: "set-title", class: "flush grow" }, "Settings"),
        h("button", { type: "button", class: "primary", onclick: saveSettings }, "Save settings"), restart),
      settingsNote, settings.el)));

  const pair = (k, v) => [h("dt", {}, k), h("dd", {}, v ?? "—")];
  async function loadInfo() {
    const data = await get("/instance/info");
    const labels = { app_version: "Eventum", python_version: "Python", python_implementation: "Implementation", platform: "Platform", host_name: "Host", host_ip_v4: "IP" };
    info.replaceChildren(...Object.entries(data).filter(([, v]) => typeof v !== "object")
      .map(([k, v]) => pair(labels[k] || (k[0].toUpperCase() + k.slice(1)).replace(/_/g, " "), String(v))).flat());
  }

  async function loadSecrets() {
    const names = await get("/secrets/");
    secretList.replaceChildren(...(names.length ? names.map((secret) => {
      const value = h("span", { class: "value", "aria-live": "polite" }, "••••••••");
      const show = h("button", { type: "button", "aria-label": `Show ${secret}`, "aria-pressed": "false" }, "Show");
      show.addEventListener("click", async () => {
        if (show.getAttribute("aria-pressed") === "true") {
          value.textContent = "••••••••";
          show.textContent = "Show";
          show.setAttribute("aria-pressed", "false");
          return;
        }
        try {
          value.textContent = (await get(`/secrets/${enc(secret)}`)).value;
          show.textContent = "Hide";
          show.setAttribute("aria-pressed", "true");
        } catch (e) {
          toast(e.message, { bad: true });
        }
      });
      const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete ${secret}`, onclick: async () => {
        if (!confirm(`Delete the secret "${secret}"? Generators using it will fail to start.`)) return;
        try {
          await del(`/secrets/${enc(secret)}`);
          toast(`Deleted secret ${secret}`);
          loadSecrets();
        } catch (e) {
          toast(e.message, { bad: true });
        }
      } }, "Delete");
      return h("li", { class: "secret" }, h("code", {}, secret), value, show, remove);
    }) : [h("li", { class: "muted" }, "No secrets yet.")]));
  }

  async function setSecret(event) {
    event.preventDefault();
    const name = secretName.value.trim();
    try {
      await put(`/secrets/${enc(name)}`, { value: secretValue.value });
      toast(`Secret ${name} is set`);
      secretName.value = secretValue.value = "";
      loadSecrets();
    } catch (e) {
      toast(e.message, { bad: true });
    }
  }

  async function saveSettings() {
    let body;
    try {
      body = JSON.parse(settings.value);
    } catch (e) {
      toast(`Settings are not valid JSON: ${e.message}`, { bad: true });
      return;
    }
    try {
      await put("/instance/settings", body);
      settingsNote.textContent = "Saved to eventum.yml. Restart the instance for them to take effect.";
      restart.hidden = false;
    } catch (e) {
      settingsNote.textContent = `Not saved: ${e.message}`;
      toast("Settings not saved", { bad: true });
    }
  }

  async function restartInstance() {
    if (!confirm("Restart this Eventum instance? Generators stop and start again.")) return;
    await post("/instance/restart");
    toast("Restarting…");
  }

  await Promise.all([loadInfo(), loadSecrets(), get("/instance/settings").then((s) => (settings.value = pretty(s)))]);
}
