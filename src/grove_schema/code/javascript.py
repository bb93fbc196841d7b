"""One TypeScript or JavaScript file to its facts (`code.facts`), with tree-sitter.

The parse finds candidate nodes with tree-sitter queries (the walk happens in C) and looks up a
name lazily: from the identifier up through its enclosing scopes, each scope's declarations
indexed the first time a lookup passes through it. Evaluation is flow-insensitive: a `let` can be
any value assigned to it in its scope."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from grove_schema.code.facts import (
    ENV,
    Callee,
    CallFact,
    ExportFact,
    FileFacts,
    FunctionFact,
    QueryFact,
    Value,
)

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query, Tree

LANGUAGES = ("typescript", "tsx", "javascript")
QUERY_METHODS = ("prepare", "exec", "batch")
SQL_KEYWORDS = frozenset(
    "select insert update delete with create drop alter replace pragma begin commit rollback savepoint"
    " release vacuum analyze explain reindex values".split()
)
MAX_DEPTH = 16
# Handlers of a worker's default export (and a Durable Object's constructor): the runtime passes
# the env object as the second argument.
WORKER_HANDLERS = frozenset({"fetch", "scheduled", "queue", "email", "tail", "trace", "constructor"})

_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
_BLOCKS = frozenset({"program", "statement_block", "class_body", "switch_body"})
_LOOPS = frozenset({"for_statement", "for_in_statement"})
_WRAPPERS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "await_expression",
    }
)
_SCOPES = _BLOCKS | _FUNCTIONS | _LOOPS | {"catch_clause"}
_REFERENCES = frozenset({"identifier", "member_expression", "subscript_expression", "this"})
_CALL_QUERY = """
(call_expression
  function: (member_expression property: (property_identifier) @method) arguments: (arguments) @args) @query
(call_expression
  function: [(identifier) (member_expression object: (identifier))] @callee arguments: (arguments) @args) @call
"""
_ASSIGN_QUERY = "(assignment_expression left: (identifier) @left right: (_) @right)"


@cache
def _tools(language: str) -> tuple[Parser, Query, Query]:
    import tree_sitter

    if language == "javascript":
        import tree_sitter_javascript

        capsule = tree_sitter_javascript.language()
    else:
        import tree_sitter_typescript

        capsule = (
            tree_sitter_typescript.language_tsx() if language == "tsx" else tree_sitter_typescript.language_typescript()
        )
    lang = tree_sitter.Language(capsule)
    scopes = " ".join(f"({kind})" for kind in sorted(_SCOPES) if lang.id_for_node_kind(kind, True))
    calls = tree_sitter.Query(lang, f"{_CALL_QUERY}\n[{scopes}] @scope\n(comment) @comment")
    return tree_sitter.Parser(lang), calls, tree_sitter.Query(lang, _ASSIGN_QUERY)


def parse_tree(text: str, language: str) -> tuple[Tree, bytes]:
    parser, _, _ = _tools(language)
    source = text.encode("utf-8")
    return parser.parse(source), source


def call_captures(language: str, node: Node) -> dict[str, list[Node]]:
    """The calls (`@query`: `x.m(...)`; `@call`: `f(...)`, `ns.f(...)`), the scopes and the comments below `node`."""
    import tree_sitter

    _, calls, _ = _tools(language)
    return tree_sitter.QueryCursor(calls).captures(node)


def assignment_matches(language: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    import tree_sitter

    _, _, assigns = _tools(language)
    return tree_sitter.QueryCursor(assigns).matches(node)


def parse_facts(text: str, language: str) -> FileFacts:
    """The facts of one file's text (`language`: typescript, tsx or javascript)."""
    tree, source = parse_tree(text, language)
    return _Analyzer(tree, source, text.isascii(), language).facts()


def is_sql(text: str | None) -> bool:
    """The static SQL starts with a SQL keyword (after blanks, comments and parentheses)."""
    if text is None:
        return False
    rest = text
    while True:
        rest = rest.lstrip().lstrip("(").lstrip()
        if rest.startswith("--"):
            rest = rest.partition("\n")[2]
        elif rest.startswith("/*"):
            rest = rest.partition("*/")[2]
        else:
            break
    word = rest.split(None, 1)[0].lower() if rest.split() else ""
    return word.rstrip(";") in SQL_KEYWORDS


def looks_like_database(name: str) -> bool:
    """`db`, `DB`, `database`, `d1`, `curiosDb`, `ENGINE_DB`, `userDatabase`."""
    lowered = name.lower()
    return lowered in ("db", "d1", "database") or lowered.endswith(("db", "database", "_d1"))


@dataclass
class _Decl:
    kind: str  # "var" | "let" | "const" | "param" | "function" | "import" | "other"
    name: str
    scope: Node
    value: Node | None = None  # initializer, or the function node
    path: tuple[str, ...] = ()  # properties destructured on the way to the name
    path_nodes: tuple[Node, ...] = ()
    function: Node | None = None  # the parameter's function
    index: int = 0
    source: str = ""
    imported: str = ""


class _Analyzer:
    def __init__(self, tree: Tree, source: bytes, ascii_only: bool, language: str) -> None:
        self.tree = tree
        self.source = source
        self.ascii_only = ascii_only
        self.language = language
        self.scopes: dict[int, dict[str, _Decl]] = {}
        self.assignments: dict[str, list[tuple[Node, Node]]] | None = None
        self.functions: dict[int, FunctionFact] = {}
        self.evaluating: set[int] = set()
        self.scope_nodes: list[Node] = []
        self.scope_starts: list[int] = []
        self.scope_parents: list[int] = []
        self.values_of: dict[int, list[Value]] = {}  # by declaration

    # -- positions and text ---------------------------------------------------------------------

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def position(self, node: Node) -> tuple[int, int]:
        row, column = node.start_point
        if self.ascii_only:
            return row + 1, column + 1
        line_start = node.start_byte - column
        return row + 1, len(self.source[line_start : node.start_byte].decode("utf-8", "replace")) + 1

    # -- the file -------------------------------------------------------------------------------

    def facts(self) -> FileFacts:
        root = self.tree.root_node
        found = call_captures(self.language, root)
        self.scope_nodes = sorted(found.get("scope", []), key=lambda node: (node.start_byte, -node.end_byte))
        self.scope_starts = [node.start_byte for node in self.scope_nodes]
        self.scope_parents = _scope_parents(self.scope_nodes)
        batched = self._batched(found.get("query", []))
        queries = []
        for node in found.get("query", []):
            query = self._query(node, batched)
            if query is not None:
                queries.append(query)
        calls = [call for node in found.get("call", []) if (call := self._call(node)) is not None]
        exports, stars = self._exports(root)
        queries.sort(key=lambda query: (query.line, query.column))
        calls.sort(key=lambda call: (call.line, call.column))
        return FileFacts(
            queries=tuple(queries),
            calls=tuple(calls),
            functions=tuple(sorted(self.functions.values(), key=lambda function: function.key)),
            exports=tuple(exports),
            star_exports=tuple(stars),
            syntax_error=self._syntax_error(root) if root.has_error else None,
            directives=self._directives(found.get("comment", [])),
        )

    def _directives(self, comments: list[Node]) -> tuple[tuple[int, int, str], ...]:
        """The comments that hold a `grove-schema:` suppression: (line, column, text)."""
        found = []
        for node in comments:
            text = self.text(node)
            if "grove-schema:" in text:
                found.append((*self.position(node), text))
        return tuple(sorted(found))

    def _syntax_error(self, root: Node) -> tuple[int, int, str]:
        node = root
        while True:
            child = next((c for c in node.children if c.has_error or c.is_missing or c.type == "ERROR"), None)
            if child is None or node.type == "ERROR" or node.is_missing:
                break
            node = child
        line, column = self.position(node)
        if node.is_missing:
            return line, column, f"syntax error: missing {node.type}"
        return line, column, "syntax error"

    # -- query call sites -----------------------------------------------------------------------

    def _method(self, call: Node) -> str | None:
        function = call.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return None
        prop = function.child_by_field_name("property")
        return self.text(prop) if prop is not None else None

    def _batched(self, calls: list[Node]) -> set[int]:
        """The `.prepare(...)` calls written as elements of a `.batch([...])` array."""
        marked: set[int] = set()
        for call in calls:
            if self._method(call) != "batch":
                continue
            arguments = _arguments(call)
            if not arguments or arguments[0].type != "array":
                continue
            for element in arguments[0].named_children:
                node: Node | None = element
                while node is not None and node.type == "call_expression":
                    function = node.child_by_field_name("function")
                    if function is None or function.type != "member_expression":
                        break
                    if self._method(node) == "prepare":
                        marked.add(node.id)
                        break
                    node = function.child_by_field_name("object")
        return marked

    def _query(self, call: Node, batched: set[int]) -> QueryFact | None:
        method = self._method(call)
        if method not in ("prepare", "exec"):
            return None  # a batch's statements are its `.prepare` calls
        function = call.child_by_field_name("function")
        receiver = function.child_by_field_name("object") if function is not None else None
        if function is None or receiver is None:
            return None
        values = self._eval(receiver, 0)
        arguments = _arguments(call)
        sql, sql_node, problem = self._sql(arguments[0] if arguments else None, 0)
        name = self._name_of(receiver)
        looks = looks_like_database(name) or is_sql(sql)
        if not looks and not any(value.kind in ("binding", "param") for value in values):
            return None
        line, column = self.position(function.child_by_field_name("property") or call)
        sql_line, sql_column = self.position(sql_node) if sql_node is not None else (0, 0)
        return QueryFact(
            line=line,
            column=column,
            method="batch" if call.id in batched else method,
            sql=sql,
            sql_line=sql_line,
            sql_column=sql_column,
            sql_problem=problem,
            receiver=tuple(values),
            receiver_text=_short(self.text(receiver)),
            looks_like_d1=looks,
            function=self._enclosing_name(call),
        )

    def _name_of(self, node: Node) -> str:
        node = _unwrap(node)
        if node.type in ("identifier", "property_identifier"):
            return self.text(node)
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            return self.text(prop) if prop is not None else ""
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            return self._name_of(function) if function is not None else ""
        return ""

    def _sql(self, node: Node | None, depth: int) -> tuple[str | None, Node | None, str | None]:
        """The static SQL of an argument, the literal it starts at, or why it is not static."""
        if node is None:
            return None, None, "the call has no SQL argument"
        node = _unwrap(node)
        if node.type == "string":
            return self._string(node), node, None
        if node.type == "template_string":
            return self._string(node), node, None
        if node.type == "binary_expression" and self._operator(node) == "+":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            left_sql, left_node, left_problem = self._sql(left, depth + 1)
            right_sql, _, right_problem = self._sql(right, depth + 1)
            if left_sql is not None and right_sql is not None:
                return left_sql + right_sql, left_node, None
            return None, None, left_problem or right_problem
        if node.type == "identifier":
            name = self.text(node)
            decl = self._lookup(node, name)
            initializer = decl.value if decl is not None and decl.kind == "const" and not decl.path else None
            if initializer is not None and depth < MAX_DEPTH and initializer.id not in self.evaluating:
                self.evaluating.add(initializer.id)
                try:
                    sql, literal, problem = self._sql(initializer, depth + 1)
                finally:
                    self.evaluating.discard(initializer.id)
                if sql is not None:
                    return sql, literal, None
                return None, None, problem
            return None, None, f"the SQL is `{name}`, not a constant string in scope"
        return None, None, f"the SQL is not a static string (`{_short(self.text(node))}`)"

    def _string(self, node: Node) -> str:
        parts = []
        for child in node.children:
            if child.type == "string_fragment":
                parts.append(self.text(child))
            elif child.type == "escape_sequence":
                parts.append(_unescape(self.text(child)))
            elif child.type == "template_substitution":
                parts.append("?")
        return "".join(parts)

    def _operator(self, node: Node) -> str:
        operator = node.child_by_field_name("operator")
        return self.text(operator) if operator is not None else ""

    # -- calls that hand a binding on -----------------------------------------------------------

    def _call(self, call: Node) -> CallFact | None:
        arguments = _arguments(call)
        if not arguments:
            return None
        wanted: list[tuple[int, tuple[Value, ...]]] = []
        for index, argument in enumerate(arguments):
            if argument.type != "binary_expression" and _unwrap(argument).type not in _REFERENCES:
                continue
            values = tuple(v for v in self._eval(argument, 0) if v.kind != "unknown")
            if values:
                wanted.append((index, values))
        if not wanted:
            return None
        function = call.child_by_field_name("function")
        if function is None:
            return None
        callee = self._callee(function)
        if callee is None:
            return None
        line, column = self.position(call)
        return CallFact(line, column, callee, _short(self.text(function)), tuple(wanted))

    def _callee(self, node: Node) -> Callee | None:
        if node.type == "identifier":
            decl = self._lookup(node, self.text(node))
            if decl is None:
                return None
            if decl.kind == "import":
                return Callee("import", source=decl.source, imported=decl.imported)
            if decl.kind == "function" and decl.value is not None:
                return Callee("local", function=self._function_key(decl.value))
            if decl.kind in ("const", "let", "var") and decl.value is not None and not decl.path:
                value = _unwrap(decl.value)
                if value.type in _FUNCTIONS:
                    return Callee("local", function=self._function_key(value))
            return None
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        decl = self._lookup(obj, self.text(obj))
        if decl is not None and decl.kind == "import" and decl.imported == "*":
            return Callee("import", source=decl.source, imported=self.text(prop))
        return None

    # -- exports --------------------------------------------------------------------------------

    def _exports(self, root: Node) -> tuple[list[ExportFact], list[str]]:
        exports: list[ExportFact] = []
        stars: list[str] = []
        for statement in root.named_children:
            if statement.type != "export_statement":
                continue
            source_node = statement.child_by_field_name("source")
            source = self._string(source_node) if source_node is not None else ""
            is_default = any(child.type == "default" for child in statement.children)
            declaration = statement.child_by_field_name("declaration")
            value = statement.child_by_field_name("value")
            clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
            if declaration is not None:
                if declaration.type in ("function_declaration", "generator_function_declaration"):
                    name_node = declaration.child_by_field_name("name")
                    key = self._function_key(declaration)
                    if name_node is not None:
                        exports.append(ExportFact(self.text(name_node), key))
                    if is_default:
                        exports.append(ExportFact("default", key))
                elif declaration.type in ("lexical_declaration", "variable_declaration"):
                    for declarator in declaration.named_children:
                        if declarator.type != "variable_declarator":
                            continue
                        name_node = declarator.child_by_field_name("name")
                        init = declarator.child_by_field_name("value")
                        if name_node is None or name_node.type != "identifier":
                            continue
                        target = _unwrap(init) if init is not None else None
                        key = self._function_key(target) if target is not None and target.type in _FUNCTIONS else -1
                        exports.append(ExportFact(self.text(name_node), key))
            elif value is not None:
                target = _unwrap(value)
                key = -1
                if target.type in _FUNCTIONS:
                    key = self._function_key(target)
                elif target.type == "identifier":
                    key = self._local_function(target)
                exports.append(ExportFact("default", key))
            elif clause is not None:
                for specifier in clause.named_children:
                    if specifier.type != "export_specifier":
                        continue
                    name_node = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias")
                    if name_node is None:
                        continue
                    name = self.text(name_node)
                    exported = self.text(alias) if alias is not None else name
                    if source_node is not None:
                        exports.append(ExportFact(exported, source=source, imported=name))
                    else:
                        exports.append(ExportFact(exported, self._local_function(name_node)))
            elif source_node is not None and not any(c.type == "namespace_export" for c in statement.named_children):
                stars.append(source)
        return exports, stars

    def _local_function(self, identifier: Node) -> int:
        decl = self._lookup(identifier, self.text(identifier))
        if decl is None or decl.value is None:
            return -1
        if decl.kind == "function":
            return self._function_key(decl.value)
        if decl.kind in ("const", "let", "var") and not decl.path and _unwrap(decl.value).type in _FUNCTIONS:
            return self._function_key(_unwrap(decl.value))
        return -1

    # -- functions ------------------------------------------------------------------------------

    def _function_key(self, node: Node) -> int:
        key = node.start_byte
        if key not in self.functions:
            line, column = self.position(node)
            parameters = tuple(_short(self.text(param)) for param in _parameters(node))
            self.functions[key] = FunctionFact(key, self._function_name(node), parameters, line, column)
        return key

    def _function_name(self, node: Node) -> str | None:
        name = node.child_by_field_name("name")
        if name is not None and node.type != "arrow_function":
            return self.text(name)
        parent = node.parent
        while parent is not None and parent.type in _WRAPPERS:
            parent = parent.parent
        if parent is None:
            return None
        if parent.type in ("variable_declarator", "public_field_definition", "field_definition"):
            target = parent.child_by_field_name("name") or parent.child_by_field_name("property")
            return self.text(target) if target is not None else None
        if parent.type == "pair":
            key = parent.child_by_field_name("key")
            return self.text(key) if key is not None else None
        if parent.type == "assignment_expression":
            left = parent.child_by_field_name("left")
            return _short(self.text(left)) if left is not None else None
        if parent.type == "export_statement":
            return "default"
        return None

    def _enclosing_name(self, node: Node) -> str | None:
        parent = node.parent
        while parent is not None:
            if parent.type in _FUNCTIONS:
                name = self._function_name(parent)
                if name is not None:
                    return name
            parent = parent.parent
        return None

    # -- names ----------------------------------------------------------------------------------

    def _lookup(self, node: Node, name: str) -> _Decl | None:
        start, end = node.start_byte, node.end_byte
        # The innermost enclosing scope is the last one starting before the node, or one of the
        # scopes around that one; from there up the scope tree.
        at = bisect.bisect_right(self.scope_starts, start) - 1
        while at >= 0:
            scope = self.scope_nodes[at]
            if scope.end_byte < end or (scope.start_byte == start and scope.end_byte == end):
                at = self.scope_parents[at]
                continue
            table = self.scopes.get(at)
            if table is None:
                table = self._index(scope)
                self.scopes[at] = table
            decl = table.get(name)
            if decl is not None:
                return decl
            at = self.scope_parents[at]
        return None

    def _index(self, scope: Node) -> dict[str, _Decl]:
        table: dict[str, _Decl] = {}
        if scope.type in _FUNCTIONS:
            for index, param in enumerate(_parameters(scope)):
                self._declare_param(table, scope, param, index)
            if scope.type in ("function_expression", "function", "generator_function"):
                own = scope.child_by_field_name("name")
                if own is not None:
                    table[self.text(own)] = _Decl("function", self.text(own), scope, value=scope)
            return table
        if scope.type == "catch_clause":
            caught = scope.child_by_field_name("parameter")
            if caught is not None:
                for name, _path, _nodes in self._pattern_names(caught, (), ()):
                    table[name] = _Decl("other", name, scope)
            return table
        if scope.type in _LOOPS:
            for field_name in ("initializer", "left"):
                child = scope.child_by_field_name(field_name)
                if child is None:
                    continue
                if child.type in ("lexical_declaration", "variable_declaration"):
                    self._declare_statement(table, scope, child)
                elif scope.type == "for_in_statement":
                    for name, _path, _nodes in self._pattern_names(child, (), ()):
                        table[name] = _Decl("other", name, scope)
            return table
        for statement in scope.named_children:
            if statement.type == "export_statement":
                inner = statement.child_by_field_name("declaration")
                if inner is not None:
                    self._declare_statement(table, scope, inner)
            elif statement.type == "switch_case":
                for inner in statement.named_children:
                    self._declare_statement(table, scope, inner)
            else:
                self._declare_statement(table, scope, statement)
        return table

    def _declare_statement(self, table: dict[str, _Decl], scope: Node, statement: Node) -> None:
        kind = statement.type
        if kind in ("lexical_declaration", "variable_declaration"):
            keyword = statement.children[0].type if statement.children else "var"
            declared = keyword if keyword in ("const", "let") else "var"
            for declarator in statement.named_children:
                if declarator.type != "variable_declarator":
                    continue
                name_node = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if name_node is None:
                    continue
                for name, path, nodes in self._pattern_names(name_node, (), ()):
                    table[name] = _Decl(declared, name, scope, value=value, path=path, path_nodes=nodes)
        elif kind in ("function_declaration", "generator_function_declaration"):
            name_node = statement.child_by_field_name("name")
            if name_node is not None:
                table[self.text(name_node)] = _Decl("function", self.text(name_node), scope, value=statement)
        elif kind in ("class_declaration", "abstract_class_declaration"):
            name_node = statement.child_by_field_name("name")
            if name_node is not None:
                table[self.text(name_node)] = _Decl("other", self.text(name_node), scope)
        elif kind == "import_statement":
            self._declare_import(table, scope, statement)

    def _declare_import(self, table: dict[str, _Decl], scope: Node, statement: Node) -> None:
        source_node = statement.child_by_field_name("source")
        if source_node is None:
            return
        source = self._string(source_node)
        clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
        if clause is None:
            return
        for part in clause.named_children:
            if part.type == "identifier":
                table[self.text(part)] = _Decl("import", self.text(part), scope, source=source, imported="default")
            elif part.type == "namespace_import":
                name = next((c for c in part.named_children if c.type == "identifier"), None)
                if name is not None:
                    table[self.text(name)] = _Decl("import", self.text(name), scope, source=source, imported="*")
            elif part.type == "named_imports":
                for specifier in part.named_children:
                    if specifier.type != "import_specifier":
                        continue
                    name_node = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias")
                    if name_node is None:
                        continue
                    local = self.text(alias) if alias is not None else self.text(name_node)
                    imported = self.text(name_node).strip("'\"")
                    table[local] = _Decl("import", local, scope, source=source, imported=imported)

    def _declare_param(self, table: dict[str, _Decl], function: Node, param: Node, index: int) -> None:
        pattern = param
        if param.type in ("required_parameter", "optional_parameter"):
            pattern = param.child_by_field_name("pattern") or param
        for name, path, nodes in self._pattern_names(pattern, (), ()):
            table[name] = _Decl("param", name, function, path=path, path_nodes=nodes, function=function, index=index)

    def _pattern_names(
        self, pattern: Node, path: tuple[str, ...], nodes: tuple[Node, ...]
    ) -> Iterator[tuple[str, tuple[str, ...], tuple[Node, ...]]]:
        """The names a binding pattern declares, each with the properties read on the way."""
        kind = pattern.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            yield self.text(pattern), path, nodes
        elif kind == "assignment_pattern":
            left = pattern.child_by_field_name("left")
            if left is not None:
                yield from self._pattern_names(left, path, nodes)
        elif kind == "object_pattern":
            for child in pattern.named_children:
                if child.type == "shorthand_property_identifier_pattern":
                    name = self.text(child)
                    yield name, (*path, name), (*nodes, child)
                elif child.type == "object_assignment_pattern":
                    left = child.child_by_field_name("left")
                    if left is not None and left.type == "shorthand_property_identifier_pattern":
                        name = self.text(left)
                        yield name, (*path, name), (*nodes, child)
                elif child.type == "pair_pattern":
                    key = child.child_by_field_name("key")
                    value = child.child_by_field_name("value")
                    if key is None or value is None:
                        continue
                    key_text = self._string(key) if key.type == "string" else self.text(key)
                    yield from self._pattern_names(value, (*path, key_text), (*nodes, child))
                elif child.type == "rest_pattern":
                    for name, _p, _n in self._pattern_names(child, (), ()):
                        yield name, ("\0rest",), ()
        elif kind in ("array_pattern", "rest_pattern"):
            for child in pattern.named_children:
                for name, _p, _n in self._pattern_names(child, (), ()):
                    yield name, ("\0element",), ()

    # -- values ---------------------------------------------------------------------------------

    def _eval(self, node: Node, depth: int) -> list[Value]:
        if depth > MAX_DEPTH:
            return [Value.unknown("too deep to follow")]
        node = _unwrap(node)
        kind = node.type
        if kind == "identifier":
            return self._eval_name(node, depth)
        if kind == "member_expression":
            obj = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            if obj is None or prop is None:
                return [Value.unknown("an incomplete expression")]
            return self._member(self._eval(obj, depth + 1), self.text(prop), node)
        if kind == "subscript_expression":
            obj = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            if obj is None or index is None or index.type != "string":
                return [Value.unknown(f"`{_short(self.text(node))}`")]
            return self._member(self._eval(obj, depth + 1), self._string(index), node)
        if kind == "this":
            return [Value.unknown("`this`")]
        if kind == "binary_expression" and self._operator(node) in ("??", "||", "&&"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            values = [] if self._operator(node) == "&&" or left is None else self._eval(left, depth + 1)
            return _merge(values, self._eval(right, depth + 1) if right is not None else [])
        if kind == "ternary_expression":
            consequence = node.child_by_field_name("consequence")
            alternative = node.child_by_field_name("alternative")
            return _merge(
                self._eval(consequence, depth + 1) if consequence is not None else [],
                self._eval(alternative, depth + 1) if alternative is not None else [],
            )
        if kind == "assignment_expression":
            right = node.child_by_field_name("right")
            return self._eval(right, depth + 1) if right is not None else []
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            name = _short(self.text(function)) if function is not None else "a call"
            return [Value.unknown(f"the result of `{name}(...)`")]
        return [Value.unknown(f"`{_short(self.text(node))}`")]

    def _eval_name(self, node: Node, depth: int) -> list[Value]:
        name = self.text(node)
        decl = self._lookup(node, name)
        if decl is None:
            return [ENV] if name == "env" else [Value.unknown(f"`{name}` is not declared in this file")]
        if decl.kind == "param":
            if name == "env" or decl.path[-1:] == ("env",):
                return [ENV]
            if decl.path and decl.path[0].startswith("\0"):
                return [Value.unknown(f"`{name}` is part of a parameter")]
            assert decl.function is not None
            if decl.index == 1 and self._function_name(decl.function) in WORKER_HANDLERS:
                read = [ENV]  # `fetch(request, env)`, `scheduled(controller, { DB })`
            else:
                read = [Value("param", function=self._function_key(decl.function), index=decl.index)]
            for prop, prop_node in zip(decl.path, decl.path_nodes, strict=False):
                read = self._member(read, prop, prop_node)
            return read
        if decl.kind == "import":
            return [Value.unknown(f"`{name}` is imported from {decl.source}")]
        if decl.kind in ("function", "other"):
            return [Value.unknown(f"`{name}` is not a binding")]
        key = id(decl)
        if key in self.evaluating:
            return []
        known = self.values_of.get(key)
        if known is not None:
            return known
        self.evaluating.add(key)
        try:
            values: list[Value] = []
            if decl.value is not None:
                values = self._eval(decl.value, depth + 1)
                if decl.path and decl.path[0].startswith("\0"):
                    values = [Value.unknown(f"`{name}` is destructured from an array or a rest")]
                else:
                    for prop, prop_node in zip(decl.path, decl.path_nodes, strict=False):
                        values = self._member(values, prop, prop_node)
            if decl.kind != "const":
                for left, right in self._assignments_to(name, decl.scope):
                    if self._lookup(left, name) is decl:
                        values = _merge(values, self._eval(right, depth + 1))
        finally:
            self.evaluating.discard(key)
        if name == "env" and all(value.kind == "unknown" for value in values):
            values = [ENV]
        elif not values:
            values = [Value.unknown(f"`{name}` is never given a value here")]
        self.values_of[key] = values
        return values

    def _assignments_to(self, name: str, scope: Node) -> list[tuple[Node, Node]]:
        """The `name = value` assignments written inside `scope`."""
        if self.assignments is None:
            self.assignments = {}
            for _, match in assignment_matches(self.language, self.tree.root_node):
                left, right = match.get("left", []), match.get("right", [])
                if left and right:
                    self.assignments.setdefault(self.text(left[0]), []).append((left[0], right[0]))
            for found in self.assignments.values():
                found.sort(key=lambda pair: pair[0].start_byte)
        found = self.assignments.get(name, [])
        starts = [left.start_byte for left, _ in found]
        low = bisect.bisect_left(starts, scope.start_byte)
        high = bisect.bisect_right(starts, scope.end_byte)
        return found[low:high]

    def _member(self, values: list[Value], prop: str, node: Node) -> list[Value]:
        result: list[Value] = []
        line, column = self.position(node)
        for value in values:
            if value.kind == "env":
                result.append(Value("binding", prop, line=line, column=column))
            elif prop == "env":
                result.append(ENV)
            elif value.kind == "param":
                first = value.line == 0
                result.append(
                    Value(
                        "param",
                        function=value.function,
                        index=value.index,
                        path=(*value.path, prop),
                        line=line if first else value.line,
                        column=column if first else value.column,
                    )
                )
            elif value.kind == "binding":
                result.append(Value.unknown(f"`{prop}` of binding {value.name}"))
            else:
                result.append(value)
        return _merge(result, [])


def _scope_parents(scopes: list[Node]) -> list[int]:
    """For each scope (sorted by start, outer first), the index of the scope around it, or -1."""
    parents: list[int] = []
    stack: list[int] = []
    for index, scope in enumerate(scopes):
        while stack and scopes[stack[-1]].end_byte < scope.end_byte:
            stack.pop()
        parents.append(stack[-1] if stack else -1)
        stack.append(index)
    return parents


def _merge(first: list[Value], second: list[Value]) -> list[Value]:
    merged: list[Value] = []
    for value in (*first, *second):
        if value not in merged:
            merged.append(value)
    return merged


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS:
        inner = next((child for child in node.named_children if child.type != "comment"), None)
        if inner is None:
            break
        node = inner
    return node


def _arguments(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [child for child in arguments.named_children if child.type != "comment"]


def _parameters(function: Node) -> list[Node]:
    single = function.child_by_field_name("parameter")
    if single is not None:
        return [single]
    params = function.child_by_field_name("parameters")
    if params is None:
        return []
    return [child for child in params.named_children if child.type != "comment"]


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescape(sequence: str) -> str:
    body = sequence[1:]
    if len(body) == 1:
        return _ESCAPES.get(body, body)
    if body.startswith("\n") or body.startswith("\r"):
        return ""  # a line continuation
    if body.startswith("u{") and body.endswith("}"):
        return _char(body[2:-1], sequence)
    if body.startswith(("u", "x")):
        return _char(body[1:], sequence)
    return body


def _char(digits: str, fallback: str) -> str:
    try:
        return chr(int(digits, 16))
    except ValueError:
        return fallback
