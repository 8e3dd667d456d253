"""Error codes of the privacy package."""

from jishi.core.errors import ErrorKind

ERRORS: dict[str, ErrorKind] = {
    "virtual_numbers_exhausted": ErrorKind(
        503,
        "暂时无法分配隐私号，请稍后再试。",
        "No virtual number is free right now; please try again later.",
    ),
}
