"""What one source file says, as plain values the cache can store: its D1-looking call sites, the
calls that hand a binding (or a parameter) to a function, its functions and its exports. Facts
carry lines and columns but no path, so identical files share one entry; `code.resolution` puts
the files' facts together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FACTS_VERSION = 2


@dataclass(frozen=True)
class Value:
    """What an expression can be, as far as one file can tell.

    - `binding`: the D1 binding `name`, read at `line:column` (`env.B`, `{ B } = env`);
    - `env`: an env object (`platform.env`, `c.env`, `this.env`, a parameter called `env`);
    - `param`: parameter `index` of function `function` (its start offset in the file), with the
      properties `path` read from it; `line:column` is where the first of them is read;
    - `unknown`: anything else; `name` says what it is."""

    kind: str
    name: str = ""
    function: int = -1
    index: int = 0
    path: tuple[str, ...] = ()
    line: int = 0
    column: int = 0

    @staticmethod
    def unknown(reason: str) -> Value:
        return Value("unknown", reason)

    def to_json(self) -> list[Any]:
        return [self.kind, self.name, self.function, self.index, list(self.path), self.line, self.column]

    @staticmethod
    def from_json(data: list[Any]) -> Value:
        kind, name, function, index, path, line, column = data
        return Value(
            str(kind), str(name), int(function), int(index), tuple(str(p) for p in path), int(line), int(column)
        )


ENV = Value("env")


@dataclass(frozen=True)
class QueryFact:
    """An `X.prepare(...)`, `X.exec(...)`, or a `.prepare(...)` written inside `X.batch([...])`."""

    line: int
    column: int
    method: str  # "prepare" | "exec" | "batch"
    sql: str | None
    sql_line: int  # 0 when there is no literal
    sql_column: int
    sql_problem: str | None  # why the SQL is not static
    receiver: tuple[Value, ...]
    receiver_text: str
    looks_like_d1: bool  # the receiver's name looks like a database, or the SQL starts with a keyword
    function: str | None

    def to_json(self) -> list[Any]:
        return [
            self.line, self.column, self.method, self.sql, self.sql_line, self.sql_column, self.sql_problem,
            [value.to_json() for value in self.receiver], self.receiver_text, self.looks_like_d1, self.function,
        ]  # fmt: skip

    @staticmethod
    def from_json(data: list[Any]) -> QueryFact:
        line, column, method, sql, sql_line, sql_column, problem, receiver, text, looks, function = data
        return QueryFact(
            int(line), int(column), str(method), sql, int(sql_line), int(sql_column), problem,
            tuple(Value.from_json(item) for item in receiver), str(text), bool(looks), function,
        )  # fmt: skip


@dataclass(frozen=True)
class Callee:
    """Who a call calls: a function of this file (`local`, by start offset) or an import
    (`imported` name of module `source`; "default" for a default import)."""

    kind: str  # "local" | "import"
    function: int = -1
    source: str = ""
    imported: str = ""

    def to_json(self) -> list[Any]:
        return [self.kind, self.function, self.source, self.imported]

    @staticmethod
    def from_json(data: list[Any]) -> Callee:
        kind, function, source, imported = data
        return Callee(str(kind), int(function), str(source), str(imported))


@dataclass(frozen=True)
class CallFact:
    """`f(a, b)` where some argument is a binding, an env object or a parameter."""

    line: int
    column: int
    callee: Callee
    name: str  # the callee as written, for messages
    arguments: tuple[tuple[int, tuple[Value, ...]], ...]  # (0-based index, what it can be)

    def values_of(self, index: int) -> tuple[Value, ...]:
        return next((values for number, values in self.arguments if number == index), ())

    def to_json(self) -> list[Any]:
        arguments = [[index, [value.to_json() for value in values]] for index, values in self.arguments]
        return [self.line, self.column, self.callee.to_json(), self.name, arguments]

    @staticmethod
    def from_json(data: list[Any]) -> CallFact:
        line, column, callee, name, arguments = data
        return CallFact(
            int(line),
            int(column),
            Callee.from_json(callee),
            str(name),
            tuple((int(index), tuple(Value.from_json(v) for v in values)) for index, values in arguments),
        )


@dataclass(frozen=True)
class FunctionFact:
    key: int  # the function's start offset in the file
    name: str | None
    parameters: tuple[str, ...]  # as written, for messages
    line: int
    column: int

    def to_json(self) -> list[Any]:
        return [self.key, self.name, list(self.parameters), self.line, self.column]

    @staticmethod
    def from_json(data: list[Any]) -> FunctionFact:
        key, name, parameters, line, column = data
        return FunctionFact(int(key), name, tuple(str(p) for p in parameters), int(line), int(column))


@dataclass(frozen=True)
class ExportFact:
    """`export`ed name: a function of this file (`function` >= 0), a re-export (`source`), or
    something else (`function` -1, no source)."""

    name: str
    function: int = -1
    source: str = ""
    imported: str = ""

    def to_json(self) -> list[Any]:
        return [self.name, self.function, self.source, self.imported]

    @staticmethod
    def from_json(data: list[Any]) -> ExportFact:
        name, function, source, imported = data
        return ExportFact(str(name), int(function), str(source), str(imported))


@dataclass(frozen=True)
class FileFacts:
    queries: tuple[QueryFact, ...] = ()
    calls: tuple[CallFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    exports: tuple[ExportFact, ...] = ()
    star_exports: tuple[str, ...] = ()  # `export * from "source"`
    syntax_error: tuple[int, int, str] | None = None  # line, column, message
    directives: tuple[tuple[int, int, str], ...] = ()  # `// grove-schema: ignore ...` comments: line, column, text

    def function(self, key: int) -> FunctionFact | None:
        return next((function for function in self.functions if function.key == key), None)

    def export(self, name: str) -> ExportFact | None:
        return next((export for export in self.exports if export.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "queries": [query.to_json() for query in self.queries],
            "calls": [call.to_json() for call in self.calls],
            "functions": [function.to_json() for function in self.functions],
            "exports": [export.to_json() for export in self.exports],
            "star_exports": list(self.star_exports),
            "syntax_error": list(self.syntax_error) if self.syntax_error else None,
            "directives": [list(directive) for directive in self.directives],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> FileFacts:
        error = data.get("syntax_error")
        return FileFacts(
            queries=tuple(QueryFact.from_json(item) for item in data["queries"]),
            calls=tuple(CallFact.from_json(item) for item in data["calls"]),
            functions=tuple(FunctionFact.from_json(item) for item in data["functions"]),
            exports=tuple(ExportFact.from_json(item) for item in data["exports"]),
            star_exports=tuple(str(item) for item in data["star_exports"]),
            syntax_error=(int(error[0]), int(error[1]), str(error[2])) if error else None,
            directives=tuple((int(line), int(column), str(text)) for line, column, text in data.get("directives", [])),
        )
