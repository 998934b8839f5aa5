"""The AWS API calls the handler package makes, read from its source, and the modules each Lambda
entry point can reach: what tests/unit/test_template.py holds the roles' grants against.

Read, not run: a call is a method call (or a paginator or presigned URL) named after an operation of
a service the package makes a client for, wherever it is written; plus the two calls libraries make
for it (Powertools' `parameters.get_secret`, Strands' `BedrockModel`). What this cannot see: which
arguments a call is given at run time, a call made through a name it does not know, and what AWS
does with a role by itself (logs, network interfaces, an event source mapping), which the test
lists with its reasons. handler/local is left out: developer tools that never run in a function.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "handler"
DEV_TOOLS = PACKAGE / "local"

Call = tuple[str, str]  # (botocore service name, operation's Python name), e.g. ("s3", "put_object")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def sources() -> dict[str, ast.Module]:
    return {
        module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if DEV_TOOLS not in path.parents
    }


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _library_call(call: ast.Call) -> Call | None:
    """The AWS call a library makes where the package calls it."""
    name = _called_name(call)
    if name == "get_secret":  # Powertools' parameters.get_secret: Secrets Manager's GetSecretValue
        return ("secretsmanager", "get_secret_value")
    if name == "BedrockModel":  # Strands: Converse, or ConverseStream unless streaming=False
        streaming = next((k.value for k in call.keywords if k.arg == "streaming"), None)
        off = isinstance(streaming, ast.Constant) and streaming.value is False
        return ("bedrock-runtime", "converse" if off else "converse_stream")
    return None


@functools.cache
def services() -> frozenset[str]:
    """Every service the package makes a client for (`client("s3")`, `boto3.client("bedrock", ...)`)."""
    found = set()
    for tree in sources().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node) == "client" and node.args:
                service = _string(node.args[0])
                if service:
                    found.add(service)
    return frozenset(found)


@functools.cache
def _operations() -> dict[str, set[str]]:
    """Python name of an operation -> the services (of those used) that have it."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    by_name: dict[str, set[str]] = {}
    for service in services() | {"secretsmanager", "bedrock-runtime"}:
        for operation in session.get_service_model(service).operation_names:
            by_name.setdefault(xform_name(operation), set()).add(service)
    return by_name


def _calls(nodes: list[ast.AST]) -> set[Call]:
    found: set[Call] = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if not isinstance(node, ast.Call):
            continue
        library = _library_call(node)
        if library:
            found.add(library)
            continue
        name = _called_name(node)
        if name in ("get_paginator", "generate_presigned_url", "can_paginate") and node.args:
            name = _string(node.args[0])
        elif name == "generate_presigned_post":
            name = "put_object"  # a form upload is a PutObject with the signer's permission
        elif not isinstance(node.func, ast.Attribute):
            continue  # an operation is a client's method
        found |= {(service, name) for service in _operations().get(name or "", ()) if name}
    return found


def _imports(nodes: list[ast.AST], module: str) -> set[str]:
    """The handler modules imported anywhere in `nodes` (function bodies too: lazy imports count)."""
    found = set()
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = node.module if node.level == 0 else module.rsplit(".", node.level)[0] + f".{node.module}"
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name in sources()}


def _closure(start: set[str]) -> set[str]:
    reached, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module in reached:
            continue
        reached.add(module)
        # A package's __init__ runs before any of its modules.
        parent = module.rsplit(".", 1)[0]
        todo += [m for m in (*_imports([sources()[module]], module), parent) if m in sources()]
    return reached


def calls_from(entry: str) -> dict[str, set[Call]]:
    """The AWS calls Lambda entry point `entry` ("handler.deploy_hooks.migrate_on_deploy") can make, by
    module: in its own module, the top level and the module-level functions the entry and the top
    level name (transitively); in every module those import, directly or not, all of it."""
    module, function = entry.rsplit(".", 1)
    tree = sources()[module]
    defined = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    top_level: list[ast.AST] = [node for node in tree.body if not isinstance(node, ast.FunctionDef)]
    run: dict[str, ast.AST] = {}
    todo = [function, *(n.id for top in top_level for n in ast.walk(top) if isinstance(n, ast.Name))]
    while todo:
        name = todo.pop()
        if name in run or name not in defined:
            continue
        run[name] = defined[name]
        todo += [n.id for n in ast.walk(defined[name]) if isinstance(n, ast.Name)]
    nodes = [*top_level, *run.values()]
    imported = _closure(_imports(nodes, module)) - {module}
    return {module: _calls(nodes), **{m: _calls([sources()[m]]) for m in imported}}
