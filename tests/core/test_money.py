from hypothesis import given
from hypothesis import strategies as st

from jishi.core.money import allocate, format_yuan, share_of_units


@given(
    total=st.integers(0, 10**9),
    weights=st.lists(st.integers(0, 10**7), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
)
def test_allocation_is_exact_and_proportional(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / weight_sum
        assert abs(part - exact) < 1
        if weight == 0:
            assert part == 0


def test_allocation_examples() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1000, [3000, 7000]) == [300, 700]
    assert allocate(0, [5, 5]) == [0, 0]


def test_format_yuan() -> None:
    assert format_yuan(12345) == "¥123.45"
    assert format_yuan(5) == "¥0.05"
    assert format_yuan(-250) == "-¥2.50"


@given(
    total=st.integers(min_value=0, max_value=10**9),
    steps=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=20),
)
def test_unit_shares_add_up_to_the_whole(total: int, steps: list[int]) -> None:
    """However a line's units are taken (refunded) in turn, the shares add up to every fen."""
    quantity = sum(steps)
    shares, already = [], 0
    for units in steps:
        shares.append(share_of_units(total, quantity, already=already, units=units))
        already += units
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    # Each share is within a fen of its exact proportion.
    assert all(
        abs(share * quantity - total * units) < quantity for share, units in zip(shares, steps, strict=True)
    )
