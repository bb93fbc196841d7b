"""The files' facts put together: which binding reaches each call site's receiver, following
parameters back to every call that passes a binding, across imports. Runs over facts only
(cached or fresh); never reads or parses a file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grove_schema.code.facts import Callee, CallFact, FileFacts, QueryFact, Value
from grove_schema.code.modules import ModuleResolver
from grove_schema.code.sites import BindingUse, CallMethod, CallSite, SourcePosition

MAX_DEPTH = 8  # helpers calling helpers; deeper chains (and cycles) stop here


@dataclass(frozen=True)
class _Flow:
    value: Value
    file: Path  # where the value's function lives
    written: Path  # where its line and column are


def resolve_call_sites(
    facts: Mapping[Path, FileFacts], modules: ModuleResolver, display: Callable[[Path], str]
) -> list[CallSite]:
    """Every call site of the files, sorted by position; `display` names a file in messages."""
    return _Resolution(facts, modules, display).call_sites()


class _Resolution:
    def __init__(
        self, facts: Mapping[Path, FileFacts], modules: ModuleResolver, display: Callable[[Path], str]
    ) -> None:
        self.facts = facts
        self.modules = modules
        self.display = display
        self.callers: dict[tuple[Path, int], list[tuple[Path, CallFact]]] = {}
        for path in sorted(facts):
            for call in facts[path].calls:
                target = self.callee_target(path, call.callee)
                if target is not None:
                    self.callers.setdefault(target, []).append((path, call))

    def call_sites(self) -> list[CallSite]:
        sites = []
        for path in sorted(self.facts):
            for query in self.facts[path].queries:
                site = self.site(path, query)
                if site is not None:
                    sites.append(site)
        sites.sort(key=lambda site: (site.position, site.method.value))
        return sites

    # -- functions across files -----------------------------------------------------------------

    def callee_target(self, path: Path, callee: Callee) -> tuple[Path, int] | None:
        if callee.kind == "local":
            return path, callee.function
        module = self.modules.resolve(path, callee.source)
        if module is None:
            return None
        return self.export_target(module, callee.imported, 0)

    def export_target(self, path: Path, name: str, depth: int) -> tuple[Path, int] | None:
        facts = self.facts.get(path)
        if facts is None or depth > MAX_DEPTH:
            return None
        export = facts.export(name)
        if export is not None:
            if export.function >= 0:
                return path, export.function
            if export.source:
                module = self.modules.resolve(path, export.source)
                return self.export_target(module, export.imported, depth + 1) if module is not None else None
            return None
        if name == "default":
            return None
        for source in facts.star_exports:
            module = self.modules.resolve(path, source)
            found = self.export_target(module, name, depth + 1) if module is not None else None
            if found is not None:
                return found
        return None

    # -- one site -------------------------------------------------------------------------------

    def site(self, path: Path, query: QueryFact) -> CallSite | None:
        uses: list[BindingUse] = []
        reasons: list[str] = []
        for value in query.receiver:
            found, why = self.uses(_Flow(value, path, path), 0, (), frozenset())
            uses.extend(found)
            reasons.extend(why)
        if not uses and not query.looks_like_d1:
            return None  # not a D1 call by any sign: another library's `.prepare`/`.exec`
        unique = sorted(set(uses), key=lambda use: (use.position, use.binding, use.via))
        problems = []
        if not unique:
            because = "; ".join(dict.fromkeys(reasons)) or "it cannot be followed"
            problems.append(f"the receiver `{query.receiver_text}` is not a known binding: {because}")
        if query.sql is None:
            problems.append(query.sql_problem or "the SQL is not static")
        return CallSite(
            position=SourcePosition(str(path), query.line, query.column),
            method=CallMethod(query.method),
            sql=query.sql,
            sql_position=SourcePosition(str(path), query.sql_line, query.sql_column) if query.sql_line else None,
            bindings=tuple(unique),
            unresolved="; ".join(problems) or None,
            function=query.function,
        )

    def uses(
        self, flow: _Flow, depth: int, via: tuple[str, ...], seen: frozenset[tuple[Path, int, int, tuple[str, ...]]]
    ) -> tuple[list[BindingUse], list[str]]:
        value = flow.value
        if value.kind == "binding":
            position = SourcePosition(str(flow.written), value.line, value.column)
            return [BindingUse(value.name, position, via)], []
        if value.kind == "env":
            return [], ["it is the env object itself"]
        if value.kind != "param":
            return [], [value.name]
        facts = self.facts.get(flow.file)
        function = facts.function(value.function) if facts is not None else None
        name = (function.name if function else None) or "an anonymous function"
        parameter = function.parameters[value.index] if function and value.index < len(function.parameters) else "?"
        where = f"{self.display(flow.file)}:{function.line}" if function else self.display(flow.file)
        key = (flow.file, value.function, value.index, value.path)
        if depth >= MAX_DEPTH or key in seen:
            return [], [f"parameter `{parameter}` of {name} ({where}): the chain of calls is too deep or circular"]
        callers = self.callers.get((flow.file, value.function), [])
        if not callers:
            return [], [f"parameter `{parameter}` of {name} ({where}) is given no binding by any call scanned"]
        uses: list[BindingUse] = []
        reasons: list[str] = []
        for caller_path, call in callers:
            step = f"argument {value.index + 1} of {name} at {self.display(caller_path)}:{call.line}"
            arguments = call.values_of(value.index)
            if not arguments:
                reasons.append(f"{step} is not a binding")
            for argument in arguments:
                applied = _apply(_Flow(argument, caller_path, caller_path), value, flow)
                found, why = self.uses(applied, depth + 1, (step, *via), seen | {key})
                uses.extend(found)
                reasons.extend(why)
        return uses, reasons


def _apply(argument: _Flow, parameter: Value, inside: _Flow) -> _Flow:
    """What the parameter's `path` reads from `argument` (passed by a caller)."""
    path = parameter.path
    if not path:
        return argument
    value = argument.value
    if value.kind == "env":
        if len(path) > 1:
            return _Flow(Value.unknown(f"`{path[1]}` of binding {path[0]}"), inside.file, inside.written)
        return _Flow(
            Value("binding", path[0], line=parameter.line, column=parameter.column), inside.file, inside.written
        )
    if value.kind == "binding":
        return _Flow(Value.unknown(f"`{path[0]}` of binding {value.name}"), argument.file, argument.written)
    if value.kind == "param":
        if value.path:
            combined = Value("param", "", value.function, value.index, (*value.path, *path), value.line, value.column)
            return _Flow(combined, argument.file, argument.written)
        combined = Value("param", "", value.function, value.index, path, parameter.line, parameter.column)
        return _Flow(combined, argument.file, inside.written)
    return argument
