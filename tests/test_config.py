from pathlib import Path

import pytest

from grove_schema.config import find_config, load_config
from grove_schema.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ownership.toml"
    path.write_text(text)
    return path


def test_repository_config_points_at_the_bundled_example() -> None:
    config = load_config(REPO / "ownership.toml")
    engine = config.databases["engine"]
    assert config.default_database == "engine"
    assert engine.name == "grove-engine-db" and engine.binding == "DB"
    assert engine.migrations_dir == REPO / "examples" / "grove" / "libs" / "engine" / "migrations"
    assert engine.grandfathered_collisions == (31, 32, 56)


def test_root_override_replaces_project_root(tmp_path: Path) -> None:
    config = load_config(REPO / "ownership.toml", root_override=tmp_path)
    assert config.databases["engine"].migrations_dir == tmp_path / "libs" / "engine" / "migrations"


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[project]\nroot = \n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 2 and "malformed TOML" in str(caught.value)


def test_unknown_key_names_the_key_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[databases.engine]\nname = "x"\nmigrations = "m"\nmigratoins_dir = "typo"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "databases.engine.migratoins_dir" in str(caught.value)
    assert caught.value.line == 4


def test_missing_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[databases.engine]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"databases\.engine\.migrations"):
        load_config(path)


def test_default_database_must_be_configured(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\ndefault_database = "nope"\n[databases.engine]\nname = "x"\nmigrations = "m"\n')
    with pytest.raises(ConfigError, match="unknown database 'nope'") as caught:
        load_config(path)
    assert caught.value.line == 2


def test_file_pattern_needs_a_number_group(tmp_path: Path) -> None:
    path = write(tmp_path, '[databases.engine]\nname = "x"\nmigrations = "m"\nfile_pattern = "V.*"\n')
    with pytest.raises(ConfigError, match="number"):
        load_config(path)


def test_find_config_walks_up(tmp_path: Path) -> None:
    path = write(tmp_path, '[databases.engine]\nname = "x"\nmigrations = "m"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested) == path
