// The REST API under /api: every call goes through api(); 401 sends the user to the login page,
// a network failure shows the "unreachable" banner until /api/healthz answers again.

export class ApiError extends Error {
  constructor(status, message, body = {}, headers = null) {
    super(message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const listeners = { unauthorized: () => {}, reconnected: () => {} };
export const on = (event, fn) => (listeners[event] = fn);

let retry = null;
function offline(down) {
  const banner = document.getElementById("offline");
  if (!down) {
    if (!banner.hidden) {
      banner.hidden = true;
      clearInterval(retry);
      retry = null;
      listeners.reconnected();
    }
    return;
  }
  banner.textContent =
    `Cannot reach the Eventum server at ${location.host}. ` +
    "Is `eventum run` still running? Retrying every 3 seconds…";
  banner.hidden = false;
  retry ??= setInterval(() => {
    fetch("/api/healthz").then((r) => r.ok && offline(false), () => {});
  }, 3000);
}

// FastAPI's locations start with where the value was ("body"); some routers' name the field only.
const where = (loc = []) => (["body", "query", "path"].includes(loc[0]) ? loc.slice(1) : loc).join(".");

function describe(detail, status) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${where(d.loc)}: ${String(d.msg).replace(/^Value error, /, "")}`).join("\n");
  }
  if (typeof detail === "string") return detail;
  return `HTTP ${status}`;
}

export async function api(method, path, body, { raw = false, text = false, headers = {} } = {}) {
  const init = { method, headers: { "X-Requested-With": "eventum-studio", ...headers } };
  if (body !== undefined) {
    init.body = raw ? body : JSON.stringify(body);
    if (!raw) init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(`/api${path}`, init);
  } catch {
    offline(true);
    throw new ApiError(0, "The Eventum server is unreachable");
  }
  offline(false);
  if (response.status === 401 && !path.startsWith("/auth/")) {
    listeners.unauthorized();
    throw new ApiError(401, "Your session has ended: log in again");
  }
  if (!response.ok) {
    let data = {};
    try {
      data = await response.json();
    } catch {}
    throw new ApiError(response.status, describe(data.detail, response.status), data, response.headers);
  }
  return text ? response.text() : response.json();
}

export const get = (path, options) => api("GET", path, undefined, options);
export const post = (path, body, options) => api("POST", path, body, options);
export const put = (path, body, options) => api("PUT", path, body, options);
export const del = (path) => api("DELETE", path);

export const enc = (path) => path.split("/").map(encodeURIComponent).join("/");

export function basic(user, password) {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

export function socket(path) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return new WebSocket(`${scheme}://${location.host}/api${path}`);
}
