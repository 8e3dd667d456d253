"""Error codes of checkout and orders."""

from jishi.core.errors import ErrorKind

ERRORS: dict[str, ErrorKind] = {
    "order_state_conflict": ErrorKind(
        409,
        "订单当前状态为「{status}」，不能{action}。",
        "The order is {status}; it cannot be {action_en}.",
    ),
    "nothing_to_order": ErrorKind(422, "请选择要购买的商品。", "Choose at least one item to order."),
    "order_busy": ErrorKind(
        503,
        "下单人数较多，请稍后重试。",
        "Too many orders at this moment; please try again.",
    ),
}
