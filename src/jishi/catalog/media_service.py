"""Rules of product media (商品图片与视频): ordered images with one main image, one video.

Files are written to the storage before the row that points to them is
committed, and removed only after the row is gone, so a row never points to a
missing file (a failure in between leaves an unreferenced file, not a broken
page). Every change to a product's media first takes a write lock on the
product row, so concurrent uploads and reorders of one product run one after
the other on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import anyio
import anyio.to_thread
import structlog
from sqlalchemy import and_, func, select, update

from jishi.catalog import media
from jishi.catalog.models import Product, ProductMedia
from jishi.catalog.service import get_shop_product
from jishi.core.db import UnitOfWork
from jishi.core.errors import AppError, NotFound
from jishi.core.ids import new_id
from jishi.core.memory import release_free_memory
from jishi.core.storage import Storage

log = structlog.get_logger("jishi.media")

MAX_IMAGES = 20


@dataclass(frozen=True)
class ImageDecoding:
    """How uploaded images are decoded: the pixel limit, and the process-wide gate that lets
    at most ``image_decodes_at_once`` pictures be decoded at once (memory is bounded by
    gate × limit, not by the number of uploads in flight)."""

    max_pixels: int
    gate: anyio.CapacityLimiter

    @classmethod
    def of(cls, max_pixels: int, at_once: int) -> ImageDecoding:
        """From the ``image_max_pixels`` and ``image_decodes_at_once`` settings."""
        return cls(max_pixels, _gate(at_once))


@cache
def _gate(at_once: int) -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(at_once)


def _process(source: Path, max_pixels: int) -> media.ProcessedImage:
    """In a worker thread: process, then hand the decoder's freed memory back to the system."""
    try:
        return media.process_image(source, max_pixels)
    finally:
        release_free_memory()


@dataclass(frozen=True)
class MediaView:
    id: str
    product_id: str
    kind: str  # image | video
    position: int
    is_main: bool
    content_type: str
    byte_size: int
    width: int | None
    height: int | None
    urls: dict[str, str]  # original, and for images large / medium / thumb
    created_at: datetime


def _keys(row: ProductMedia) -> list[str]:
    return [row.storage_key, *row.variants.values()]


def media_urls(storage: Storage, storage_key: str, variants: dict[str, str]) -> dict[str, str]:
    """The addresses of a stored file and its sizes (``original``, and for images ``large``…)."""
    return {"original": storage.url(storage_key), **{name: storage.url(k) for name, k in variants.items()}}


def _view(row: ProductMedia, storage: Storage, main_image_id: str | None) -> MediaView:
    return MediaView(
        id=row.id,
        product_id=row.product_id,
        kind=row.kind,
        position=row.position,
        is_main=row.id == main_image_id,
        content_type=row.content_type,
        byte_size=row.byte_size,
        width=row.width,
        height=row.height,
        urls=media_urls(storage, row.storage_key, row.variants),
        created_at=row.created_at,
    )


async def _lock_product(uow: UnitOfWork, product: Product) -> None:
    """Take the product row's write lock for the rest of the transaction.

    A no-op write: a row lock on PostgreSQL, the database write lock on SQLite.
    Then re-read the main image, which another transaction may just have set.
    """
    await uow.session.execute(
        update(Product)
        .where(Product.id == product.id)
        .values(main_image_id=Product.main_image_id)
        .execution_options(synchronize_session=False)
    )
    await uow.session.refresh(product, ["main_image_id"])


def _set_main_image(product: Product, media_id: str | None) -> None:
    """The one column of the product this module writes."""
    product.main_image_id = media_id


async def _images(uow: UnitOfWork, product_id: str) -> list[ProductMedia]:
    return list(
        await uow.session.scalars(
            select(ProductMedia)
            .where(ProductMedia.product_id == product_id, ProductMedia.kind == "image")
            .order_by(ProductMedia.position, ProductMedia.id)
        )
    )


async def _media_row(uow: UnitOfWork, product: Product, media_id: str) -> ProductMedia:
    row = await uow.session.get(ProductMedia, media_id)
    if row is None or row.product_id != product.id or row.shop_id != product.shop_id:
        raise NotFound()
    return row


def _renumber(images: list[ProductMedia]) -> None:
    for position, image in enumerate(images):
        if image.position != position:
            image.position = position


async def delete_files(storage: Storage, keys: Iterable[str]) -> None:
    """Remove stored files; failures are logged (an orphaned file is harmless)."""
    with anyio.CancelScope(shield=True):
        for key in keys:
            try:
                await storage.delete(key)
            except Exception:
                log.exception("media.delete_failed", key=key)


# ---- reading ------------------------------------------------------------------------------


async def check_product(uow: UnitOfWork, shop_id: str, product_id: str) -> None:
    """404 unless the product belongs to the shop; then end the read transaction, so no
    database connection is held while a large file arrives."""
    await get_shop_product(uow, shop_id, product_id)
    await uow.commit()


async def list_media(uow: UnitOfWork, storage: Storage, shop_id: str, product_id: str) -> list[MediaView]:
    """A shop's view of its product's media: images in order, then the video."""
    product = await get_shop_product(uow, shop_id, product_id)
    return await media_of_product(uow, storage, product.id, product.main_image_id)


async def media_of_product(
    uow: UnitOfWork, storage: Storage, product_id: str, main_image_id: str | None
) -> list[MediaView]:
    """Media of a product the caller may already show (e.g. a product page), in one query."""
    rows = await uow.session.scalars(
        select(ProductMedia)
        .where(ProductMedia.product_id == product_id)
        .order_by(ProductMedia.kind, ProductMedia.position, ProductMedia.id)
    )
    return [_view(row, storage, main_image_id) for row in rows]


async def main_image_urls(
    uow: UnitOfWork, storage: Storage, product_ids: Iterable[str]
) -> dict[str, dict[str, str]]:
    """The main image's URLs (``original``, ``large``, ``medium``, ``thumb``) of each
    product that has one, in one query whatever the number of products."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(Product.id, ProductMedia.storage_key, ProductMedia.variants)
        .join(
            ProductMedia,
            and_(ProductMedia.id == Product.main_image_id, ProductMedia.product_id == Product.id),
        )
        .where(Product.id.in_(ids))
    )
    return {product_id: media_urls(storage, key, variants) for product_id, key, variants in rows}


# ---- changing -----------------------------------------------------------------------------


async def add_image(
    uow: UnitOfWork, storage: Storage, shop_id: str, product_id: str, source: Path, decoding: ImageDecoding
) -> MediaView:
    """Check, clean and store an uploaded image as the product's last image; the
    first image of a product becomes its main image."""
    count = await uow.session.scalar(
        select(func.count())
        .select_from(ProductMedia)
        .where(ProductMedia.product_id == product_id, ProductMedia.kind == "image")
    )
    await uow.commit_now()  # hold no connection while the image is decoded
    if (count or 0) >= MAX_IMAGES:  # checked again under the lock; this saves the decoding
        raise AppError("too_many_images", max_images=MAX_IMAGES)
    processed = await anyio.to_thread.run_sync(_process, source, decoding.max_pixels, limiter=decoding.gate)
    media_id = new_id()
    original_key = f"images/{media_id}/original.{processed.original.extension}"
    variants = {name: f"images/{media_id}/{name}.{r.extension}" for name, r in processed.thumbnails.items()}
    stored: list[str] = []
    try:
        for key, rendition in (
            (original_key, processed.original),
            *((variants[name], r) for name, r in processed.thumbnails.items()),
        ):
            await storage.put(key, rendition.data)
            stored.append(key)
        product = await get_shop_product(uow, shop_id, product_id)
        await _lock_product(uow, product)
        images = await _images(uow, product.id)
        if len(images) >= MAX_IMAGES:
            raise AppError("too_many_images", max_images=MAX_IMAGES)
        row = ProductMedia(
            id=media_id,
            product_id=product.id,
            shop_id=product.shop_id,
            kind="image",
            storage_key=original_key,
            content_type=processed.original.content_type,
            byte_size=len(processed.original.data),
            width=processed.original.width,
            height=processed.original.height,
            variants=variants,
            position=images[-1].position + 1 if images else 0,
            created_at=uow.now(),
        )
        uow.session.add(row)
        if product.main_image_id is None:
            _set_main_image(product, media_id)
        await uow.commit()
    except BaseException:
        await delete_files(storage, stored)
        raise
    return _view(row, storage, product.main_image_id)


async def set_video(
    uow: UnitOfWork, storage: Storage, shop_id: str, product_id: str, source: Path
) -> MediaView:
    """Check and store an uploaded MP4 as the product's video, replacing the old one."""
    size = await anyio.to_thread.run_sync(media.check_mp4, source)
    media_id = new_id()
    key = f"videos/{media_id}.mp4"
    replaced: list[str] = []
    stored: list[str] = []
    try:
        await storage.put(key, source)
        stored.append(key)
        product = await get_shop_product(uow, shop_id, product_id)
        await _lock_product(uow, product)
        for old in await uow.session.scalars(
            select(ProductMedia).where(ProductMedia.product_id == product.id, ProductMedia.kind == "video")
        ):
            replaced.extend(_keys(old))
            await uow.session.delete(old)
        row = ProductMedia(
            id=media_id,
            product_id=product.id,
            shop_id=product.shop_id,
            kind="video",
            storage_key=key,
            content_type="video/mp4",
            byte_size=size,
            width=None,
            height=None,
            variants={},
            position=0,
            created_at=uow.now(),
        )
        uow.session.add(row)
        await uow.commit_now()  # the replaced files go only once their row's deletion is committed
    except BaseException:
        await delete_files(storage, stored)
        raise
    await delete_files(storage, replaced)
    return _view(row, storage, product.main_image_id)


async def update_media(
    uow: UnitOfWork,
    storage: Storage,
    shop_id: str,
    product_id: str,
    media_id: str,
    *,
    position: int | None = None,
    make_main: bool = False,
) -> MediaView:
    """Move an image to ``position`` (0 is first; past the end means last) and/or make
    it the main image."""
    product = await get_shop_product(uow, shop_id, product_id)
    await _lock_product(uow, product)
    row = await _media_row(uow, product, media_id)
    if row.kind != "image":
        raise AppError("media_not_image")
    if position is not None:
        images = [image for image in await _images(uow, product.id) if image.id != row.id]
        images.insert(min(position, len(images)), row)
        _renumber(images)
    if make_main:
        _set_main_image(product, row.id)
    await uow.commit()
    return _view(row, storage, product.main_image_id)


async def reorder_images(
    uow: UnitOfWork, storage: Storage, shop_id: str, product_id: str, media_ids: list[str]
) -> list[MediaView]:
    """Put the product's images in the given order, which must name each exactly once.
    An id that is not one of the product's images is not found, like any id not yours."""
    product = await get_shop_product(uow, shop_id, product_id)
    await _lock_product(uow, product)
    images = {image.id: image for image in await _images(uow, product.id)}
    if not set(media_ids) <= set(images):
        raise NotFound()
    if len(media_ids) != len(set(media_ids)) or set(media_ids) != set(images):
        raise AppError("image_order_mismatch")
    _renumber([images[media_id] for media_id in media_ids])
    await uow.commit()
    return await media_of_product(uow, storage, product.id, product.main_image_id)


async def delete_media(
    uow: UnitOfWork, storage: Storage, shop_id: str, product_id: str, media_id: str
) -> None:
    """Remove an image or the video, and then its files. When the main image goes,
    the next image in order takes its place."""
    product = await get_shop_product(uow, shop_id, product_id)
    await _lock_product(uow, product)
    row = await _media_row(uow, product, media_id)
    keys = _keys(row)
    await uow.session.delete(row)
    if row.kind == "image":
        remaining = [image for image in await _images(uow, product.id) if image.id != row.id]
        _renumber(remaining)
        if product.main_image_id == row.id:
            _set_main_image(product, remaining[0].id if remaining else None)
    await uow.commit_now()  # the files go only once their row's deletion is committed
    await delete_files(storage, keys)


async def detach_all(uow: UnitOfWork, product_id: str) -> list[str]:
    """Delete every media row of a product (before the product itself is deleted) in
    the caller's transaction; returns the keys to pass to ``delete_files`` after commit."""
    rows = list(await uow.session.scalars(select(ProductMedia).where(ProductMedia.product_id == product_id)))
    keys = [key for row in rows for key in _keys(row)]
    for row in rows:
        await uow.session.delete(row)
    await uow.session.flush()  # before the product's own delete cascades in the database
    return keys
