"""The creation order (parents first, cycles together, alphabetical where free) is networkx's."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from grove_schema.sql.ddl import creation_order

NAMES = [f"t{i:02d}" for i in range(14)]


def networkx_order(names: list[str], edges: list[tuple[str, str]]) -> list[str]:
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(names))
    graph.add_edges_from(edges)
    condensed = nx.condensation(graph)
    groups: dict[int, list[str]] = {}
    for name, group in condensed.graph["mapping"].items():
        groups.setdefault(group, []).append(name)
    ordered: list[str] = []
    for group in nx.lexicographical_topological_sort(condensed, key=lambda g: min(groups[g])):
        ordered.extend(sorted(groups[group]))
    return ordered


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=1, max_value=len(NAMES)).flatmap(
        lambda n: st.tuples(
            st.just(NAMES[:n]),
            st.lists(st.tuples(st.sampled_from(NAMES[:n]), st.sampled_from(NAMES[:n])), max_size=3 * n),
        )
    )
)
def test_the_order_is_networkx_order(case: tuple[list[str], list[tuple[str, str]]]) -> None:
    names, edges = case
    assert creation_order(sorted(names), edges) == networkx_order(names, edges)


def test_a_long_chain_needs_no_recursion() -> None:
    names = [f"t{i:05d}" for i in range(5000)]
    edges = [(names[i + 1], names[i]) for i in range(len(names) - 1)]  # each points at the one before
    assert creation_order(names, edges) == list(reversed(names))


def test_a_cycle_comes_together_alphabetically() -> None:
    assert creation_order(["a", "b", "c", "d"], [("d", "b"), ("b", "c"), ("c", "b"), ("c", "a")]) == [
        "d",
        "b",
        "c",
        "a",
    ]
