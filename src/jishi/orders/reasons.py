"""Why an order moved, when the system or a rule wrote it (取消原因、动态说明).

The system's own reasons are stored as codes and shown in the reader's language; what a
person typed (a buyer's cancel note) is stored as typed and shown as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_REASONS: dict[str, tuple[str, str]] = {
    "buyer_cancelled": ("买家取消", "Cancelled by the buyer"),
    "payment_timeout": ("超时未付款，系统自动取消", "Not paid in time; cancelled automatically"),
    "auto_completed": ("超时自动确认收货", "Receipt confirmed automatically when the time ran out"),
}


@dataclass(frozen=True)
class Reason:
    """A system reason's ``code``, a person's ``text``, or both (a buyer's note on a cancel)."""

    code: str | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if self.code is not None and self.code not in SYSTEM_REASONS:
            raise ValueError(f"unknown reason code {self.code!r}")

    def shown(self, locale: str) -> str:
        """What a reader sees: the person's words if any, else the code in their language."""
        return shown(self.code, self.text, locale)


def shown(code: str | None, text: str | None, locale: str) -> str:
    if text:
        return text
    if code in SYSTEM_REASONS:
        zh, en = SYSTEM_REASONS[code]
        return en if locale == "en" else zh
    return ""


NONE = Reason()
