"""The one way wijkkompas reads YAML: safe tags only, and no alias bombs.

``yaml.safe_load`` refuses arbitrary Python objects but not the "billion laughs": a
document of a kilobyte whose anchors and aliases nest (``a1: [*a0, *a0, ...]``, each
level nine times the last) composes quickly into a shared graph, but every program that
walks the value afterwards (validation, a message with its ``repr``) expands it to
billions of nodes: minutes, gigabytes, a MemoryError.

:func:`load` (and :func:`load_file`) compose the document with PyYAML's
:class:`yaml.SafeLoader` and, before constructing any value, count the nodes that the
aliases would add if the document were written out without them (linear in the size of
the document: each node's expanded size is computed once). A document whose aliases add
more than :data:`DEFAULT_ALIAS_BUDGET` nodes (default 10,000; environment variable
``WIJKKOMPAS_YAML_ALIAS_BUDGET``, or ``budget=``), or whose aliases refer to a node that
contains them (an infinite document), is refused with :class:`YAMLAliasError`, a
:class:`yaml.YAMLError` whose message names the file, the line of the alias and the
limit, and never the value. Ordinary use of anchors (a shared block of a few keys
reused a few times) stays far below the budget.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from .settings import Settings, env_name, settings

DEFAULT_ALIAS_BUDGET: int = Settings.model_fields["yaml_alias_budget"].default
BUDGET_VARIABLE = env_name("yaml_alias_budget")


def alias_budget() -> int:
    """The budget in force: ``WIJKKOMPAS_YAML_ALIAS_BUDGET`` if set, else the default."""
    return settings().yaml_alias_budget


class YAMLAliasError(yaml.YAMLError):
    """A document whose aliases expand beyond the budget (or without end)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.file, self.line = file, line
        self.problem = message  # read by callers that show ``exc.problem``
        where = f"{file}: " if file else ""
        at = f" (alias at line {line})" if line else ""
        super().__init__(f"{where}{message}{at}")


class BudgetedSafeLoader(yaml.SafeLoader):
    """A SafeLoader that refuses documents whose alias expansion exceeds a budget."""

    budget: int = DEFAULT_ALIAS_BUDGET
    file: str | None = None

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._aliases: list[tuple[Any, int]] = []

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            self._aliases.append((node, event.start_mark.line + 1))
            if len(self._aliases) > self.budget:  # each alias adds a node at least
                raise YAMLAliasError(f"too many aliases: {len(self._aliases)} "
                                     f"(limit {self.budget} nodes added by aliases)",
                                     self.file, event.start_mark.line + 1)
            return node
        return super().compose_node(parent, index)

    def get_single_node(self):
        self._aliases = []
        node = super().get_single_node()
        if node is not None and self._aliases:
            self._check(node)
        return node

    def _check(self, root: Node) -> None:
        sizes: dict[int, int] = {}
        added = 0
        for node, line in self._aliases:
            try:
                added += _expanded_size(node, sizes, self.budget)
            except _Endless:
                raise YAMLAliasError("too many aliases: an alias refers to a node that "
                                     f"contains it, an endless document (limit "
                                     f"{self.budget} nodes)", self.file, line) from None
            if added > self.budget:
                raise YAMLAliasError(f"too many aliases: expanding them adds more than "
                                     f"{self.budget} nodes (limit {self.budget})",
                                     self.file, line)


class _Endless(Exception):
    pass


def _expanded_size(node: Node, sizes: dict[int, int], cap: int) -> int:
    """Nodes in ``node`` written out without aliases, memoised by node, capped past ``cap``.

    Iterative (a deeply nested document must not exhaust the stack); a node met again
    while its own children are counted is a cycle.
    """
    if id(node) in sizes:
        return sizes[id(node)]
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if children_done:
            open_nodes.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(current))
            sizes[key] = min(total, cap + 1)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise _Endless
        open_nodes.add(key)
        stack.append((current, True))
        for child in _children(current):
            if id(child) in open_nodes:
                raise _Endless
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(node)]


def _has_alias(root: Node) -> bool:
    """Whether a composed document reaches any node twice (an alias is the node its
    anchor names, shared): a walk that stops at the first node seen again."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        stack.extend(_children(node))
    return False


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load(stream: str | bytes | IO, *, file: str | Path | None = None,
         budget: int | None = None) -> Any:
    """Parse one YAML document with safe tags and the alias budget (see the module).

    A document without aliases (every shipped file) is composed by libyaml, when PyYAML
    has it (five to ten times faster: the catalog is read by every command); one with
    an alias, or with an error, by the budgeted composer, which counts what the aliases
    add and gives the messages."""
    if not isinstance(stream, (str, bytes)):
        stream = stream.read()
    if yaml.__with_libyaml__:
        fast = yaml.CSafeLoader(stream)
        try:
            node = fast.get_single_node()
            if node is None:
                return None
            if not _has_alias(node):
                return fast.construct_document(node)
        except yaml.YAMLError:
            pass  # said again, with the document's lines, by the composer below
        finally:
            fast.dispose()
    loader_class = type("Loader", (BudgetedSafeLoader,),
                        {"budget": alias_budget() if budget is None else budget,
                         "file": None if file is None else str(file)})
    loader = loader_class(stream)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_file(path: Path | str, *, budget: int | None = None, errors: str = "strict") -> Any:
    """Read ``path`` as UTF-8 and parse it with :func:`load`; errors name the file."""
    path = Path(path)
    return load(path.read_text(encoding="utf-8", errors=errors), file=path, budget=budget)


__all__ = ["BUDGET_VARIABLE", "DEFAULT_ALIAS_BUDGET", "BudgetedSafeLoader",
           "YAMLAliasError", "alias_budget", "load", "load_file"]
