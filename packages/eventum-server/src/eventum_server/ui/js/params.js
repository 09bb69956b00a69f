// The `${params.*}` a generator is loaded with in the Editor's checks and the Preview: what the
// user last typed (kept in this browser), else those of its startup.yml entry.
import { get } from "./api.js";

const key = (name) => `eventum-studio.params.${name}`;

function entryParams(entry) {
  const params = { ...(entry.params || {}) };
  for (const [k, v] of Object.entries(entry)) if (k.startsWith("params.")) params[k.slice(7)] = v;
  return params;
}

function pointsTo(path, name) {
  const parts = String(path).replace(/\\/g, "/").replace(/\/generator\.ya?ml$/, "").split("/");
  return parts[parts.length - 1] === name;
}

export async function paramsFor(name) {
  const saved = localStorage.getItem(key(name));
  if (saved != null) {
    try {
      return JSON.parse(saved);
    } catch {}
  }
  try {
    const entry = (await get("/startup/")).find((e) => pointsTo(e.path || "", name));
    return entry ? entryParams(entry) : {};
  } catch {
    return {};
  }
}

export const saveParams = (name, params) => localStorage.setItem(key(name), JSON.stringify(params));
