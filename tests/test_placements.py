"""The placements' arithmetic (cells/placements.py): dated changes, entered in any order."""
import datetime
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from cells.placements import BeforeFirstSpan, Span, change_from, span_on

D = datetime.date


def start(parent=1):
    return [Span(None, None, parent, "Chi bộ A", "cell", "commune", True, "created")]


def parent_on(spans, day):
    return span_on(spans, day).parent_id


def test_a_move_applies_from_its_day_to_the_end_when_nothing_later_is_recorded():
    spans, until = change_from(start(), D(2024, 7, 1), "moved", parent_id=2)
    assert until == {"parent_id": None}
    assert [(s.valid_from, s.valid_to, s.parent_id) for s in spans] == [(None, D(2024, 7, 1), 1), (D(2024, 7, 1), None, 2)]
    assert parent_on(spans, D(2024, 6, 30)) == 1 and parent_on(spans, D(2024, 7, 1)) == 2


def test_a_move_typed_after_a_later_move_lasts_until_that_move():
    spans, _ = change_from(start(), D(2025, 1, 1), "January", parent_id=3)
    spans, until = change_from(spans, D(2024, 6, 1), "June", parent_id=2)
    assert until == {"parent_id": D(2025, 1, 1)}
    assert [parent_on(spans, day) for day in (D(2024, 5, 31), D(2024, 6, 1), D(2024, 12, 31), D(2025, 1, 1))] == [1, 2, 2, 3]


def test_a_rename_between_two_moves_does_not_stop_a_move():
    spans, _ = change_from(start(), D(2024, 3, 1), "renamed", name="Chi bộ B")
    spans, until = change_from(spans, D(2024, 1, 1), "moved", parent_id=2)
    assert until == {"parent_id": None}
    assert parent_on(spans, D(2024, 5, 1)) == 2 and span_on(spans, D(2024, 5, 1)).name == "Chi bộ B"
    assert span_on(spans, D(2024, 2, 1)).name == "Chi bộ A"


def test_two_changes_on_the_same_day_keep_both_reasons_and_one_span():
    spans, _ = change_from(start(), D(2025, 7, 1), "moved", parent_id=2)
    spans, _ = change_from(spans, D(2025, 7, 1), "merged", is_active=False)
    assert len(spans) == 2 and spans[1].reason == "moved; merged" and not spans[1].is_active


def test_a_second_move_on_the_same_day_replaces_the_first():
    spans, _ = change_from(start(), D(2024, 7, 1), "moved", parent_id=2)
    spans, _ = change_from(spans, D(2024, 7, 1), "moved back", parent_id=1)
    assert [parent_on(spans, day) for day in (D(2024, 6, 30), D(2024, 7, 1))] == [1, 1]
    assert spans[1].reason == "moved; moved back"


def test_a_move_to_the_parent_a_later_move_gives_still_ends_at_that_move():
    spans, _ = change_from(start(), D(2020, 1, 3), "third", parent_id=2)
    spans, _ = change_from(spans, D(2020, 1, 1), "first", parent_id=2)
    spans, until = change_from(spans, D(2020, 1, 2), "second", parent_id=3)
    assert until == {"parent_id": D(2020, 1, 3)}
    assert [parent_on(spans, D(2020, 1, day)) for day in (1, 2, 3)] == [2, 3, 2]


def test_a_change_before_an_organization_existed_is_refused():
    created = [Span(D(2025, 7, 1), None, 1, "Xã mới", "grassroots_committee", "commune", True, "created")]
    try:
        change_from(created, D(2025, 1, 1), "moved", parent_id=2)
    except BeforeFirstSpan:
        pass
    else:
        raise AssertionError("a move before the organization existed was accepted")
    # Before its first placement, lookups give the earliest state known.
    assert span_on(created, D(2025, 1, 1)).parent_id == 1


moves = st.lists(
    st.tuples(st.dates(D(2020, 1, 1), D(2027, 12, 31)), st.integers(min_value=2, max_value=6)),
    min_size=1, max_size=5, unique_by=lambda move: move[0],
)


@settings(max_examples=200, deadline=None)
@given(moves=moves, order=st.randoms(use_true_random=False))
def test_moves_entered_in_any_order_give_the_tree_they_give_in_date_order(moves, order):
    by_date = start()
    for day, parent in sorted(moves):
        by_date, _ = change_from(by_date, day, f"moved {day}", parent_id=parent)
    shuffled = list(moves)
    order.shuffle(shuffled)
    typed = start()
    for day, parent in shuffled:
        typed, _ = change_from(typed, day, f"moved {day}", parent_id=parent)
    days = sorted({day for day, _parent in moves} | {D(2019, 12, 31), D(2028, 1, 1)})
    probes = itertools.chain(days, (day - datetime.timedelta(days=1) for day in days if day > D(2019, 12, 31)))
    for day in probes:
        assert parent_on(typed, day) == parent_on(by_date, day), day
    # No gaps, no overlaps, the last one open.
    for earlier, later in zip(typed, typed[1:]):
        assert earlier.valid_to == later.valid_from
    assert typed[0].valid_from is None and typed[-1].valid_to is None
