// A small syntax highlighter for what generators are made of: YAML (generator.yml), Jinja
// templates, JSON, CSV samples and Python scripts. Returns one HTML string per line.

const escape = (text) => text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);

// Each rule is [sticky regex, class or function(match) -> segments]; the first match wins.
function scan(text, rules, out = []) {
  let plain = "";
  let i = 0;
  outer: while (i < text.length) {
    for (const [re, kind] of rules) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (m && m[0].length) {
        if (plain) out.push(["", plain]), (plain = "");
        typeof kind === "function" ? kind(m[0], out) : out.push([kind, m[0]]);
        i += m[0].length;
        continue outer;
      }
    }
    plain += text[i++];
  }
  if (plain) out.push(["", plain]);
  return out;
}

const STRING = /"(?:[^"\\\n]|\\.)*"?|'(?:[^'\n]|'')*'?/y;
const NUMBER = /-?\b\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\b/y;

const EXPRESSION = [
  [STRING, "s"],
  [NUMBER, "n"],
  [/\b(?:if|elif|else|endif|for|in|endfor|set|endset|macro|endmacro|call|endcall|filter|endfilter|block|endblock|extends|include|import|from|as|with|endwith|not|and|or|is|true|false|none|True|False|None|raw|endraw)\b/y, "k"],
  [/\|\s*\w+/y, "t"],
];
const tag = (open, close) => (text, out) => {
  out.push(["t", text.slice(0, open)]);
  scan(text.slice(open, text.length - close), EXPRESSION, out);
  out.push(["t", text.slice(text.length - close)]);
};
const JINJA = [
  [/\{#[\s\S]*?(?:#\}|$)/y, "c"],
  [/\{\{-?[\s\S]*?(?:-?\}\}|$)/y, (t, out) => tag(t.startsWith("{{-") ? 3 : 2, /-\}\}$/.test(t) ? 3 : 2)(t, out)],
  [/\{%-?[\s\S]*?(?:-?%\}|$)/y, (t, out) => tag(t.startsWith("{%-") ? 3 : 2, /-%\}$/.test(t) ? 3 : 2)(t, out)],
];

const YAML = [
  [/(?<=^|\s)#.*/y, "c"],
  [/\$\{[^}\n]*\}/y, "p"],
  [/\{\{[^\n]*?\}\}|\{%[^\n]*?%\}/y, "t"],
  [STRING, "s"],
  [/(?<=^\s*)-(?=\s|$)/y, "d"],
  [/(?<=^[\s-]*|[{,]\s*)[^\s#'"{}[\],:][^\n:#]*?(?=:(?:\s|$))/y, "k"],
  [/\b(?:true|false|null|yes|no|on|off)\b|~/y, "n"],
  [NUMBER, "n"],
];

const JSON_RULES = [
  [/"(?:[^"\\\n]|\\.)*"(?=\s*:)/y, "k"],
  [STRING, "s"],
  [NUMBER, "n"],
  [/\b(?:true|false|null)\b/y, "n"],
];

const PYTHON = [
  [/#.*/y, "c"],
  [/"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)/y, "s"],
  [/[rbf]?(?:"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)/y, "s"],
  [/\b(?:def|return|if|elif|else|for|while|in|not|and|or|is|import|from|as|class|try|except|finally|raise|with|yield|lambda|pass|break|continue|None|True|False|global|nonlocal|async|await)\b/y, "k"],
  [/@\w+/y, "t"],
  [NUMBER, "n"],
];

function csv(text) {
  return text.split("\n").map((line) => {
    let column = 0;
    return scan(line, [
      [/"(?:[^"]|"")*"?|[^,;\t"]+/y, (t, out) => out.push([`col${(column % 3) + 1}`, t])],
      [/[,;\t]/y, (t, out) => (column++, out.push(["c", t]))],
    ]);
  });
}

export function languageOf(path) {
  const ext = (path.split(".").pop() || "").toLowerCase();
  if (["yml", "yaml"].includes(ext)) return "yaml";
  if (["jinja", "j2", "jinja2", "tpl", "template", "tmpl"].includes(ext)) return "jinja";
  if (["json", "jsonl", "ndjson"].includes(ext)) return "json";
  if (["csv", "tsv"].includes(ext)) return "csv";
  if (ext === "py") return "python";
  return "plain";
}

// Segments may span lines (a Jinja comment): split them so each line is closed on its own.
function toLines(segments) {
  const lines = [""];
  for (const [kind, text] of segments) {
    text.split("\n").forEach((piece, index) => {
      if (index) lines.push("");
      if (piece) lines[lines.length - 1] += kind ? `<span class="tk-${kind}">${escape(piece)}</span>` : escape(piece);
    });
  }
  return lines;
}

export function highlight(text, language) {
  switch (language) {
    case "yaml":
      return text.split("\n").map((line) => toLines(scan(line, YAML))[0]);
    case "jinja":
      return toLines(scan(text, JINJA));
    case "json":
      return toLines(scan(text, JSON_RULES));
    case "python":
      return toLines(scan(text, PYTHON));
    case "csv":
      return csv(text).map((segments) => toLines(segments)[0]);
    default:
      return text.split("\n").map(escape);
  }
}
