"""Inventory (库存): per-SKU on-hand and reserved stock, reservations held by orders, the stock ledger."""
