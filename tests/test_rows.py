"""RowTable, the struct-of-arrays table institutions live in, against a plain list of dicts.

Random sequences of adds (with some columns given), deaths, compactions and
clears must leave the table's live rows, in order, with exactly the values a
list of records would hold, and every agent told its row.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.rows import RowTable


class Table(RowTable):
    COLUMNS = {"size": (np.int64, -1), "score": (np.float64, 0.5), "flag": (bool, False)}


class Agent:
    def __init__(self) -> None:
        self.row = -1


OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.one_of(st.none(), st.integers(0, 99)), st.one_of(st.none(), st.floats(0, 1)),
              st.one_of(st.none(), st.booleans())),
    st.tuples(st.just("kill"), st.integers(0, 10**6)),
    st.tuples(st.just("compact")),
    st.tuples(st.just("clear"))), max_size=300)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_a_table_holds_what_a_list_of_records_holds(ops):
    table, records = Table(), []  # records: [agent, values], live ones only, in order of arrival
    for op in ops:
        if op[0] == "add":
            given_values = {k: v for k, v in zip(("size", "score", "flag"), op[1:], strict=True) if v is not None}
            agent = Agent()
            agent.row = table.add(agent, **given_values)
            records.append([agent, {"size": -1, "score": 0.5, "flag": False, **given_values}])
        elif op[0] == "kill" and records:
            agent, _ = records.pop(op[1] % len(records))
            table.kill(agent.row)
        elif op[0] == "compact":
            table.compact()
        elif op[0] == "clear":
            table.clear()
            records = []
        live = table.live_rows()
        assert [table.agents[r] for r in live] == [a for a, _ in records]
        for agent, values in records:
            assert table.agents[agent.row] is agent
            for name, value in values.items():
                assert getattr(table, name)[agent.row] == value


def test_compaction_keeps_the_order_and_says_where_each_row_went():
    table = Table()
    agents = [Agent() for _ in range(6)]
    for i, agent in enumerate(agents):
        agent.row = table.add(agent, size=i)
    table.kill(np.array([1, 4]))
    new_row = table.compact()
    assert new_row.tolist() == [0, -1, 1, 2, -1, 3]
    assert table.size[: table.n].tolist() == [0, 2, 3, 5] and [a.row for a in agents if a.row >= 0][-1] == 3


def test_an_unknown_column_is_refused_and_nothing_is_added():
    table = Table()
    with pytest.raises(TypeError, match="no column 'colour'"):
        table.add(None, size=3, colour="red")
    assert table.n == 0 and not table.alive.any()


def test_live_rows_are_read_only_and_follow_every_change():
    table = Table()
    for _ in range(3):
        table.add(None)
    live = table.live_rows()
    with pytest.raises(ValueError):
        live[0] = 7
    table.kill(1)
    assert table.live_rows().tolist() == [0, 2] and live.tolist() == [0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 99), max_size=80), max_size=6))
def test_adding_rows_at_once_gives_the_rows_one_add_at_a_time_gives(batches):
    one, many = Table(), Table()
    for sizes in batches:
        rows = [one.add(None, size=size) for size in sizes]
        assert many.add_many(len(sizes), size=np.array(sizes, np.int64)).tolist() == rows
        assert many.n == one.n
        assert (many.size[: many.n] == one.size[: one.n]).all()
        assert (many.alive[: many.n] == one.alive[: one.n]).all()
        assert (many.score[: many.n] == one.score[: one.n]).all()
        assert len(many.agents) == len(one.agents)
