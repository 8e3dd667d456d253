"""Carriers a merchant can ship with (快递公司). Tracking comes with the logistics module."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    name_en: str


CARRIERS: tuple[Carrier, ...] = (
    Carrier("SF", "顺丰速运", "SF Express"),
    Carrier("JD", "京东物流", "JD Logistics"),
    Carrier("ZTO", "中通快递", "ZTO Express"),
    Carrier("YTO", "圆通速递", "YTO Express"),
    Carrier("STO", "申通快递", "STO Express"),
    Carrier("YD", "韵达快递", "Yunda Express"),
    Carrier("JT", "极兔速递", "J&T Express"),
    Carrier("EMS", "中国邮政 EMS", "China Post EMS"),
    Carrier("DBL", "德邦快递", "Deppon Express"),
)
CARRIER_CODES = frozenset(c.code for c in CARRIERS)
