"""Routes of product media: a shop's uploads and ordering, and the public ``/media`` files."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import FileResponse

from jishi.catalog import media, media_service
from jishi.catalog.media_schemas import ImageOrderIn, MediaOut, MediaUpdateIn, MediaUrls
from jishi.catalog.media_service import MediaView
from jishi.catalog.service import invalidate_detail
from jishi.core.context import AppContext
from jishi.core.errors import AppError
from jishi.core.http import Ctx, Uow
from jishi.core.limits import BodyAllowance
from jishi.core.pagination import Page
from jishi.core.storage import IMMUTABLE
from jishi.core.uploads import receive_file, upload_body_schema
from jishi.shops.deps import ActiveShopMember, ShopMemberAccess

router = APIRouter(tags=["catalog: media"])
public_router = APIRouter(tags=["media"])

PRODUCT = "/shops/{shop_id}/products/{product_id}"
UPLOAD_FIELD = media.UPLOAD_FIELD
# Room for the multipart envelope (boundaries, part headers, a long file name).
_ENVELOPE_BYTES = 64 * 1024


def upload_allowances(api_prefix: str) -> list[BodyAllowance]:
    """Body caps for the upload routes, above the app's 1 MiB default (see core.limits)."""
    product = re.escape(api_prefix) + r"/shops/[^/]+/products/[^/]+/"
    return [
        BodyAllowance(
            "POST",
            re.compile(product + "images"),
            media.IMAGE_MAX_BYTES + _ENVELOPE_BYTES,
            media.image_too_large,
        ),
        BodyAllowance(
            "POST",
            re.compile(product + "video"),
            media.VIDEO_MAX_BYTES + _ENVELOPE_BYTES,
            media.video_too_large,
        ),
    ]


def _out(view: MediaView) -> MediaOut:
    return MediaOut(
        id=view.id,
        product_id=view.product_id,
        kind="video" if view.kind == "video" else "image",
        position=view.position,
        is_main=view.is_main,
        content_type=view.content_type,
        byte_size=view.byte_size,
        width=view.width,
        height=view.height,
        urls=MediaUrls.model_validate(view.urls),
        created_at=view.created_at,
    )


def _upload_dir(ctx: AppContext) -> Path:
    return ctx.settings.var_dir / "tmp" / "uploads"


@router.post(
    f"{PRODUCT}/images",
    status_code=status.HTTP_201_CREATED,
    response_model=MediaOut,
    openapi_extra=upload_body_schema(UPLOAD_FIELD, "A JPEG, PNG or WebP image, at most 10 MB"),
)
async def upload_image(
    product_id: str, request: Request, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> MediaOut:
    """Add an image (商品图) as the product's last; the first image becomes the main image.

    The file is judged by its content; it is stored re-encoded without metadata (EXIF,
    GPS), upright, with WebP thumbnails of 800, 400 and 160 px on the long side.
    """
    shop_id = access.shop.id
    await media_service.check_product(uow, shop_id, product_id)
    async with receive_file(
        request,
        field=UPLOAD_FIELD,
        max_bytes=media.IMAGE_MAX_BYTES,
        too_large=media.image_too_large,
        directory=_upload_dir(ctx),
    ) as upload:
        settings = ctx.settings
        decoding = media_service.ImageDecoding.of(settings.image_max_pixels, settings.image_decodes_at_once)
        view = await media_service.add_image(uow, ctx.storage, shop_id, product_id, upload.path, decoding)
    await invalidate_detail(ctx, product_id)
    return _out(view)


@router.post(
    f"{PRODUCT}/video",
    status_code=status.HTTP_201_CREATED,
    response_model=MediaOut,
    openapi_extra=upload_body_schema(UPLOAD_FIELD, "An MP4 video, at most 100 MB"),
)
async def upload_video(
    product_id: str, request: Request, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> MediaOut:
    """Set the product's video (商品视频), replacing the one it had."""
    shop_id = access.shop.id
    await media_service.check_product(uow, shop_id, product_id)
    async with receive_file(
        request,
        field=UPLOAD_FIELD,
        max_bytes=media.VIDEO_MAX_BYTES,
        too_large=media.video_too_large,
        directory=_upload_dir(ctx),
    ) as upload:
        view = await media_service.set_video(uow, ctx.storage, shop_id, product_id, upload.path)
    await invalidate_detail(ctx, product_id)
    return _out(view)


@router.get(f"{PRODUCT}/media", response_model=Page[MediaOut])
async def list_media(product_id: str, access: ShopMemberAccess, uow: Uow, ctx: Ctx) -> Page[MediaOut]:
    """The product's images in order, then its video (if any)."""
    views = await media_service.list_media(uow, ctx.storage, access.shop.id, product_id)
    return Page(items=[_out(v) for v in views])


@router.put(f"{PRODUCT}/images/order", response_model=Page[MediaOut])
async def reorder_images(
    product_id: str, body: ImageOrderIn, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> Page[MediaOut]:
    """Reorder every image at once (e.g. after a drag and drop); answers the new list."""
    views = await media_service.reorder_images(uow, ctx.storage, access.shop.id, product_id, body.media_ids)
    await invalidate_detail(ctx, product_id)
    return Page(items=[_out(v) for v in views])


@router.patch(f"{PRODUCT}/media/{{media_id}}", response_model=MediaOut)
async def update_media(
    product_id: str, media_id: str, body: MediaUpdateIn, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> MediaOut:
    """Move an image and/or make it the main image (主图)."""
    view = await media_service.update_media(
        uow,
        ctx.storage,
        access.shop.id,
        product_id,
        media_id,
        position=body.position,
        make_main=bool(body.is_main),
    )
    await invalidate_detail(ctx, product_id)
    return _out(view)


@router.delete(f"{PRODUCT}/media/{{media_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_media(
    product_id: str, media_id: str, access: ActiveShopMember, uow: Uow, ctx: Ctx
) -> Response:
    """Delete an image or the video, with its files."""
    await media_service.delete_media(uow, ctx.storage, access.shop.id, product_id, media_id)
    await invalidate_detail(ctx, product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- public files (what a CDN would serve) ------------------------------------------------


@public_router.api_route("/media/{key:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def serve_media(key: str, ctx: Ctx) -> Response:
    """A stored file. Keys never change content, so it may be cached for a year."""
    stored = await ctx.storage.stat(key)
    if stored is None or stored.path is None:
        raise AppError("not_found")
    return FileResponse(
        stored.path,
        media_type=stored.content_type,
        headers={
            "Cache-Control": IMMUTABLE,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
