"""The scan of the `[code]` roots: walk them, read the wrangler configs, parse each source file
to its facts (or take them from the cache), and resolve the call sites over all the facts."""

from __future__ import annotations

from pathlib import Path

from grove_schema.code.cache import ScanCache
from grove_schema.code.coverage import (
    LANGUAGE_OF_SUFFIX,
    SVELTE_CONFIG_NAMES,
    TSCONFIG_NAMES,
    CodeTree,
    suffix,
    walk_code_roots,
)
from grove_schema.code.facts import FileFacts
from grove_schema.code.modules import AliasTable, ModuleResolver, read_svelte_config, read_tsconfig
from grove_schema.code.sites import CodeScan, SourcePosition, SourceProblem
from grove_schema.code.wrangler import governing_files, read_config
from grove_schema.config import CodeConfig

__all__ = ["ScanCache", "scan_code"]


def scan_code(
    config: CodeConfig, project_root: Path, *, cache: ScanCache | None = None, tree: CodeTree | None = None
) -> CodeScan:
    """Everything under `config.roots` (or in `tree`, walked already): configs sorted by path, call
    sites by position."""
    tree = tree if tree is not None else walk_code_roots(config, project_root)
    scan = CodeScan()
    for path in governing_files(tree.wrangler):
        wrangler, problems = read_config(path)
        scan.configs.append(wrangler)
        scan.problems.extend(problems)

    store = cache if cache is not None else ScanCache()
    facts: dict[Path, FileFacts] = {}
    pending: list[tuple[Path, str, str, str]] = []  # path, code, language, key
    for path in tree.sources:
        scan.files.append(path)
        text = _read(path, scan)
        if text is None:
            continue
        scan.texts[str(path)] = text
        language = LANGUAGE_OF_SUFFIX[suffix(path)]
        key = ScanCache.key(text, language)
        known = store.get(key)
        if known is not None:
            facts[path] = known
        else:
            pending.append((path, text, language, key))
    for (path, _code, _language, key), parsed in zip(pending, _parse_all(pending), strict=True):
        store.put(key, parsed)
        facts[path] = parsed
    store.save()

    for path, file_facts in facts.items():
        if file_facts.directives:
            scan.directive_comments[str(path)] = file_facts.directives
        if file_facts.syntax_error is not None:
            line, column, message = file_facts.syntax_error
            scan.problems.append(
                SourceProblem(
                    SourcePosition(str(path), line, column),
                    f"cannot parse: {message}",
                    "correct the syntax error, or list the file in [code] exclude",
                )
            )

    modules = ModuleResolver(
        files=set(facts),
        svelte_configs=_aliases(tree.svelte_configs, scan, svelte=True),
        tsconfigs=_aliases(tree.tsconfigs, scan, svelte=False),
    )
    from grove_schema.code.resolution import resolve_call_sites

    scan.call_sites = resolve_call_sites(facts, modules, lambda path: _display(path, project_root))
    scan.problems.sort(key=lambda problem: (problem.position, problem.message))
    return scan


def _parse_all(pending: list[tuple[Path, str, str, str]]) -> list[FileFacts]:
    from grove_schema.code import javascript
    from grove_schema.code.svelte import script_text

    parsed = []
    for _path, text, language, _key in pending:
        if language == "svelte":
            scripts = script_text(text)  # the `<script>` blocks, in place
            parsed.append(javascript.parse_facts(*scripts) if scripts is not None else FileFacts())
        else:
            parsed.append(javascript.parse_facts(text, language))
    return parsed


def _read(path: Path, scan: CodeScan) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as error:
        scan.problems.append(SourceProblem(SourcePosition(str(path), 1, 1), f"cannot read the file: {error}"))
    except UnicodeDecodeError as error:
        scan.problems.append(
            SourceProblem(
                SourcePosition(str(path), 1, 1),
                f"not UTF-8 text (byte {error.start}): {error.reason}",
                "save it as UTF-8, or list it in [code] exclude",
            )
        )
    return None


def _aliases(paths: list[Path], scan: CodeScan, *, svelte: bool) -> dict[Path, AliasTable]:
    tables: dict[Path, AliasTable] = {}
    for path in sorted(paths, key=lambda p: (p.parent, _rank(p.name))):
        if path.parent in tables:
            continue  # the first of the names wins
        try:
            text = path.read_bytes().decode("utf-8")
            tables[path.parent] = read_svelte_config(path.parent, text) if svelte else read_tsconfig(path.parent, text)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            scan.problems.append(SourceProblem(SourcePosition(str(path), 1, 1), f"cannot read {path.name}: {error}"))
    return tables


def _rank(name: str) -> int:
    names = SVELTE_CONFIG_NAMES + TSCONFIG_NAMES
    return names.index(name) if name in names else len(names)


def _display(path: Path, project_root: Path) -> str:
    try:
        return path.relative_to(project_root).as_posix()
    except ValueError:
        return str(path)
