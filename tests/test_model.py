"""model: names compared as SQLite compares them, immutable objects, snapshots, lookups, affinity."""

from __future__ import annotations

import dataclasses

import apsw
import pytest
from pydantic import ValidationError

from grove_schema.model import (
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    IndexMap,
    PrimaryKey,
    Provenance,
    Schema,
    SourceRef,
    Table,
    Trigger,
    View,
    VirtualTable,
    affinity,
    key,
)

from .replaying import replay_files

HERE = Provenance(created=SourceRef(path="/virtual/001_m.sql", line=1))


def column(name: str, type_: str = "", primary_key: int = 0) -> Column:
    return Column(name=name, type=type_, primary_key=primary_key, provenance=HERE)


def table(name: str, *columns: Column, **fields: object) -> Table:
    return Table.model_validate({"name": name, "columns": columns, "provenance": HERE, **fields})


# --- key(): SQLite folds ASCII letters only ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Users", "users"),
        ("USER_ROLES", "user_roles"),
        ("already_lower", "already_lower"),
        ("ÉCOLE", "École"),  # the ASCII letters fold, É does not
        ("Straße", "straße"),
        ("\u212a", "\u212a"),  # KELVIN SIGN: Python's lower() would give "k"
        ("İx", "İx"),  # Python's lower() would give "i̇x" (two code points)
        ("ΑΒΓ", "ΑΒΓ"),
        ("", ""),
    ],
)
def test_key_folds_ascii_letters_only(name: str, expected: str) -> None:
    assert key(name) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Users", "USERS"),
        ("ÉCOLE", "École"),
        ("École", "école"),
        ("\u212a", "k"),
        ("İ", "i"),
        ("straße", "STRASSE"),
    ],
)
def test_key_agrees_with_sqlite_on_which_names_collide(first: str, second: str) -> None:
    connection = apsw.Connection(":memory:")
    try:
        connection.execute(f'CREATE TABLE "{first}" (x)')
        try:
            connection.execute(f'CREATE TABLE "{second}" (x)')
            sqlite_says_same = False
        except apsw.SQLError as error:
            assert "already exists" in str(error)
            sqlite_says_same = True
    finally:
        connection.close()
    assert (key(first) == key(second)) is sqlite_says_same


# --- immutable objects, snapshots ------------------------------------------------------------


def test_objects_are_frozen_and_refuse_unknown_fields() -> None:
    users = table("users", column("id", "INTEGER", 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        users.name = "people"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Column(name="x", provenance=HERE, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="no field colour"):
        users.columns[0].model_copy(update={"colour": "red"})
    with pytest.raises(ValidationError):
        Column.model_validate({"name": "x", "provenance": HERE, "colour": "red"})
    with pytest.raises(ValidationError):
        Column.model_validate({"name": "x"})  # provenance is required


def test_snapshot_is_independent_of_later_changes() -> None:
    schema = Schema()
    users = table("users", column("id", "INTEGER", 1))
    schema.tables["users"] = users
    schema.indexes["i"] = Index(name="i", table="users", columns=(IndexColumn(name="id"),), provenance=HERE)
    schema.views["v"] = View(name="v", select="SELECT id FROM users", provenance=HERE)
    schema.triggers["g"] = Trigger(name="g", table="users", timing="AFTER", event="INSERT", provenance=HERE)
    schema.virtual_tables["f"] = VirtualTable(name="f", module="fts5", arguments=("body",), provenance=HERE)

    snapshot = schema.snapshot()
    assert snapshot == schema and isinstance(snapshot, Schema)
    assert snapshot.tables["users"] is users  # objects are shared: they are immutable

    schema.tables["posts"] = table("posts", column("id"))
    schema.tables["users"] = users.model_copy(update={"name": "USERS"})
    del schema.indexes["i"]
    schema.views.clear()
    schema.triggers.pop("g")
    schema.virtual_tables["f2"] = VirtualTable(name="f2", module="fts5", provenance=HERE)

    assert set(snapshot.tables) == {"users"} and snapshot.tables["users"].name == "users"
    assert set(snapshot.indexes) == {"i"}
    assert set(snapshot.views) == {"v"}
    assert set(snapshot.triggers) == {"g"}
    assert set(snapshot.virtual_tables) == {"f"}


def test_changing_a_snapshot_leaves_the_original_alone() -> None:
    schema = Schema()
    schema.tables["users"] = table("users", column("id"))
    snapshot = schema.snapshot()
    snapshot.tables.pop("users")
    snapshot.views["v"] = View(name="v", select="SELECT 1", provenance=HERE)
    assert set(schema.tables) == {"users"} and schema.views == {}


def test_model_copy_leaves_the_original_alone() -> None:
    users = table("users", column("id"))
    renamed = users.model_copy(update={"name": "people", "columns": (*users.columns, column("email", "TEXT"))})
    assert users.name == "users" and [c.name for c in users.columns] == ["id"]
    assert renamed.name == "people" and [c.name for c in renamed.columns] == ["id", "email"]


# --- lookups -----------------------------------------------------------------------------------


def test_table_and_column_lookup_ignore_ascii_case() -> None:
    schema = Schema()
    users = table("Users", column("Id", "INTEGER", 1), column("Émail", "TEXT"))
    schema.tables[key(users.name)] = users
    assert schema.table("USERS") is users and schema.table("users") is users
    assert schema.table("posts") is None
    id_column = users.column("ID")
    assert id_column is not None and id_column.name == "Id"  # the spelling that created it
    assert users.column("ÉMAIL") is not None  # the ASCII letters fold
    assert users.column("émail") is None  # É does not fold to é
    assert users.column("Email") is None  # nor is it E


def test_indexes_and_triggers_of_a_table_sorted_by_name() -> None:
    schema = Schema()
    for name, on in (("b_idx", "Users"), ("A_idx", "users"), ("c_idx", "posts")):
        schema.indexes[key(name)] = Index(name=name, table=on, columns=(IndexColumn(name="id"),), provenance=HERE)
    for name, on in (("z", "USERS"), ("y", "posts"), ("X", "users")):
        schema.triggers[key(name)] = Trigger(name=name, table=on, timing="AFTER", event="DELETE", provenance=HERE)
    assert [i.name for i in schema.indexes_of("users")] == ["A_idx", "b_idx"]
    assert [t.name for t in schema.triggers_of("Users")] == ["X", "z"]
    assert schema.indexes_of("nothing") == [] and schema.triggers_of("nothing") == []


def idx(name: str, on: str) -> Index:
    return Index(name=name, table=on, columns=(IndexColumn(name="id"),), provenance=HERE)


def test_the_index_map_follows_every_change_of_a_tables_indexes() -> None:
    schema = Schema()
    assert isinstance(schema.indexes, IndexMap)
    assert schema.indexes_of("users") == []  # the table map is built here, then kept up to date
    schema.indexes["a"] = idx("a", "users")
    schema.indexes["b"] = idx("b", "Users")
    schema.indexes["c"] = idx("c", "posts")
    assert [i.name for i in schema.indexes_of("USERS")] == ["a", "b"]
    schema.indexes["b"] = idx("b", "posts")  # replaced: a rename of its table moves it
    del schema.indexes["a"]
    assert schema.indexes.pop("zzz", None) is None
    assert schema.indexes_of("users") == []
    assert [i.name for i in schema.indexes_of("posts")] == ["b", "c"]
    schema.indexes.pop("c")
    assert [i.name for i in schema.indexes_of("posts")] == ["b"]
    for unsupported in (schema.indexes.update, schema.indexes.clear, schema.indexes.popitem):
        with pytest.raises(TypeError):
            unsupported()


def test_copies_of_the_index_map_are_independent() -> None:
    import copy

    schema = Schema()
    schema.indexes["a"] = idx("a", "users")
    assert schema.indexes_of("users")
    for other in (
        schema.snapshot(),
        schema.model_copy(deep=True),
        copy.deepcopy(schema),
        Schema.model_validate_json(schema.model_dump_json()),
    ):
        assert isinstance(other.indexes, IndexMap)
        other.indexes["b"] = idx("b", "users")
        assert [i.name for i in other.indexes_of("users")] == ["a", "b"]
        assert [i.name for i in schema.indexes_of("users")] == ["a"]
        assert "b" not in schema.indexes
    assert isinstance(Schema(indexes={"a": idx("a", "t")}).indexes, IndexMap)  # validated: wrapped


def _state(schema: Schema) -> dict[str, list[tuple[str, object]]]:
    """Each map's keys and objects, in order: an undo must give back the order too."""
    return {
        name: list(getattr(schema, name).items())
        for name in ("tables", "indexes", "views", "triggers", "virtual_tables")
    }


def _filled() -> Schema:
    schema = Schema()
    for name in ("a", "b", "c"):
        schema.tables[name] = table(name, column("id"))
    schema.indexes["a_idx"] = idx("a_idx", "a")
    schema.indexes["b_idx"] = idx("b_idx", "b")
    return schema


def test_recorded_additions_and_replacements_are_undone_in_place() -> None:
    schema = _filled()
    before = _state(schema)
    assert [i.name for i in schema.indexes_of("a")] == ["a_idx"]  # the table map is built
    schema.record_changes()
    schema.tables["d"] = table("d")
    schema.tables["b"] = table("b", column("id"), column("extra"))  # replaced in place
    schema.indexes["a_idx"] = idx("a_idx", "c")  # moved to another table
    schema.indexes["d_idx"] = idx("d_idx", "d")
    schema.views["v"] = View(name="v", select="SELECT 1", provenance=HERE)
    schema.undo_changes()
    assert _state(schema) == before
    assert [i.name for i in schema.indexes_of("a")] == ["a_idx"] and schema.indexes_of("d") == []
    schema.tables["e"] = table("e")  # recording goes on from the state restored
    schema.undo_changes()
    assert _state(schema) == before


def test_an_undone_removal_puts_the_objects_back_in_their_order() -> None:
    schema = _filled()
    before = _state(schema)
    schema.record_changes()
    schema.tables["z"] = table("z")
    del schema.tables["a"]  # a table rebuilt: dropped, then made again at the end
    schema.tables["a"] = table("a", column("id"), column("new"))
    schema.tables.pop("b")
    schema.indexes.pop("a_idx")
    schema.indexes["a_idx"] = idx("a_idx", "a")
    assert list(schema.tables) == ["c", "z", "a"]
    schema.undo_changes()
    assert _state(schema) == before
    assert list(schema.tables) == ["a", "b", "c"] and list(schema.indexes) == ["a_idx", "b_idx"]


def test_every_way_to_change_a_map_is_recorded() -> None:
    schema = _filled()
    before = _state(schema)
    schema.record_changes()
    schema.tables.update({"x": table("x")}, y=table("y"))
    schema.tables.setdefault("w", table("w"))
    schema.tables |= {"v": table("v")}
    assert schema.tables.popitem()[0] == "v"
    schema.views.clear()
    schema.triggers["t"] = Trigger(name="t", table="a", timing="AFTER", event="DELETE", provenance=HERE)
    schema.virtual_tables["s"] = VirtualTable(name="s", module="fts5", provenance=HERE)
    schema.undo_changes()
    assert _state(schema) == before
    with pytest.raises(KeyError):
        del schema.tables["nothing"]
    schema.tables.clear()
    assert schema.tables == {}
    schema.undo_changes()
    assert _state(schema) == before


def test_before_changes_is_a_copy_of_the_start_and_leaves_the_schema_as_it_is() -> None:
    schema = _filled()
    before = _state(schema)
    schema.record_changes()
    schema.tables.pop("c")
    schema.tables["n"] = table("n")
    changed = _state(schema)
    start = schema.before_changes()
    assert _state(start) == before and _state(schema) == changed
    start.tables["other"] = table("other")  # a copy, recording nothing
    schema.undo_changes()
    assert _state(schema) == before and "other" not in schema.tables
    assert _state(Schema().before_changes()) == _state(Schema())  # nothing recorded: a copy


def test_changes_after_recording_stops_stay() -> None:
    schema = _filled()
    schema.record_changes()
    schema.tables["d"] = table("d")
    schema.stop_recording()
    schema.undo_changes()  # nothing recorded: nothing to undo
    assert list(schema.tables) == ["a", "b", "c", "d"]
    copied = schema.snapshot()
    schema.record_changes()
    schema.tables.pop("a")
    assert copied.tables["a"] == schema.before_changes().tables["a"]
    for other in (copied, copy_of(schema)):
        other.tables["q"] = table("q")  # copies record nothing of their own
        other.undo_changes()
        assert "q" in other.tables


def copy_of(schema: Schema) -> Schema:
    import copy

    return copy.deepcopy(schema)


def test_a_plain_dict_assigned_from_outside_is_recorded_too() -> None:
    schema = _filled()
    schema.tables = {"p": table("p")}
    schema.indexes = {"p_idx": idx("p_idx", "p")}
    schema.record_changes()
    schema.tables["q"] = table("q")
    schema.indexes.pop("p_idx")
    schema.undo_changes()
    assert list(schema.tables) == ["p"] and [i.name for i in schema.indexes_of("p")] == ["p_idx"]


def test_object_kind_and_table_count() -> None:
    schema = Schema()
    schema.tables["t"] = table("T", column("a"))
    schema.virtual_tables["f"] = VirtualTable(name="F", module="fts5", provenance=HERE)
    schema.views["v"] = View(name="V", select="SELECT 1", provenance=HERE)
    schema.indexes["i"] = Index(name="I", table="T", columns=(IndexColumn(name="a"),), provenance=HERE)
    schema.triggers["g"] = Trigger(name="G", table="T", timing="AFTER", event="INSERT", provenance=HERE)
    assert schema.object_kind("t") == "table"
    assert schema.object_kind("F") == "virtual table"
    assert schema.object_kind("V") == "view"
    assert schema.object_kind("i") == "index"
    assert schema.object_kind("g") is None  # triggers have their own namespace
    assert schema.object_kind("missing") is None
    assert schema.table_count == 2  # D1 counts virtual tables, not views or indexes


def test_referencing_foreign_keys_finds_children_case_insensitively() -> None:
    schema = Schema()
    schema.tables["users"] = table("users", column("id", "INTEGER", 1))
    to_users = ForeignKey(columns=("user_id",), ref_table="USERS")
    schema.tables["posts"] = table("posts", column("user_id"), foreign_keys=(to_users,))
    schema.tables["comments"] = table(
        "comments",
        column("author"),
        column("post"),
        foreign_keys=(
            ForeignKey(columns=("post",), ref_table="posts"),
            ForeignKey(columns=("author",), ref_table="users"),
        ),
    )
    found = schema.referencing_foreign_keys("Users")
    assert [(child.name, fk.columns) for child, fk in found] == [("comments", ("author",)), ("posts", ("user_id",))]
    assert schema.referencing_foreign_keys("comments") == []


def test_virtual_table_column_names_leave_out_options() -> None:
    vtable = VirtualTable(
        name="search",
        module="fts5",
        arguments=("title", ' "body" UNINDEXED', "tokenize = 'porter unicode61'", "content=''", "", "prefix='2 3'"),
        provenance=HERE,
    )
    assert vtable.column_names == ("title", "body")


# --- the rowid alias ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "alias"),
    [
        ("CREATE TABLE t (id INTEGER PRIMARY KEY, x)", "id"),
        ("CREATE TABLE t (id integer primary key, x)", "id"),
        ('CREATE TABLE t (id "INTEGER" PRIMARY KEY, x)', "id"),  # a quoted type is dequoted
        ("CREATE TABLE t (id INTEGER, x, PRIMARY KEY (id))", "id"),
        ("CREATE TABLE t (id INTEGER, x, PRIMARY KEY (id DESC))", "id"),  # table-level DESC is an alias
        ("CREATE TABLE t (id INTEGER PRIMARY KEY DESC, x)", None),  # SQLite's documented quirk
        ("CREATE TABLE t (id INT PRIMARY KEY, x)", None),  # INT is not INTEGER
        ("CREATE TABLE t (id BIGINT PRIMARY KEY, x)", None),
        ("CREATE TABLE t (id INTEGER, x, PRIMARY KEY (id, x))", None),
        ("CREATE TABLE t (id INTEGER PRIMARY KEY, x) WITHOUT ROWID", None),
        ("CREATE TABLE t (id TEXT PRIMARY KEY, x)", None),
        ("CREATE TABLE t (id INTEGER, x)", None),
    ],
)
def test_rowid_alias_agrees_with_sqlite(sql: str, alias: str | None) -> None:
    result = replay_files(f"{sql};\n", dev_database=False)
    modelled = result.schema.table("t")
    assert modelled is not None
    assert modelled.rowid_alias == alias

    connection = apsw.Connection(":memory:")
    try:
        connection.execute(sql)
        if "WITHOUT ROWID" in sql:
            assert alias is None
            return
        # An alias of the rowid takes the rowid's value; any other column is apart from it.
        connection.execute("INSERT INTO t (id, x) VALUES (7, 'a')")
        rowid, value = connection.execute("SELECT rowid, id FROM t").fetchall()[0]
        assert (rowid == value) is (alias is not None)
    finally:
        connection.close()


# --- affinity: SQLite's algorithm, section 3.1 of its datatype document -------------------------

AFFINITY_CASES = [
    # rule 1: contains INT
    *(("INT", "INTEGER"), ("INTEGER", "INTEGER"), ("TINYINT", "INTEGER"), ("SMALLINT", "INTEGER")),
    *(("MEDIUMINT", "INTEGER"), ("BIGINT", "INTEGER"), ("UNSIGNED BIG INT", "INTEGER"), ("INT2", "INTEGER")),
    *(("int8", "INTEGER"), ("integer", "INTEGER")),
    ("FLOATING POINT", "INTEGER"),  # the document's own example: "POINT" contains INT
    ("CHARINT", "INTEGER"),  # INT is tested before CHAR
    # rule 2: CHAR, CLOB or TEXT
    *(("CHARACTER(20)", "TEXT"), ("VARCHAR(255)", "TEXT"), ("VARYING CHARACTER(255)", "TEXT")),
    *(("NCHAR(55)", "TEXT"), ("NATIVE CHARACTER(70)", "TEXT"), ("NVARCHAR(100)", "TEXT")),
    *(("TEXT", "TEXT"), ("CLOB", "TEXT"), ("varchar(20)", "TEXT"), ("BLOBTEXT", "TEXT")),
    # rule 3: BLOB or no type
    *(("BLOB", "BLOB"), ("", "BLOB"), ("blob", "BLOB"), ("DOUBLE BLOB", "BLOB")),
    # rule 4: REAL, FLOA or DOUB
    *(("REAL", "REAL"), ("DOUBLE", "REAL"), ("DOUBLE PRECISION", "REAL"), ("FLOAT", "REAL")),
    ("float8", "REAL"),
    # rule 5: anything else
    *(("NUMERIC", "NUMERIC"), ("DECIMAL(10,5)", "NUMERIC"), ("BOOLEAN", "NUMERIC"), ("DATE", "NUMERIC")),
    *(("DATETIME", "NUMERIC"), ("STRING", "NUMERIC"), ("JSON", "NUMERIC"), ("UUID", "NUMERIC")),
]


@pytest.mark.parametrize(("declared", "expected"), AFFINITY_CASES)
def test_affinity_follows_sqlites_rules(declared: str, expected: str) -> None:
    assert affinity(declared) == expected


# CREATE TABLE ... AS SELECT declares each column by the source column's affinity: SQLite's own answer.
_CTAS_TYPE = {"INT": "INTEGER", "TEXT": "TEXT", "": "BLOB", "REAL": "REAL", "NUM": "NUMERIC"}


def test_affinity_agrees_with_sqlites_create_table_as() -> None:
    connection = apsw.Connection(":memory:")
    try:
        disagreements = []
        for number, (declared, _expected) in enumerate(AFFINITY_CASES):
            connection.execute(f"CREATE TABLE s{number} (x {declared})")
            connection.execute(f"CREATE TABLE d{number} AS SELECT x FROM s{number}")
            ctas_type = str(connection.execute(f"PRAGMA table_info(d{number})").fetchall()[0][2])
            if _CTAS_TYPE[ctas_type] != affinity(declared):
                disagreements.append((declared, _CTAS_TYPE[ctas_type], affinity(declared)))
        assert disagreements == []
    finally:
        connection.close()


# --- provenance --------------------------------------------------------------------------------


def test_source_ref_prints_as_path_and_line() -> None:
    assert str(SourceRef(path="/m/0003_users.sql", line=12)) == "/m/0003_users.sql:12"


def test_with_change_appends_and_leaves_the_original_alone() -> None:
    created = SourceRef(path="a.sql", line=1)
    first, second = SourceRef(path="b.sql", line=2), SourceRef(path="c.sql", line=3)
    original = Provenance(created=created)
    once = original.with_change(first)
    twice = once.with_change(second)
    assert original.changed == () and once.changed == (first,) and twice.changed == (first, second)
    assert twice.created == created


def test_replayed_objects_carry_where_they_were_created_and_changed() -> None:
    result = replay_files(
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n\nCREATE INDEX users_id ON users (id);\n",
        "-- add a column\nALTER TABLE users ADD COLUMN email TEXT;\n",
        "ALTER TABLE users RENAME COLUMN email TO mail;\n",
        dev_database=False,
    )
    users = result.schema.table("users")
    assert users is not None
    assert users.provenance.created == SourceRef(path="/virtual/001_m.sql", line=1)
    assert [str(ref) for ref in users.provenance.changed] == ["/virtual/002_m.sql:2", "/virtual/003_m.sql:1"]
    mail = users.column("mail")
    assert mail is not None
    assert mail.provenance.created == SourceRef(path="/virtual/002_m.sql", line=2)
    assert mail.provenance.changed == (SourceRef(path="/virtual/003_m.sql", line=1),)
    id_column = users.column("id")
    assert id_column is not None and id_column.provenance.changed == ()
    index = result.schema.indexes["users_id"]
    assert index.provenance.created == SourceRef(path="/virtual/001_m.sql", line=3)


def test_primary_key_defaults() -> None:
    pk = PrimaryKey(columns=("id",))
    assert pk.descending == () and not pk.autoincrement and not pk.column_level and pk.name is None


def test_the_model_round_trips_through_pydantic_and_loads_it_only_then() -> None:
    """A replayed schema validates back from its JSON; building and reading the model (what a hook
    run does) imports no pydantic, the first validation or dump does."""
    import subprocess
    import sys

    result = replay_files(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);\n"
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE);\n"
        "CREATE INDEX posts_user ON posts(user_id);\n"
        "CREATE VIEW v AS SELECT id FROM users;\n"
    )
    schema = result.schema
    again = Schema.model_validate_json(schema.model_dump_json())
    assert again == schema and isinstance(again.indexes, IndexMap)
    assert again.tables["posts"].foreign_keys[0].on_delete == "CASCADE"
    assert {"Table", "Column", "Index", "View"} <= set(Schema.model_json_schema()["$defs"])
    probe = (
        "import sys\n"
        "from grove_schema.model import Column, Provenance, SourceRef, Table\n"
        "here = Provenance(created=SourceRef(path='a.sql', line=1))\n"
        "t = Table(name='t', columns=(Column(name='id', provenance=here),), provenance=here)\n"
        "t = t.model_copy(update={'name': 'u'})\n"
        "print('pydantic' in sys.modules, end=' ')\n"
        "t.model_dump()\n"
        "print('pydantic' in sys.modules, end='')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out == "False True"


def test_the_frozen_objects_compare_hash_and_show_as_dataclasses_do() -> None:
    """==, hash() and repr() come from ModelObject: the same as the dataclass would generate, for
    objects made by __init__, by model_copy and by pydantic's validation."""
    made = column("id", "INTEGER", 1)
    validated = Column.model_validate(made.model_dump())
    copied = made.model_copy(update={"type": "INTEGER"})
    assert made == validated == copied and hash(made) == hash(validated) == hash(copied)
    assert len({made, validated, copied}) == 1
    assert made != made.model_copy(update={"type": "TEXT"})
    assert made != SourceRef(path="/virtual/001_m.sql", line=1) and (made == "id") is False
    assert repr(SourceRef(path="a.sql", line=3)) == "SourceRef(path='a.sql', line=3)"
    assert repr(made).startswith("Column(name='id', type='INTEGER', not_null=False, default=None, primary_key=1,")
    provenance = "provenance=Provenance(created=SourceRef(path='/virtual/001_m.sql', line=1), changed=()))"
    assert repr(made).endswith(provenance)
    with pytest.raises(TypeError):
        hash(Schema())  # the schema changes in place: not hashable
