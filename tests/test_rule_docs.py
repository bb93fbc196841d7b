"""Every registered rule is documented (problem, anti-pattern, fix), `explain` and `rules` print
the docs, and docs/rules.md is what scripts/generate_rule_reference.py generates now.

The rules are read from the registry when the tests run, so rules added later are held to the
same standard without touching this file."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest

from grove_schema.findings import RuleInfo
from grove_schema.registry import all_rules

from .conftest import REPO

RULES = all_rules()
SECTIONS = ("**Problem**", "**Anti-pattern**", "**Fix**")


def _sections(doc: str) -> dict[str, str]:
    """The text of each section, from its marker to the next one."""
    positions = [(doc.find(marker), marker) for marker in SECTIONS]
    found = sorted((at, marker) for at, marker in positions if at >= 0)
    texts = {}
    for index, (at, marker) in enumerate(found):
        end = found[index + 1][0] if index + 1 < len(found) else len(doc)
        texts[marker] = doc[at + len(marker) : end].lstrip(":").strip()
    return texts


def test_the_registry_holds_the_replay_ownership_numbering_and_suppression_rules() -> None:
    codes = {info.code for info in RULES}
    expected = {f"GS10{n}" for n in range(1, 8)} | {f"GS20{n}" for n in range(1, 8)}
    expected |= {f"GS30{n}" for n in range(1, 9)} | {"GS501", "GS502"}
    assert expected <= codes


@pytest.mark.parametrize("info", RULES, ids=lambda info: f"{info.code}-{info.name}")
def test_rule_identity(info: RuleInfo) -> None:
    assert re.fullmatch(r"GS\d{3}", info.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", info.name)
    assert info.summary.strip() and "\n" not in info.summary


@pytest.mark.parametrize("info", RULES, ids=lambda info: f"{info.code}-{info.name}")
def test_rule_doc_has_problem_anti_pattern_and_fix(info: RuleInfo) -> None:
    doc = info.doc
    assert doc.strip(), f"{info.code} {info.name} has no doc"
    assert doc.splitlines()[0].strip() == info.summary.strip(), "the doc starts with the summary line"
    at = [doc.find(marker) for marker in SECTIONS]
    assert all(position >= 0 for position in at), f"{info.code} lacks one of {SECTIONS}"
    assert at == sorted(at), f"{info.code}: the sections come in the order {SECTIONS}"
    sections = _sections(doc)
    assert len(sections[SECTIONS[0]]) > 40, f"{info.code}: say what goes wrong and why"
    for marker in SECTIONS[1:]:
        text = sections[marker]
        assert re.search(r"```[a-z]*\n.+?\n```", text, re.DOTALL), f"{info.code}: {marker} needs an example block"
    assert doc.count("```") % 2 == 0, f"{info.code}: unbalanced code fences"


@pytest.mark.parametrize("info", RULES, ids=lambda info: f"{info.code}-{info.name}")
def test_explain_prints_the_doc_by_code_and_by_name(run_cli, info: RuleInfo) -> None:  # type: ignore[no-untyped-def]
    by_code = run_cli("explain", info.code)
    assert by_code.code == 0 and by_code.err == ""
    assert by_code.out.startswith(f"{info.code} {info.name} ({info.severity.label})\n")
    assert info.doc.strip() in by_code.out
    by_name = run_cli("explain", info.name)
    assert by_name.code == 0 and by_name.out == by_code.out
    assert run_cli("explain", info.code.lower()).out == by_code.out


@pytest.mark.parametrize("name", ["no-such-rule", "GS999", ""])
def test_explain_of_an_unknown_rule_is_a_usage_error(run_cli, name: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("explain", name)
    assert result.code == 2
    assert result.out == ""
    assert "unknown rule" in result.err and "Traceback" not in result.err


def test_rules_lists_every_rule(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == len(RULES)
    for line, info in zip(lines, RULES, strict=True):
        assert line.split()[:3] == [info.code, info.name, info.severity.label]
        assert line.endswith(info.summary)


def _generator() -> ModuleType:
    path = REPO / "scripts" / "generate_rule_reference.py"
    spec = importlib.util.spec_from_file_location("generate_rule_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_md_is_in_sync_with_the_registry() -> None:
    generated = _generator().render_reference()
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/rules.md is stale: run python scripts/generate_rule_reference.py"


def test_rules_md_has_one_section_per_rule() -> None:
    text = _generator().render_reference()
    headings = re.findall(r"^## (GS\d{3}) (\S+)$", text, re.MULTILINE)
    assert headings == [(info.code, info.name) for info in RULES]
    for info in RULES:
        section = text.split(f"## {info.code} {info.name}\n", 1)[1]
        assert section.lstrip().startswith(f"Default severity: **{info.severity.label}**.")


def test_generator_check_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    generator = _generator()
    target = tmp_path / "rules.md"
    assert generator.main(["--check", "--output", str(target)]) == 1  # missing
    assert generator.main(["--output", str(target)]) == 0
    assert generator.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert generator.main(["--check", "--output", str(target)]) == 1


def test_the_rules_table_aligns_whatever_the_names_length(run_cli) -> None:  # type: ignore[no-untyped-def]
    lines = run_cli("rules").out.splitlines()
    longest = max(RULES, key=lambda info: len(info.name))
    assert len(longest.name) > 28  # add-column-nonconstant-default: wider than the old fixed column
    starts = {line.index(info.summary, 6 + len(info.name)) for line, info in zip(lines, RULES, strict=True)}
    assert len(starts) == 1, "every summary starts in the same column"
    severities = {line.index(info.severity.label, 6 + len(info.name)) for line, info in zip(lines, RULES, strict=True)}
    assert len(severities) == 1


def test_explain_renders_the_markdown_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from grove_schema.cli import main

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = io.StringIO()
    assert main(["explain", "GS403"], out=out, err=io.StringIO()) == 0
    shown = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert "\x1b[" in out.getvalue()
    assert "**Problem**" not in shown and "```" not in shown  # rendered, not the Markdown source
    assert "Problem:" in shown and "ALTER TABLE posts ADD COLUMN updated_at" in shown
