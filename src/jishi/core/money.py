"""Money as an integer number of fen (分). No floats anywhere."""

from collections.abc import Sequence

Fen = int


def format_yuan(amount_fen: Fen) -> str:
    """``12345`` → ``"¥123.45"``; negative amounts keep their sign."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}¥{yuan}.{fen:02d}"


def allocate(total_fen: Fen, weights: Sequence[int]) -> list[Fen]:
    """Split ``total_fen`` in proportion to ``weights`` exactly (largest remainder).

    The parts always add up to ``total_fen``; ties in the remainder go to the
    earlier weight, so the result is deterministic. Used to spread an
    order-level discount over its lines so that refunding one line is exact.
    """
    if total_fen < 0:
        raise ValueError("total_fen must not be negative")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if not weights:
        if total_fen:
            raise ValueError("cannot allocate a non-zero amount over no weights")
        return []
    if weight_sum == 0:
        raise ValueError("cannot allocate over zero weights")
    floors = [total_fen * w // weight_sum for w in weights]
    remainders = [total_fen * w % weight_sum for w in weights]
    leftover = total_fen - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors


def share_of_units(total_fen: Fen, quantity: int, *, already: int, units: int) -> Fen:
    """The part of ``total_fen`` (spread over ``quantity`` units) that ``units`` more units
    carry after ``already`` units were taken: successive shares always add up to exactly
    ``total_fen`` once every unit is taken (a line refunded unit by unit gives back every fen
    of its discount, never one more)."""
    if quantity <= 0 or already < 0 or units < 0 or already + units > quantity:
        raise ValueError("units out of range")
    return total_fen * (already + units) // quantity - total_fen * already // quantity
