"""Which `globals` keys a generator's templates write and read, found in the Jinja syntax tree.

Studio draws a scenario's data flow from it (Eventum 2.4's globals-usage): `globals.set('k', ...)`
writes `k`; `globals.get('k')` and `globals['k']` read it. A key that is not a literal, or a
`globals.update(...)`, cannot be known before a run: it is reported as a warning instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, nodes

from eventum_event_template.rendering import EXTENSIONS

TEMPLATE_SUFFIXES = (".jinja", ".j2")
_PARSER = Environment(extensions=list(EXTENSIONS))


def _is_globals(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "globals"


def template_usage(source: str, template: str) -> dict[str, list[dict[str, str]]]:
    """Writes, reads and warnings of one template, in the order they appear; nothing if the
    template does not parse (the generator's own check reports that)."""
    usage: dict[str, list[dict[str, str]]] = {"writes": [], "reads": [], "warnings": []}
    try:
        tree = _PARSER.parse(source)
    except TemplateSyntaxError:
        return usage
    for node in tree.find_all((nodes.Call, nodes.Getitem)):
        if isinstance(node, nodes.Getitem):
            if _is_globals(node.node) and isinstance(node.arg, nodes.Const):
                usage["reads"].append({"key": str(node.arg.value), "template": template})
            continue
        assert isinstance(node, nodes.Call)
        method = node.node
        if not (isinstance(method, nodes.Getattr) and _is_globals(method.node)):
            continue
        if method.attr == "update":
            usage["warnings"].append({"type": "update_call", "template": template})
        elif method.attr in ("set", "get") and node.args:
            key = node.args[0]
            if isinstance(key, nodes.Const):
                kind = "writes" if method.attr == "set" else "reads"
                usage[kind].append({"key": str(key.value), "template": template})
            else:
                usage["warnings"].append({"type": "dynamic_key", "template": template})
    return usage


def globals_usage(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The usage of every template file (`.jinja`, `.j2`) under a generator folder, by path
    relative to it, whether or not generator.yml names the file."""
    usage: dict[str, list[dict[str, Any]]] = {"writes": [], "reads": [], "warnings": []}
    for path in sorted(folder.rglob("*")):
        if path.suffix not in TEMPLATE_SUFFIXES or not path.is_file():
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for kind, found in template_usage(source, path.relative_to(folder).as_posix()).items():
            usage[kind].extend(found)
    return usage
