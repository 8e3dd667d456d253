"""Public identifiers.

Every row is keyed by a ULID string: 48 bits of millisecond time followed by 80
random bits. They sort by creation time (good for B-tree locality and keyset
pagination) yet cannot be guessed or enumerated from one another.
"""

from ulid import ULID

ID_LENGTH = 26


def new_id() -> str:
    return str(ULID())
