"""Error codes of inventory."""

from jishi.core.errors import ErrorKind

ERRORS: dict[str, ErrorKind] = {
    "insufficient_stock": ErrorKind(409, "库存不足，请减少购买数量。", "Not enough stock for this quantity."),
    "stock_below_reserved": ErrorKind(
        409,
        "库存不能低于已被订单占用的 {reserved} 件。",
        "Stock cannot go below the {reserved} units held by open orders.",
    ),
}
