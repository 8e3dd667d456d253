"""Error codes of the cart and checkout."""

from jishi.core.errors import ErrorKind

ERRORS: dict[str, ErrorKind] = {
    "item_unavailable": ErrorKind(
        409, "该商品已下架或暂不可售。", "This item is off the shelf or not for sale now."
    ),
    "cart_full": ErrorKind(
        409,
        "购物车最多 {max_lines} 种商品，请先清理。",
        "The cart holds at most {max_lines} items; remove some first.",
    ),
}
