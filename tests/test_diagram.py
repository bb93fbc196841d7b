"""`grove-schema diagram`: structure, not pixels; and the docs' diagrams never drift."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grove_schema.diagram import CONTENT_SUFFIX, CROSSING, HEADING_SUFFIX, PALETTE, RETIRED_FILL, TITLE_SUFFIX

from .conftest import REPO

DOCS = REPO / "docs" / "diagrams"


def clusters(dot: str) -> list[str]:
    """The boxes drawn: each database, group and the legend (not the borderless boxes inside a
    titled one that hold its title and its tables)."""
    return drawn_boxes(re.findall(r"subgraph (cluster_\w+) \{", dot))


def drawn_boxes(names: list[str]) -> list[str]:
    return [name for name in names if not name.endswith((HEADING_SUFFIX, CONTENT_SUFFIX))]


def edges(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if " -> " in line and "style=invis" not in line]


@pytest.mark.parametrize(("name", "flags"), [("grove-before", []), ("grove-after", ["--after-split"])])
def test_docs_diagrams_are_what_the_tool_renders_now(run_cli, name: str, flags: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("diagram", *flags, cwd=REPO)
    assert result.code == 0, result.err
    committed = (DOCS / f"{name}.dot").read_text(encoding="utf-8")
    assert result.out == committed, f"docs/diagrams/{name}.dot drifted: regenerate it with grove-schema diagram"
    assert (DOCS / f"{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_example_before_split(run_cli) -> None:  # type: ignore[no-untyped-def]
    dot = run_cli("diagram", cwd=REPO).out
    assert clusters(dot) == [
        "cluster_engine",
        "cluster_engine_curios",
        "cluster_engine_obs",
        "cluster_engine_retired",
        "cluster_curios",
        "cluster_obs",
        "cluster_pantry",
        "cluster_legend",
    ]
    assert 'label="grove-engine-db (DB) - 66 tables"' in dot
    assert 'label="moving to grove-curios-db (18)"' in dot
    red = [e for e in edges(dot) if CROSSING in e]
    assert len(red) == 18 and all("ON DELETE CASCADE lost" in e for e in red)
    assert dot.count(f'fillcolor="{RETIRED_FILL}"') == 9
    curios_fill = PALETTE[1][1]
    assert re.search(rf'"engine\.gallery_images" \[label=gallery_images color="[^"]+" fillcolor="{curios_fill}"', dot)


@pytest.mark.corpus
def test_corpus_renders_with_every_table_cluster_and_cut(run_cli, corpus_root: Path) -> None:  # type: ignore[no-untyped-def]
    now = run_cli("--root", str(corpus_root), "diagram", cwd=REPO).out
    assert 'label="grove-engine-db (DB) - 125 tables"' in now
    assert 'label="moving to grove-curios-db (45)"' in now
    assert 'label="moving to grove-observability-db (10)"' in now
    assert 'label="retired: planned drop (9)"' in now
    table_nodes = re.findall(r'^\t+"engine\.(\w+)" \[', now, flags=re.MULTILINE)
    assert len(table_nodes) == 125
    red = [e for e in edges(now) if CROSSING in e]
    assert len(red) == 42
    after = run_cli("--root", str(corpus_root), "diagram", "--after-split", cwd=REPO).out
    assert 'label="grove-engine-db (DB) - 61 tables"' in after
    assert 'label="grove-curios-db (CURIO_DB) - 45 tables"' in after
    assert 'label="grove-observability-db (OBS_DB) - 10 tables"' in after
    assert len([e for e in edges(after) if CROSSING in e]) == 42
    assert RETIRED_FILL not in after.split("cluster_legend")[0]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
@pytest.mark.corpus
def test_corpus_svg_renders(run_cli, corpus_root: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "corpus.svg"
    result = run_cli("--root", str(corpus_root), "diagram", "-o", str(target), cwd=REPO)
    assert result.code == 0, result.err
    svg = target.read_text(encoding="utf-8")
    drawn = drawn_boxes(re.findall(r"<title>(cluster_\w+)</title>", svg))
    assert len(drawn) == 8 and "tenants" in svg


def test_missing_dot_still_writes_dot(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import graphviz

    def missing(*_args: object, **_kwargs: object) -> bytes:
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr("grove_schema.diagram.render_bytes", missing)
    result = run_cli("diagram", "-o", str(tmp_path / "out.svg"), cwd=REPO)
    assert result.code == 2
    assert "Graphviz's `dot` is not installed" in result.err and "apt-get install graphviz" in result.err
    assert (tmp_path / "out.dot").read_text(encoding="utf-8").startswith("digraph grove_schema {")
    assert not (tmp_path / "out.svg").exists()


def test_columns_and_database_filter(run_cli) -> None:  # type: ignore[no-untyped-def]
    dot = run_cli("diagram", "--columns", "--database", "engine", cwd=REPO).out
    assert clusters(dot) == [
        "cluster_engine",
        "cluster_engine_curios",
        "cluster_engine_obs",
        "cluster_engine_retired",
        "cluster_legend",
    ]
    assert "<S>lemonsqueezy_customer_id" in dot  # a retired column, struck through
    assert 'tenant_id <FONT POINT-SIZE="8">TEXT FK</FONT>' in dot
    assert run_cli("diagram", "--database", "nope", cwd=REPO).code == 2


def test_dot_is_deterministic(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("diagram", cwd=REPO).out == run_cli("diagram", cwd=REPO).out


# -- legibility: measured on Graphviz's own layout (`dot -Tjson` gives every box) --------------------

Box = tuple[float, float, float, float]  # left, bottom, right, top, in points


def _layout(dot: str) -> dict[str, object]:
    import json
    import subprocess

    completed = subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True, check=True, timeout=120)
    layout: dict[str, object] = json.loads(completed.stdout)
    return layout


def _centred(x: float, y: float, width: float, height: float) -> Box:
    return (x - width / 2, y - height / 2, x + width / 2, y + height / 2)


def _point(text: str) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return float(x), float(y)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _title_boxes(layout: dict[str, object]) -> dict[str, Box]:
    """Every box's title: a cluster's label, or the node that stands for it (`*.__title`)."""
    titles = {}
    for item in layout.get("objects", []):  # type: ignore[attr-defined]
        name = str(item.get("name", ""))
        if name.startswith("cluster") and item.get("lp") and item.get("label"):
            x, y = _point(item["lp"])
            titles[name] = _centred(x, y, float(item["lwidth"]) * 72, float(item["lheight"]) * 72)
        elif name.endswith(TITLE_SUFFIX) and "pos" in item:
            x, y = _point(item["pos"])
            titles[name] = _centred(x, y, float(item["width"]) * 72, float(item["height"]) * 72)
    return titles


def _label_boxes(layout: dict[str, object]) -> list[tuple[str, Box]]:
    """Every table box, and every edge label (head, tail or middle) Graphviz placed."""
    boxes = []
    for item in layout.get("objects", []):  # type: ignore[attr-defined]
        name = str(item.get("name", ""))
        if "pos" in item and not name.startswith("cluster"):
            x, y = _point(item["pos"])
            boxes.append((name, _centred(x, y, float(item["width"]) * 72, float(item["height"]) * 72)))
    for edge in layout.get("edges", []):  # type: ignore[attr-defined]
        for where, drawn in (("lp", "_ldraw_"), ("head_lp", "_hldraw_"), ("tail_lp", "_tldraw_")):
            if where not in edge:
                continue
            x, y = _point(edge[where])
            text = next(op for op in edge[drawn] if op["op"] == "T")
            size = next(op["size"] for op in edge[drawn] if op["op"] == "F")
            boxes.append((f"edge label {text['text']!r}", _centred(x, y, float(text["width"]), float(size))))
    return boxes


def _bezier(points: list[tuple[float, float]], t: float) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    u = 1 - t
    return (
        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
    )


def _edge_points(layout: dict[str, object], samples: int = 24) -> list[tuple[str, tuple[float, float]]]:
    """Points along every drawn edge's line (its cubic Bezier pieces, `samples` steps each)."""
    names = {item["_gvid"]: item["name"] for item in layout.get("objects", [])}  # type: ignore[attr-defined]
    points = []
    for edge in layout.get("edges", []):  # type: ignore[attr-defined]
        if edge.get("style") == "invis":
            continue
        name = f"{names[edge['tail']]} -> {names[edge['head']]}"
        for op in edge.get("_draw_", []):
            if op["op"] not in ("b", "B"):
                continue
            controls = [(float(x), float(y)) for x, y in op["points"]]
            for start in range(0, len(controls) - 3, 3):
                piece = controls[start : start + 4]
                points += [(name, _bezier(piece, step / samples)) for step in range(samples + 1)]
    return points


def _inside(point: tuple[float, float], box: Box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def edges_over_titles(layout: dict[str, object]) -> list[tuple[str, str]]:
    """(edge, title) for every edge whose line passes over a box's title."""
    titles = _title_boxes(layout)
    return sorted(
        {(edge, title) for edge, point in _edge_points(layout) for title, box in titles.items() if _inside(point, box)}
    )


def assert_legible(dot: str) -> float:
    """The picture is neither a tall column nor a long strip, and no table, edge label or edge's
    line sits on a database's or group's title. Returns the aspect ratio (width / height)."""
    assert "concentrate" not in dot.split("\n", 2)[1]  # merged edges hide which table points where
    layout = _layout(dot)
    left, bottom, right, top = (float(v) for v in str(layout["bb"]).split(","))
    ratio = (right - left) / (top - bottom)
    assert 0.5 <= ratio <= 2.0, f"aspect ratio {ratio:.2f} ({right - left:.0f} x {top - bottom:.0f} points)"
    titles = _title_boxes(layout)
    assert titles, "no cluster titles found in the layout"
    covered = [
        (label, cluster)
        for label, box in _label_boxes(layout)
        for cluster, title in titles.items()
        if label != cluster and _overlaps(box, title)
    ]
    assert covered == []
    assert edges_over_titles(layout) == []
    return ratio


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
@pytest.mark.corpus
@pytest.mark.parametrize("flags", [[], ["--after-split"]])
def test_corpus_diagram_is_legible(run_cli, corpus_root: Path, flags: list[str]) -> None:  # type: ignore[no-untyped-def]
    dot = run_cli("--root", str(corpus_root), "diagram", *flags, cwd=REPO).out
    assert_legible(dot)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("flags", [[], ["--after-split"], ["--columns"]])
def test_example_diagram_is_legible(run_cli, flags: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert_legible(run_cli("diagram", *flags, cwd=REPO).out)


def test_the_overlap_check_sees_a_label_on_a_title() -> None:
    """The check itself can fail: an edge label drawn on a cluster's title is found."""
    dot = (
        'digraph g {\n\tgraph [rankdir=LR]\n\tsubgraph cluster_a { label="a long database title here"; x; y }\n'
        '\tx -> y [label="a label"]\n}\n'
    )
    layout = _layout(dot)
    title = next(iter(_title_boxes(layout).values()))
    edge_label = next(box for name, box in _label_boxes(layout) if name.startswith("edge label"))
    assert not _overlaps(edge_label, title)
    moved = (edge_label[0], title[1], edge_label[2], title[3])
    assert _overlaps(moved, title)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_the_crossing_check_sees_an_edge_over_a_cluster_label() -> None:
    """The check itself can fail: an edge entering a cluster from above goes through its label
    (Graphviz does not route around a cluster's label); with the title as a node it goes around."""
    crossing = 'digraph g {\n\tsubgraph cluster_a { label="the database title"; y }\n\tx -> y\n}\n'
    assert edges_over_titles(_layout(crossing)) == [("x -> y", "cluster_a")]
    titled = (
        'digraph g {\n\tsubgraph cluster_a { label=""; "cluster_a.__title" [label="the database title" '
        "shape=plaintext]; y }\n\tx -> y\n}\n"
    )
    assert edges_over_titles(_layout(titled)) == []


def test_the_hub_children_are_staggered_over_ranks(run_cli) -> None:  # type: ignore[no-untyped-def]
    dot = run_cli("diagram", cwd=REPO).out
    ranks = re.findall(r'-> "engine\.tenants" \[[^\]]*minlen=(\d)', dot)
    assert len(set(ranks)) > 1  # tenants' leaf children are spread, not stacked in one rank


@pytest.mark.parametrize("flags", [[], ["--after-split"]], ids=["before", "after-split"])
def test_dot_is_the_same_in_processes_with_different_hash_seeds(flags: list[str]) -> None:
    """One process cannot show that set or dict order never leaks into the output: string hashes
    are salted per process (PYTHONHASHSEED), so two processes with different seeds must agree."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2", "12345"):
        environment = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "grove_schema.cli", "diagram", *flags],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]
