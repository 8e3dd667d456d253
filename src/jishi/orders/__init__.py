"""Orders (订单): checkout, one order per shop, the order lifecycle and its timeline."""
