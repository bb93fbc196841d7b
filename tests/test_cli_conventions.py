"""The conventions users bring from ruff and wrangler: `-o -`, global options after the command,
"did you mean", a line of ownership.toml for a bad entry, help with an example and exit codes,
shell completion."""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema import cli
from grove_schema.cli import main

from .conftest import MINIMAL_CONFIG, REPO, CliResult

RunCli = Callable[..., CliResult]
MakeProject = Callable[..., Path]
GRAPHVIZ = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


# -- -o - ------------------------------------------------------------------------------------------


def test_render_dash_writes_to_standard_output(run_cli: RunCli) -> None:
    to_stdout = run_cli("render", "curios", "-o", "-", cwd=REPO)
    plain = run_cli("render", "curios", cwd=REPO)
    assert to_stdout.code == 0, to_stdout.err
    assert to_stdout.out == plain.out and to_stdout.out.startswith("-- grove-curios-db")
    assert not (REPO / "-").exists()


def test_render_check_needs_a_file_not_a_dash(run_cli: RunCli) -> None:
    result = run_cli("render", "curios", "-o", "-", "--check", cwd=REPO)
    assert result.code == 2 and "--check needs the file" in result.err


def test_drop_dash_writes_to_standard_output(run_cli: RunCli) -> None:
    result = run_cli("drop", "engine", "--only", "retired", "-o", "-", cwd=REPO)
    assert result.code == 0, result.err
    assert result.out.startswith("-- Drop from grove-engine-db") and "DROP TABLE" in result.out
    assert not (REPO / "-").exists()


def test_diagram_dash_writes_dot(run_cli: RunCli) -> None:
    result = run_cli("diagram", "-o", "-", cwd=REPO)
    assert result.code == 0, result.err
    assert result.out.startswith("digraph grove_schema {")


@GRAPHVIZ
def test_diagram_svg_goes_to_standard_output(run_cli: RunCli) -> None:
    result = run_cli("diagram", "--format", "svg", cwd=REPO)
    assert result.code == 0, result.err
    assert result.out.startswith("<?xml") and result.out.rstrip().endswith("</svg>")
    assert run_cli("diagram", "--format", "svg", "-o", "-", cwd=REPO).out == result.out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_diagram_refuses_png_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    err = io.StringIO()
    code = main(["diagram", "--format", "png"], out=_Terminal(), err=err)
    assert code == 2
    assert "a PNG is binary: write it with -o FILE, or redirect standard output" in err.getvalue()


@GRAPHVIZ
def test_diagram_png_goes_to_a_redirected_standard_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NO_COLOR", "1")
    binary = io.BytesIO()
    out = io.TextIOWrapper(binary, encoding="utf-8")
    err = io.StringIO()
    assert main(["diagram", "--format", "png", "-o", "-"], out=out, err=err) == 0, err.getvalue()
    out.flush()
    assert binary.getvalue().startswith(b"\x89PNG\r\n\x1a\n")


# -- global options after the command --------------------------------------------------------------


def test_config_and_root_are_accepted_after_the_command(run_cli: RunCli, make_project: MakeProject) -> None:
    root = make_project({"0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"})
    config = root / "ownership.toml"
    before = run_cli("--config", str(config), "check", cwd=REPO)
    after = run_cli("check", "--config", str(config), cwd=REPO)
    assert before.code == after.code == 0, after.err
    assert after.out == before.out and "1 files" in after.out
    elsewhere = root.parent / "elsewhere"
    shutil.copytree(root, elsewhere)
    (elsewhere / "libs/engine/migrations/0002_b.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY);\n")
    moved = run_cli("check", "--config", str(config), "--root", str(elsewhere), cwd=REPO)
    assert moved.code == 0 and "2 files" in moved.out


def test_an_option_after_the_command_wins_over_the_one_before(run_cli: RunCli, make_project: MakeProject) -> None:
    root = make_project({"0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"})
    result = run_cli("--config", str(REPO / "ownership.toml"), "check", "--config", str(root / "ownership.toml"))
    assert result.code == 0 and "1 files" in result.out


# -- did you mean -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["chek"], "unknown command 'chek'; did you mean 'check'?"),
        (["--root", "examples/grove", "rendr", "curios"], "unknown command 'rendr'; did you mean 'render'?"),
        (["render", "curio"], "unknown database 'curio'; did you mean 'curios'?"),
        (["check", "--database", "engin"], "unknown database 'engin'; did you mean 'engine'?"),
        (["explain", "drop-colum-dependency"], "did you mean 'drop-column-dependency'?"),
        (["check", "--ignore", "add-column-nonconstant-defaults"], "did you mean 'add-column-nonconstant-default'?"),
        (
            ["inspect", "post"],
            "no table, virtual table, view or trigger named 'post' in any replayed stream; did you mean 'posts'?",
        ),
    ],
)
def test_a_mistyped_name_is_answered_with_the_nearest(run_cli: RunCli, argv: list[str], expected: str) -> None:
    result = run_cli(*argv, cwd=REPO)
    assert result.code == 2
    assert expected in result.err, result.err


def test_nothing_near_suggests_nothing(run_cli: RunCli) -> None:
    result = run_cli("inspect", "zzzzzz", cwd=REPO)
    assert result.code == 2 and "did you mean" not in result.err


@pytest.mark.parametrize(
    ("typo", "line", "expected"),
    [
        ('reservaton = "r.txt"', 9, "databases.engine.reservaton: unknown key; did you mean 'reservation'?"),
        (
            'migration = "libs/engine/migrations"',
            8,
            "databases.engine.migration: unknown key; did you mean 'migrations'?",
        ),
        ("estimat = 3", 9, "databases.engine.estimat: unknown key; did you mean 'estimate'?"),
    ],
)
def test_a_mistyped_configuration_key_names_the_key_meant(
    run_cli: RunCli, make_project: MakeProject, typo: str, line: int, expected: str
) -> None:
    config = MINIMAL_CONFIG + typo + "\n"
    if typo.startswith("migration "):
        config = config.replace('migrations = "libs/engine/migrations"\n', "")
    root = make_project({}, config=config)
    result = run_cli("check", cwd=root)
    assert result.code == 2
    assert f"ownership.toml:{line}: {expected}" in result.err, result.err


def test_an_unknown_key_far_from_any_lists_the_keys(run_cli: RunCli, make_project: MakeProject) -> None:
    root = make_project({}, config=MINIMAL_CONFIG.replace("[project]\n", "[project]\nzzz = 1\n"))
    result = run_cli("check", cwd=root)
    assert result.code == 2
    assert "ownership.toml:2: project.zzz: unknown key (the keys here: default_database, root)" in result.err


@pytest.mark.parametrize(
    ("section", "line", "expected"),
    [
        (
            '[rules]\nignore = ["GS403", "drop-colum-dependency"]\n',
            11,
            "rules.ignore: unknown rule 'drop-colum-dependency'",
        ),
        (
            '[rules]\nseverity = { add-column-nonconstant-defualt = "warning" }\n',
            11,
            "rules.severity: unknown rule 'add-column-nonconstant-defualt'; "
            "did you mean 'add-column-nonconstant-default'?",
        ),
        (
            '[rules.severity]\nGS403 = "warning"\ntable-rebuild = "info"\n',
            12,
            "rules.severity: unknown rule 'table-rebuild'",
        ),
    ],
)
def test_an_unknown_rule_under_rules_is_reported_at_its_line(
    run_cli: RunCli, make_project: MakeProject, section: str, line: int, expected: str
) -> None:
    root = make_project({"0001_a.sql": "SELECT 1;\n"}, config=MINIMAL_CONFIG + "\n" + section)
    result = run_cli("check", cwd=root)
    assert result.code == 2
    assert f"ownership.toml:{line}: {expected}" in result.err, result.err


@pytest.mark.parametrize(
    ("section", "line"),
    [
        ('[retired]\ntables = { post = "typo", a = "real" }\n', 11),
        ('[retired.tables]\na = "real"\npost = "typo"\n', 12),
    ],
)
def test_a_retired_table_that_matches_nothing_is_reported_at_its_line(
    run_cli: RunCli, make_project: MakeProject, section: str, line: int
) -> None:
    files = {"0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n"}
    root = make_project(files, config=MINIMAL_CONFIG + "\n" + section)
    result = run_cli("check", "--format", "gcc", cwd=root)
    expected = (
        f"ownership.toml:{line}:1: warning: GS207 retired.tables: 'post' matches no table any stream creates "
        "(did you mean 'posts'?); fix: correct the name, or remove the entry"
    )
    assert expected in result.out, result.out
    assert "'a' matches no table" not in result.out


def test_a_retired_table_already_dropped_is_not_reported(run_cli: RunCli, make_project: MakeProject) -> None:
    files = {"0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n", "0002_drop.sql": "DROP TABLE a;\n"}
    root = make_project(files, config=MINIMAL_CONFIG + '\n[retired]\ntables = { a = "done" }\n')
    result = run_cli("check", "--format", "gcc", cwd=root)
    assert "GS207" not in result.out, result.out


def test_a_retired_table_in_a_stream_not_replayed_is_not_reported(run_cli: RunCli, make_project: MakeProject) -> None:
    config = (
        MINIMAL_CONFIG + '\n[databases.other]\nname = "o"\nmigrations = "other"\n\n[retired]\ntables = { b = "x" }\n'
    )
    root = make_project({"0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}, config=config)
    (root / "other").mkdir()
    (root / "other" / "0001_b.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY);\n")
    assert "GS207" not in run_cli("check", "--database", "engine", "--format", "gcc", cwd=root).out
    assert "GS207" not in run_cli("check", "--format", "gcc", cwd=root).out


# -- help ---------------------------------------------------------------------------------------------


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(cli._COMMAND_OPTIONS))
def test_every_option_of_every_command_has_help(command: str) -> None:
    parser = _commands()[command]
    missing = [a.dest for a in parser._actions if not a.help or a.help == argparse.SUPPRESS]
    assert missing == []


def test_every_global_option_has_help() -> None:
    parser = cli.build_parser(only="check")
    assert [a.dest for a in parser._actions if not a.help] == []


@pytest.mark.parametrize("command", sorted(cli._COMMAND_OPTIONS))
def test_each_command_help_shows_an_example_and_the_exit_codes(run_cli: RunCli, command: str) -> None:
    # --help exits through argparse (SystemExit 0) after printing to sys.stdout.
    help_text = _commands()[command].format_help()
    example = help_text.split("example:\n", 1)[1].splitlines()[0]
    assert example.startswith(f"  grove-schema {command}")
    assert "exit codes:\n  0  success\n" in help_text
    assert help_text.rstrip().endswith("2  usage or configuration error")


def test_the_examples_in_help_are_real_command_lines() -> None:
    for command, (example, _findings) in cli._EXAMPLES.items():
        argv = example.split(">")[0].split()[1:]
        args = cli.build_parser(only=command).parse_args(argv)
        assert args.command == command


def test_help_keeps_the_epilog_lines_at_any_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    help_text = _commands()["drop"].format_help()
    assert "\n  1  something that stays still needs what leaves (the blockers are listed)\n" in help_text


# -- completion ---------------------------------------------------------------------------------------


def _script(run_cli: RunCli, shell: str) -> str:
    result = run_cli("completion", shell, cwd=REPO)
    assert result.code == 0, result.err
    return result.out


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes_commands_and_choices(run_cli: RunCli, tmp_path: Path) -> None:
    script = tmp_path / "grove-schema.bash"
    script.write_text(_script(run_cli, "bash"))
    probe = (
        f"source {script}; "
        'COMP_WORDS=(grove-schema sta); COMP_CWORD=1; _shtab_grove_schema; echo "${COMPREPLY[*]}"; '
        'COMP_WORDS=(grove-schema check --fail-on ""); COMP_CWORD=3; _shtab_grove_schema; echo "${COMPREPLY[*]}"; '
        'COMP_WORDS=(grove-schema completion ""); COMP_CWORD=2; _shtab_grove_schema; echo "${COMPREPLY[*]}"'
    )
    completed = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["status", "error warning info", "bash zsh fish"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion_completes_commands_and_choices(run_cli: RunCli, tmp_path: Path) -> None:
    script = tmp_path / "grove-schema.fish"
    script.write_text(_script(run_cli, "fish"))
    probe = f"source {script}; complete -C'grove-schema sta'; complete -C'grove-schema diagram --format '"
    completed = subprocess.run(["fish", "--no-config", "-c", probe], capture_output=True, text=True, timeout=30)
    assert completed.returncode == 0, completed.stderr
    words = [line.split("\t")[0] for line in completed.stdout.splitlines()]
    assert words == ["status", "dot", "svg", "png"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_is_valid_zsh_naming_every_command(run_cli: RunCli, tmp_path: Path) -> None:
    script = tmp_path / "_grove-schema"
    text = _script(run_cli, "zsh")
    script.write_text(text)
    completed = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert completed.returncode == 0, completed.stderr
    assert text.startswith("#compdef grove-schema")
    for command in cli._COMMAND_OPTIONS:
        assert f"    {command}:'" in text and f"        {command}) _arguments" in text, command


def test_completion_needs_no_ownership_toml(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("completion", "bash", cwd=tmp_path)
    assert result.code == 0 and "_shtab_grove_schema" in result.out


@pytest.mark.parametrize("argv", [["inspect", "post"], ["explain", "drop-colum-dependency"]])
def test_the_readme_shows_the_real_answer(run_cli: RunCli, argv: list[str]) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    result = run_cli(*argv, cwd=REPO)
    assert f"$ grove-schema {' '.join(argv)}\n{result.err}" in readme


def test_hooks_page_pins_the_release_tag_of_this_version() -> None:
    """docs/hooks.md's `rev:` is the tag of the version pyproject.toml declares; where the clone has
    tags, that tag exists and is annotated."""
    import tomllib

    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    page = (REPO / "docs" / "hooks.md").read_text(encoding="utf-8")
    revs = [line.split("rev:", 1)[1].strip() for line in page.splitlines() if line.strip().startswith("rev:")]
    assert revs == [f"v{version}"]
    listed = subprocess.run(["git", "tag", "-l"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0 or not listed.stdout.strip():
        pytest.skip("this checkout has no tags (a shallow or tag-less clone)")
    kind = subprocess.run(["git", "cat-file", "-t", f"refs/tags/{revs[0]}"], cwd=REPO, capture_output=True, text=True)
    assert kind.stdout.strip() == "tag", f"{revs[0]} is not an annotated tag of this repository"
