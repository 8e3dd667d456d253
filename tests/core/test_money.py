from hypothesis import given
from hypothesis import strategies as st

from jishi.core.money import allocate, format_yuan


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
