"""The docs' examples run as written: every ```python block of docs/api.md."""

from __future__ import annotations

import re

import pytest

from .conftest import REPO

API = REPO / "docs" / "api.md"
BLOCKS = re.findall(r"```python\n(.*?)```", API.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_api_page_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_api_example_runs(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    exec(compile(BLOCKS[index], f"docs/api.md[{index}]", "exec"), {"__name__": f"api_example_{index}"})
