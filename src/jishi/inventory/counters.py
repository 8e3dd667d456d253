"""The stock counters inventory owns, on rows that belong to the catalog (库存计数).

A SKU's on hand (``skus.stock``) and reserved (``skus.reserved``) units, and a product's
available total (``products.stock_total``), live on catalog's rows so that reserving is one
conditional update of one row and lists filter on availability without a join. Catalog
creates and describes those rows; only this package writes the counters. It names them
through these column lists rather than catalog's models, so neither package imports the
other's tables; ``tests/test_architecture.py`` holds every package to that.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, column, table

SKU_COUNTERS = table(
    "skus",
    column("id", String),
    column("product_id", String),
    column("shop_id", String),
    column("stock", Integer),
    column("reserved", Integer),
    column("is_enabled", Boolean),
)
PRODUCT_COUNTERS = table("products", column("id", String), column("stock_total", Integer))
