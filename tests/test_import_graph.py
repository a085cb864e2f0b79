"""The modules of fcnn import each other without a cycle, imports inside functions included:
each module has a place in the layers (docs/architecture.md), below everything that
imports it."""

import ast
import pathlib

import fcnn

PACKAGE = pathlib.Path(fcnn.__file__).parent


def module_name(path):
    return "fcnn" if path.stem == "__init__" else f"fcnn.{path.stem}"


def is_type_checking_block(node):
    """``if TYPE_CHECKING:``: names for the type checker, never imported at run time."""
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_modules(tree, modules):
    """The fcnn modules that `tree` imports, at module level or inside a function."""
    found = set()
    pending = list(ast.iter_child_nodes(tree))
    while pending:
        node = pending.pop()
        if is_type_checking_block(node):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom):  # relative: from . import x, from .x import y
            if node.module:
                found.add(f"fcnn.{node.module}")
            else:
                found |= {
                    f"fcnn.{a.name}" if f"fcnn.{a.name}" in modules else "fcnn" for a in node.names
                }
    return found & modules


def import_graph():
    paths = sorted(PACKAGE.glob("*.py"))
    modules = {module_name(path) for path in paths}
    return {
        module_name(path): imported_modules(ast.parse(path.read_text()), modules)
        - {module_name(path)}
        for path in paths
    }


def find_cycle(graph):
    """One cycle of `graph` as a list of its modules, or None."""
    state = {}  # "open" while on the current path, "done" once every path from it is checked

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return path[path.index(imported) :] + [imported]
            if imported not in state:
                cycle = visit(imported, path + [imported])
                if cycle:
                    return cycle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [module])
            if cycle:
                return cycle
    return None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "fcnn.plotting" in graph["fcnn.history"]  # imported lazily, inside a method
    assert "fcnn.network" in graph["fcnn.gradient_check"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_fcnn_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)
