"""`grove-schema diagram`: Graphviz pictures of where tables live, or where the map puts them.

A renderer at the edge (it imports graphviz); the placement it draws comes from the replay and
the ownership map. DOT output is deterministic: every node and edge is added in sorted order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from grove_schema.model import Column, Provenance, Table, VirtualTable, key

if TYPE_CHECKING:
    import graphviz

    from grove_schema.config import ProjectConfig
    from grove_schema.ownership import OwnershipMap
    from grove_schema.project import ProjectReplay

# One colour per database, in the map's order (default database first): border, fill.
PALETTE = (
    ("#1f6feb", "#dbe9ff"),  # blue
    ("#8250df", "#efe3ff"),  # purple
    ("#1a7f37", "#dcf5e3"),  # green
    ("#bf8700", "#fff3c4"),  # amber
    ("#cf222e", "#ffe1e1"),  # (reserved past four databases)
    ("#0a7480", "#d8f4f7"),
)
RETIRED_FILL = "#d0d7de"
RETIRED_FONT = "#6e7781"
CROSSING = "#d1242f"
EDGE = "#57606a"

# Chosen by rendering the 125-table corpus and looking at it (tests/test_diagram.py measures it):
# left-to-right ranks keep the tenants hub at one side; edges are never merged (concentrate would
# join ~30 keys into one junction, hiding which table points where); the hub's leaf children are
# staggered over several ranks (`_staggered`) and tables without keys laid out in square blocks
# (`_grid_isolated`), so the picture is about as wide as it is tall; small separations keep
# clusters compact enough to read at 100 %.
GRAPH_ATTRIBUTES = {
    "rankdir": "LR",
    "newrank": "true",
    "splines": "spline",
    "nodesep": "0.12",
    "ranksep": "0.9",
    "fontname": "Helvetica",
    "fontsize": "12",
    "labelloc": "t",
}


@dataclass(frozen=True)
class PlacedTable:
    cluster: str  # the database whose box the table is drawn in
    stream: str  # the stream whose model describes it
    table: Table
    owner: str | None
    retired: bool


def colours(config: ProjectConfig) -> dict[str, tuple[str, str]]:
    from grove_schema.project import database_order

    return {db: PALETTE[i % len(PALETTE)] for i, db in enumerate(database_order(config))}


def place_tables(outcome: ProjectReplay, ownership: OwnershipMap, after_split: bool) -> list[PlacedTable]:
    """Where each table is drawn: the stream it lives in now, or (after the split) its owner,
    retired tables dropped."""
    placed: dict[tuple[str, str], PlacedTable] = {}
    for stream_key, stream in outcome.streams.items():
        tables = dict(stream.schema.tables)
        tables.update({k: _as_table(v) for k, v in stream.schema.virtual_tables.items()})
        for table_key, table in tables.items():
            owner = ownership.owner_of(table.name)
            retired = ownership.is_retired(table.name)
            if not after_split:
                placed[(stream_key, table_key)] = PlacedTable(stream_key, stream_key, table, owner, retired)
                continue
            if retired or owner is None:
                continue
            current = placed.get((owner, table_key))
            if current is None or stream_key == owner:  # the owner's own copy wins in the transition
                placed[(owner, table_key)] = PlacedTable(owner, stream_key, table, owner, retired)
    return [placed[k] for k in sorted(placed)]


def _as_table(vtable: VirtualTable) -> Table:
    """A virtual table drawn like a table: its declared columns, no keys."""
    provenance: Provenance = vtable.provenance
    columns = tuple(Column(name=name, type=vtable.module, provenance=provenance) for name in vtable.column_names)
    return Table(name=vtable.name, columns=columns, provenance=provenance)


def build_diagram(
    config: ProjectConfig,
    outcome: ProjectReplay,
    *,
    databases: Sequence[str] = (),
    after_split: bool = False,
    columns: bool = False,
) -> graphviz.Digraph:
    import graphviz

    from grove_schema.ownership import OwnershipMap
    from grove_schema.project import database_order

    ownership = OwnershipMap(config)
    palette = colours(config)
    shown = set(databases) if databases else set(config.databases)
    placed = [p for p in place_tables(outcome, ownership, after_split) if p.cluster in shown]
    retired_columns = ownership.retired_columns
    title = "after the split" if after_split else "where tables live now"
    graph = graphviz.Digraph("grove_schema", graph_attr={**GRAPH_ATTRIBUTES, "label": f"D1 databases: {title}"})
    graph.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10", margin="0.06,0.03")
    graph.attr("edge", color=EDGE, arrowsize="0.6", penwidth="0.8", fontname="Helvetica", fontsize="8")

    node_of: dict[tuple[str, str], str] = {}
    for placement in placed:
        node_of[(placement.cluster, key(placement.table.name))] = f"{placement.cluster}.{key(placement.table.name)}"

    for database in database_order(config):
        if database not in shown:
            continue
        members = [p for p in placed if p.cluster == database]
        border, _fill = palette[database]
        db = config.databases[database]
        label = f"{db.name} ({db.binding or database}) - {len(members)} tables"
        with _titled(graph, f"cluster_{database}", label, border, "12", penwidth="2", style="rounded") as cluster:
            # Tables that leave (a pending move, a planned drop) are boxed together inside the
            # database they live in, so the picture shows each phase of the split as one block.
            groups: dict[str, list[PlacedTable]] = {}
            for placement in members:
                groups.setdefault(_group_of(placement, database), []).append(placement)
            for group in sorted(groups, key=lambda g: (g != "", g)):
                if group:
                    owner_colour = palette.get(group, (RETIRED_FONT, RETIRED_FILL))[0]
                    heading = (
                        "retired: planned drop" if group == "retired" else f"moving to {config.databases[group].name}"
                    )
                    with _titled(
                        cluster,
                        f"cluster_{database}_{group}",
                        f"{heading} ({len(groups[group])})",
                        owner_colour,
                        "11",
                        style="rounded,dashed",
                        penwidth="1.5",
                    ) as box:
                        for placement in groups[group]:
                            box.node(
                                node_of[(database, key(placement.table.name))],
                                **_node_attributes(placement, palette, retired_columns, columns),
                            )
                    continue
                for placement in groups[group]:
                    cluster.node(
                        node_of[(database, key(placement.table.name))],
                        **_node_attributes(placement, palette, retired_columns, columns),
                    )

    _grid_isolated(graph, placed, node_of, ownership, tall=columns)
    edges: list[tuple[str, str, dict[str, str]]] = []
    for placement in placed:
        child = node_of[(placement.cluster, key(placement.table.name))]
        for fk in sorted(placement.table.foreign_keys, key=lambda f: (key(f.ref_table), f.columns)):
            parent_key = key(fk.ref_table)
            parent_owner = ownership.owner_of(fk.ref_table)
            same = node_of.get((placement.cluster, parent_key))
            what = f"{placement.table.name}({', '.join(fk.columns)}) -> {fk.ref_table}"
            if same is not None and (after_split or parent_owner == placement.owner or parent_owner is None):
                edges.append((child, same, {"tooltip": what}))
                continue
            target = same or _node_elsewhere(node_of, parent_key)
            if target is None:
                continue  # the parent is not drawn (filtered out by --database)
            # No edge label: on a picture of this size labels overprint the boxes and the titles.
            # The line's style tells a lost ON DELETE action (dashed) from a plain cut (dotted);
            # the SVG's tooltip on each line names the key and the action.
            lost = fk.on_delete != "NO ACTION"
            cut = f"ON DELETE {fk.on_delete} lost" if lost else "cut: the databases differ"
            edges.append(
                (
                    child,
                    target,
                    {
                        "color": CROSSING,
                        "style": "dashed" if lost else "dotted",
                        "penwidth": "1.4" if lost else "1.2",
                        "tooltip": f"{what}: {cut}",
                    },
                )
            )
    for child, parent, attributes in _staggered(edges, RANK_WIDTH_WITH_COLUMNS if columns else RANK_WIDTH):
        graph.edge(child, parent, **attributes)
    _legend(graph, config, palette, shown)
    return graph


TITLE_SUFFIX = ".__title"  # a title's node: the box's name and this
HEADING_SUFFIX = "_title"  # the borderless box inside each titled one that holds its title
CONTENT_SUFFIX = "_tables"  # and the one that holds its tables


@contextmanager
def _titled(
    parent: graphviz.Digraph, name: str, title: str, colour: str, size: str, **attributes: str
) -> Iterator[graphviz.Digraph]:
    """A box (a cluster named `name`) with its title on top, yielding the box its tables go in.

    The title is a node, not the cluster's label: Graphviz routes edges around nodes but draws
    them straight over cluster labels, so a key leaving a box near its top crossed the title. The
    title and the tables each sit in a borderless box of their own, the title's first: Graphviz
    keeps a box's members together and, in the measured layouts, puts the first box on top (a lone
    title node landed between two rows of tables, or at the bottom)."""
    with parent.subgraph(name=name) as box:
        box.attr(label="", color=colour, peripheries="1", margin="8", **attributes)
        with box.subgraph(name=f"{name}{HEADING_SUFFIX}") as heading:
            heading.attr(label="", peripheries="0", margin="0")
            heading.node(f"{name}{TITLE_SUFFIX}", title, shape="plaintext", style="", fontcolor=colour, fontsize=size)
        with box.subgraph(name=f"{name}{CONTENT_SUFFIX}") as content:
            content.attr(label="", peripheries="0", margin="0")
            yield content


GRID_WIDTH = 4  # isolated tables per row, at least
GRID_TALL = 4  # with --columns: rows this many times as long
RANK_WIDTH = 5  # at most this many leaf tables of one parent in one rank (a column, left to right)
RANK_WIDTH_WITH_COLUMNS = 2  # the same with --columns: a box lists its columns, several times as tall as wide


def _staggered(edges: list[tuple[str, str, dict[str, str]]], rank_width: int) -> list[tuple[str, str, dict[str, str]]]:
    """Edges with `minlen` staggered, as Graphviz's `unflatten -l` does: the tables whose only key
    points at one hub (the ~70 children of tenants) would all share one rank, a strip thousands of
    pixels long; spread over several ranks, `rank_width` to a rank, they make a block."""
    degree: dict[str, int] = {}
    for child, parent, _attributes in edges:
        degree[child] = degree.get(child, 0) + 1
        degree[parent] = degree.get(parent, 0) + 1
    leaves: dict[str, list[int]] = {}  # parent -> the indexes of the edges from its leaf children
    for index, (child, parent, _attributes) in enumerate(edges):
        if degree[child] == 1 and child != parent:
            leaves.setdefault(parent, []).append(index)
    result = list(edges)
    for indexes in leaves.values():
        ranks = -(-len(indexes) // rank_width)  # ceiling
        if ranks < 2:
            continue
        for position, index in enumerate(sorted(indexes, key=lambda i: edges[i][0])):
            child, parent, attributes = result[index]
            result[index] = (child, parent, {**attributes, "minlen": str(1 + position % ranks)})
    return result


def _grid_isolated(
    graph: graphviz.Digraph,
    placed: list[PlacedTable],
    node_of: dict[tuple[str, str], str],
    ownership: OwnershipMap,
    *,
    tall: bool = False,
) -> None:
    """Tables with no drawn foreign key would all sit in one rank, a column 100 boxes tall; invisible
    edges chain them into rows (at least GRID_WIDTH long) so a big database stays a compact block."""
    linked: set[str] = set()
    for placement in placed:
        for fk in placement.table.foreign_keys:
            parent = node_of.get((placement.cluster, key(fk.ref_table))) or _node_elsewhere(node_of, key(fk.ref_table))
            if parent is not None:
                linked.add(parent)
                linked.add(node_of[(placement.cluster, key(placement.table.name))])
    groups: dict[tuple[str, str], list[str]] = {}
    for placement in placed:
        node = node_of[(placement.cluster, key(placement.table.name))]
        if node not in linked:
            groups.setdefault((placement.cluster, _group_of(placement, placement.cluster)), []).append(node)
    for group in sorted(groups):
        nodes = sorted(groups[group])
        # A square block; with --columns each box is taller than wide, so the rows are longer.
        width = max(GRID_WIDTH, math.ceil(math.sqrt(len(nodes) * (GRID_TALL if tall else 1))))
        for start in range(0, len(nodes), width):
            row = nodes[start : start + width]
            for left, right in itertools.pairwise(row):
                graph.edge(left, right, style="invis")


def _group_of(placement: PlacedTable, database: str) -> str:
    """ "" for tables that stay, "retired", or the key of the database a table moves to."""
    if placement.retired:
        return "retired"
    if placement.owner is not None and placement.owner != database:
        return placement.owner
    return ""


def _node_elsewhere(node_of: dict[tuple[str, str], str], table_key: str) -> str | None:
    for (_cluster, candidate), node in sorted(node_of.items()):
        if candidate == table_key:
            return node
    return None


def _node_attributes(
    placement: PlacedTable,
    palette: dict[str, tuple[str, str]],
    retired_columns: Iterable[tuple[str, str]],
    columns: bool,
) -> dict[str, str]:
    table = placement.table
    if placement.retired:
        fill, font, border = RETIRED_FILL, RETIRED_FONT, RETIRED_FONT
    else:
        border, fill = palette.get(placement.owner or "", ("#000000", "#ffffff"))
        font = "#1f2328"
    attributes = {"fillcolor": fill, "color": border, "fontcolor": font}
    if placement.retired:
        attributes["style"] = "rounded,filled,dashed"
        attributes["tooltip"] = f"{table.name}: retired"
    if not columns:
        attributes["label"] = table.name
        return attributes
    retired = {column for (table_key, column) in retired_columns if table_key == key(table.name)}
    fk_columns = {key(c) for fk in table.foreign_keys for c in fk.columns}
    rows = [f'<TR><TD ALIGN="LEFT"><B>{escape(table.name)}</B></TD></TR>']
    for column in table.columns:
        marks = []
        if column.primary_key:
            marks.append("PK")
        if key(column.name) in fk_columns:
            marks.append("FK")
        text = f'{escape(column.name)} <FONT POINT-SIZE="8">{escape(column.type)}'
        text += f" {' '.join(marks)}</FONT>" if marks else "</FONT>"
        if key(column.name) in retired:
            text = f'<FONT COLOR="{RETIRED_FONT}"><S>{text}</S></FONT>'
        rows.append(f'<TR><TD ALIGN="LEFT">{text}</TD></TR>')
    attributes["label"] = "<" + '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">' + "".join(rows) + "</TABLE>>"
    attributes["shape"] = "box"
    return attributes


def _legend(
    graph: graphviz.Digraph, config: ProjectConfig, palette: dict[str, tuple[str, str]], shown: set[str]
) -> None:
    from grove_schema.project import database_order

    rows = ['<TR><TD COLSPAN="2"><B>Legend</B></TD></TR>']
    for database in database_order(config):
        if database not in shown:
            continue
        border, fill = palette[database]
        name = escape(config.databases[database].name)
        swatch = f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{border}">    </TD>'
        rows.append(f'<TR>{swatch}<TD ALIGN="LEFT">owned by {name}</TD></TR>')
    swatch = f'<TD BGCOLOR="{RETIRED_FILL}" BORDER="1">    </TD>'
    rows.append(f'<TR>{swatch}<TD ALIGN="LEFT">retired (planned drop)</TD></TR>')
    rows.append(
        f'<TR><TD><FONT COLOR="{CROSSING}">- - &gt;</FONT></TD>'
        '<TD ALIGN="LEFT">foreign key the split cuts: its ON DELETE action is lost (SVG: hover for the key)</TD></TR>'
    )
    rows.append(
        f'<TR><TD><FONT COLOR="{CROSSING}">· · &gt;</FONT></TD>'
        '<TD ALIGN="LEFT">foreign key the split cuts, no action lost</TD></TR>'
    )
    rows.append('<TR><TD>---&gt;</TD><TD ALIGN="LEFT">foreign key, child to parent</TD></TR>')
    label = "<" + '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">' + "".join(rows) + "</TABLE>>"
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="", color="#d0d7de", style="rounded")
        legend.node("legend", label=label, shape="plaintext", style="")


def dot_source(diagram: graphviz.Digraph) -> str:
    return str(diagram.source)


def render_bytes(diagram: graphviz.Digraph, output_format: str) -> bytes:
    """SVG or PNG bytes through Graphviz's `dot`; raises graphviz.ExecutableNotFound without it."""
    return bytes(diagram.pipe(format=output_format))
