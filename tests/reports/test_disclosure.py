"""Small-cell suppression."""

import pytest

from reports.disclosure import suppress_columns, suppress_counts, suppressed_total


def test_small_cells_are_hidden_and_zero_is_shown():
    assert suppress_counts([0, 3, 12, 25, 40], threshold=11, total_shown=False) == [0, None, 12, 25, 40]


def test_secondary_suppression_when_one_cell_would_be_recoverable_from_the_total():
    assert suppress_counts([5, 30, 12], threshold=11) == [None, 30, None]
    assert suppress_counts([5, 30, 12], threshold=11, total_shown=False) == [None, 30, 12]


def test_two_hidden_cells_need_no_secondary_suppression():
    assert suppress_counts([5, 3, 12, 40], threshold=11) == [None, None, 12, 40]


def test_threshold_floor():
    with pytest.raises(ValueError, match="floor of 5"):
        suppress_counts([1, 2], threshold=4)


def test_total():
    assert suppressed_total([1, 2], 11) is None
    assert suppressed_total([10, 20], 11) == 30
    assert suppressed_total([0, 0], 11) == 0


def test_suppress_columns_treats_each_column_as_a_table_with_its_total():
    rows = [{"region": "A", "providers": 30, "persons": 2},
            {"region": "B", "providers": 4, "persons": 40},
            {"region": "C", "providers": 15, "persons": 12}]
    out = suppress_columns(rows, ("providers", "persons"), threshold=11)
    assert [(r["region"], r["providers"], r["persons"]) for r in out] == [
        ("A", 30, None), ("B", None, 40), ("C", None, None)]
    assert rows[1]["providers"] == 4  # the rows given are left as they were
