"""Catalog rows for search tests, written straight into the catalog tables.

Each change publishes ``product.changed`` through the outbox, and ``index()`` runs the
dispatcher, so the tests exercise the real path from catalog event to search index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from jishi.catalog.events import ProductChanged
from jishi.catalog.models import Brand, Category, Product, Sku
from jishi.catalog.service import spec_key
from jishi.core.context import AppContext
from jishi.core.events import OutboxDispatcher
from jishi.core.ids import new_id


@dataclass
class CatalogFactory:
    ctx: AppContext
    categories: dict[str, Category] = field(default_factory=dict)
    brands: dict[str, Brand] = field(default_factory=dict)
    _order: int = 0

    async def category(self, name: str, parent: str | None = None) -> Category:
        now = self.ctx.clock.now()
        parent_row = self.categories[parent] if parent else None
        category_id = new_id()
        row = Category(
            id=category_id,
            parent_id=parent_row.id if parent_row else None,
            name=name,
            level=parent_row.level + 1 if parent_row else 1,
            path=f"{parent_row.path if parent_row else '/'}{category_id}/",
            sort_order=0,
            is_enabled=True,
            spec_template=[],
            created_at=now,
            updated_at=now,
        )
        async with self.ctx.database.uow() as uow:
            uow.session.add(row)
            await uow.commit()
        self.categories[name] = row
        return row

    async def brand(self, name: str) -> Brand:
        row = Brand(
            id=new_id(),
            name=name,
            name_key=name.lower(),
            name_en="",
            description="",
            is_enabled=True,
            created_at=self.ctx.clock.now(),
        )
        async with self.ctx.database.uow() as uow:
            uow.session.add(row)
            await uow.commit()
        self.brands[name] = row
        return row

    async def product(
        self,
        shop_id: str,
        title: str,
        category: str,
        *,
        brand: str | None = None,
        subtitle: str = "",
        price_fen: int = 10_000,
        price_max_fen: int | None = None,
        stock: int = 10,
        sales: int = 0,
        rating: float = 0.0,
        status: str = "on_sale",
        specs: dict[str, list[str]] | None = None,
        published_at: datetime | None = None,
    ) -> str:
        """Insert a product with one SKU and announce it; returns its id."""
        now = self.ctx.clock.now()
        self._order += 1
        product_id = new_id()
        spec_list = [{"name": n, "values": v} for n, v in (specs or {}).items()]
        sku_specs = {n: v[0] for n, v in (specs or {}).items()}
        product = Product(
            id=product_id,
            shop_id=shop_id,
            category_id=self.categories[category].id,
            brand_id=self.brands[brand].id if brand else None,
            title=title,
            subtitle=subtitle,
            description_html="",
            specs=spec_list,
            status=status,
            price_min_fen=price_fen,
            price_max_fen=price_max_fen if price_max_fen is not None else price_fen,
            market_price_fen=None,
            stock_total=stock,
            sales_count=sales,
            rating_avg=rating,
            review_count=0,
            main_image_id=None,
            published_at=published_at or (now - timedelta(minutes=1000 - self._order)),
            created_at=now,
            updated_at=now,
        )
        sku = Sku(
            id=new_id(),
            product_id=product_id,
            shop_id=shop_id,
            specs=sku_specs,
            spec_key=spec_key(sku_specs, list(sku_specs)),
            price_fen=price_fen,
            market_price_fen=None,
            stock=stock,
            weight_g=0,
            barcode=None,
            is_enabled=True,
            created_at=now,
            updated_at=now,
        )
        async with self.ctx.database.uow() as uow:
            uow.session.add(product)
            await uow.session.flush()
            uow.session.add(sku)
            uow.publish(ProductChanged(product_id=product_id))
            await uow.commit()
        return product_id

    async def change(self, product_id: str, **values: Any) -> None:
        """Update product columns and announce it, as the catalog service does."""
        values.setdefault("updated_at", self.ctx.clock.now())
        async with self.ctx.database.uow() as uow:
            await uow.session.execute(update(Product).where(Product.id == product_id).values(**values))
            uow.publish(ProductChanged(product_id=product_id))
            await uow.commit()

    async def index(self) -> int:
        """Deliver every pending event (the search indexer is one of the subscribers)."""
        dispatcher = OutboxDispatcher(self.ctx)
        delivered = 0
        while handled := await dispatcher.dispatch_pending():
            delivered += handled
        return delivered
