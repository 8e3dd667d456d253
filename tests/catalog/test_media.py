"""Product media: uploads judged by content, cleaned and resized, ordered, served for ever.

Every test image is drawn here with Pillow; the few hostile files are built in code.
"""

from __future__ import annotations

import asyncio
import io
import os
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import ExifTags, Image, ImageCms
from sqlalchemy import func, select

from jishi.app import create_app
from jishi.catalog import media, media_service
from jishi.catalog.models import Category, Product, ProductMedia
from jishi.core.context import AppContext
from jishi.core.ids import new_id
from jishi.settings import Settings
from tests.conftest import Account, QueryCounter, open_shop

API = "/api/v1"


# ---- helpers ----------------------------------------------------------------------------------


async def insert_product(ctx: AppContext, shop_id: str, title: str = "测试商品") -> str:
    """A product row made directly (the catalog's own routes are tested elsewhere)."""
    async with ctx.database.uow() as uow:
        now = uow.now()
        category = Category(name=f"类目 {new_id()[-6:]}", level=1, path="/", created_at=now, updated_at=now)
        uow.session.add(category)
        await uow.session.flush()
        category.path = f"/{category.id}/"
        product = Product(
            shop_id=shop_id, category_id=category.id, title=title, created_at=now, updated_at=now
        )
        uow.session.add(product)
        await uow.commit()
        return product.id


def picture(size: tuple[int, int] = (1200, 900), mode: str = "RGB", color: Any = "white") -> Image.Image:
    image = Image.new(mode, size, color)
    image.paste((255, 0, 0) if mode == "RGB" else (255, 0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    return image


def encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def jpeg_with_metadata(orientation: int = 6) -> bytes:
    """1200×900 stored, meant to be shown turned 90° clockwise; with GPS, camera, XMP, comment, ICC."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (39.0, 54.0, 15.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (116.0, 23.0, 30.0),
        }
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        picture(),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        comment=b"secret comment",
        xmp=b"<x:xmpmeta>secret place</x:xmpmeta>",
    )


def png_declaring(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header claims another size (a decompression bomb's shape)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(
    payload_bytes: int = 2048, brand: bytes = b"isom", compatible: bytes = b"iso2mp41", with_moov: bool = True
) -> bytes:
    """A structurally valid MP4 (ISO BMFF): ftyp, moov with an mvhd, mdat."""
    ftyp = box(b"ftyp", brand + struct.pack(">I", 512) + brand + compatible)
    moov = box(b"moov", box(b"mvhd", bytes(100))) if with_moov else b""
    return ftyp + moov + box(b"mdat", os.urandom(payload_bytes))


def media_files(ctx: AppContext) -> list[Path]:
    root = ctx.settings.var_dir / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def temp_files(ctx: AppContext) -> list[Path]:
    root = ctx.settings.var_dir / "tmp"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def media_rows(ctx: AppContext) -> int:
    async with ctx.database.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(ProductMedia)) or 0)


async def main_image_id(ctx: AppContext, product_id: str) -> str | None:
    async with ctx.database.uow() as uow:
        return await uow.session.scalar(select(Product.main_image_id).where(Product.id == product_id))


class Shop:
    def __init__(self, client: httpx.AsyncClient, owner: Account, shop_id: str, product_id: str) -> None:
        self.client = client
        self.owner = owner
        self.shop_id = shop_id
        self.product_id = product_id

    @property
    def base(self) -> str:
        return f"{API}/shops/{self.shop_id}/products/{self.product_id}"

    async def upload(
        self, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg", kind: str = "images"
    ) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/{kind}", files={"file": (name, data, content_type)}, headers=self.owner.headers
        )

    async def image(self, data: bytes | None = None) -> dict[str, Any]:
        response = await self.upload(data or encode(picture(), "JPEG"))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def listing(self) -> list[dict[str, Any]]:
        response = await self.client.get(f"{self.base}/media", headers=self.owner.headers)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


@pytest.fixture
async def shop(client: httpx.AsyncClient, admin: Account, app_ctx: AppContext) -> Shop:
    owner, shop_id = await open_shop(client, admin)
    return Shop(client, owner, shop_id, await insert_product(app_ctx, shop_id))


# ---- images ---------------------------------------------------------------------------------


async def test_jpeg_is_stored_upright_without_metadata_with_three_thumbnails(
    shop: Shop, client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    response = await shop.upload(jpeg_with_metadata(), content_type="application/octet-stream")
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["kind"] == "image" and item["is_main"] and item["position"] == 0
    assert item["content_type"] == "image/jpeg"
    assert (item["width"], item["height"]) == (900, 1200)  # EXIF orientation 6 applied
    assert set(item["urls"]) == {"original", "large", "medium", "thumb"}

    original = await client.get(item["urls"]["original"])
    assert original.status_code == 200
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert original.headers["x-content-type-options"] == "nosniff"
    assert int(original.headers["content-length"]) == item["byte_size"] == len(original.content)
    stored = Image.open(io.BytesIO(original.content))
    assert stored.format == "JPEG" and stored.size == (900, 1200)
    assert not stored.getexif() and not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info)
    for secret in (b"SecretCam", b"secret place", b"secret comment"):
        assert secret not in original.content
    # the red corner was top-left as stored; shown upright it is top-right
    red, green, *_ = _rgb(stored.getpixel((880, 20)))
    assert red > 200 and green < 60
    assert stored.getpixel((20, 20)) == pytest.approx((255, 255, 255), abs=3)

    for name, size in (("large", (600, 800)), ("medium", (300, 400)), ("thumb", (120, 160))):
        thumb = await client.get(item["urls"][name])
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp", name
        assert "immutable" in thumb.headers["cache-control"]
        decoded = Image.open(io.BytesIO(thumb.content))
        assert decoded.format == "WEBP" and decoded.size == size, name
        assert not decoded.getexif()
    assert len(media_files(app_ctx)) == 4 and not temp_files(app_ctx)
    head = await client.head(item["urls"]["thumb"])
    assert head.status_code == 200 and head.headers["content-type"] == "image/webp"


@pytest.mark.parametrize(
    ("image_format", "mode", "content_type"),
    [("PNG", "RGBA", "image/png"), ("PNG", "P", "image/png"), ("WEBP", "RGB", "image/webp")],
)
async def test_png_and_webp_are_accepted_in_their_own_format(
    shop: Shop, client: httpx.AsyncClient, image_format: str, mode: str, content_type: str
) -> None:
    image = picture(
        (640, 480), "RGBA" if mode == "RGBA" else "RGB", (0, 128, 0, 0) if mode == "RGBA" else "green"
    )
    if mode == "P":
        image = image.convert("P")
    # a misleading name and declared type change nothing
    item = await shop.image(encode(image, image_format))
    assert item["content_type"] == content_type and (item["width"], item["height"]) == (640, 480)
    original = await client.get(item["urls"]["original"])
    assert original.headers["content-type"] == content_type
    assert Image.open(io.BytesIO(original.content)).format == image_format
    large = Image.open(io.BytesIO((await client.get(item["urls"]["large"])).content))
    assert large.size == (640, 480)  # never enlarged
    thumb = Image.open(io.BytesIO((await client.get(item["urls"]["thumb"])).content))
    assert thumb.size == (160, 120)
    if mode == "RGBA":
        assert thumb.mode == "RGBA" and _rgb(thumb.getpixel((150, 110)))[3] == 0  # transparency kept


async def test_order_and_main_image(shop: Shop, app_ctx: AppContext) -> None:
    a, b, c = [await shop.image() for _ in range(3)]
    assert [m["position"] for m in (a, b, c)] == [0, 1, 2]
    assert a["is_main"] and not b["is_main"] and not c["is_main"]
    assert await main_image_id(app_ctx, shop.product_id) == a["id"]

    moved = await shop.client.patch(
        f"{shop.base}/media/{c['id']}", json={"position": 0}, headers=shop.owner.headers
    )
    assert moved.status_code == 200 and moved.json()["position"] == 0
    assert [m["id"] for m in await shop.listing()] == [c["id"], a["id"], b["id"]]
    assert [m["position"] for m in await shop.listing()] == [0, 1, 2]

    made_main = await shop.client.patch(
        f"{shop.base}/media/{b['id']}", json={"is_main": True, "position": 99}, headers=shop.owner.headers
    )
    assert made_main.status_code == 200 and made_main.json()["is_main"] and made_main.json()["position"] == 2
    listing = await shop.listing()
    assert [m["is_main"] for m in listing] == [False, False, True]

    reordered = await shop.client.put(
        f"{shop.base}/images/order",
        json={"media_ids": [a["id"], b["id"], c["id"]]},
        headers=shop.owner.headers,
    )
    assert reordered.status_code == 200, reordered.text
    assert [(m["id"], m["position"]) for m in reordered.json()["items"]] == [
        (a["id"], 0),
        (b["id"], 1),
        (c["id"], 2),
    ]
    for bad in ([a["id"], b["id"]], [a["id"], a["id"], b["id"]]):
        refused = await shop.client.put(
            f"{shop.base}/images/order", json={"media_ids": bad}, headers=shop.owner.headers
        )
        assert refused.status_code == 422 and refused.json()["code"] == "image_order_mismatch", bad
    unknown = await shop.client.put(
        f"{shop.base}/images/order",
        json={"media_ids": [a["id"], b["id"], c["id"], new_id()]},
        headers=shop.owner.headers,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    not_false = await shop.client.patch(
        f"{shop.base}/media/{a['id']}", json={"is_main": False}, headers=shop.owner.headers
    )
    assert not_false.status_code == 422 and not_false.json()["errors"][0]["field"] == "is_main"

    # deleting the main image hands the role to the first remaining image
    deleted = await shop.client.delete(f"{shop.base}/media/{b['id']}", headers=shop.owner.headers)
    assert deleted.status_code == 204
    listing = await shop.listing()
    assert [(m["id"], m["position"], m["is_main"]) for m in listing] == [
        (a["id"], 0, True),
        (c["id"], 1, False),
    ]
    for m in (a, c):
        await shop.client.delete(f"{shop.base}/media/{m['id']}", headers=shop.owner.headers)
    assert await main_image_id(app_ctx, shop.product_id) is None
    assert await shop.listing() == [] and media_files(app_ctx) == []


async def test_delete_removes_the_files(shop: Shop, client: httpx.AsyncClient, app_ctx: AppContext) -> None:
    keep = await shop.image()
    gone = await shop.image(encode(picture((300, 300)), "PNG"))
    assert len(media_files(app_ctx)) == 8
    response = await client.delete(f"{shop.base}/media/{gone['id']}", headers=shop.owner.headers)
    assert response.status_code == 204
    for url in gone["urls"].values():
        assert (await client.get(url)).status_code == 404
    for url in keep["urls"].values():
        assert (await client.get(url)).status_code == 200
    assert len(media_files(app_ctx)) == 4 and await media_rows(app_ctx) == 1
    again = await client.delete(f"{shop.base}/media/{gone['id']}", headers=shop.owner.headers)
    assert again.status_code == 404


async def test_image_count_is_capped(
    shop: Shop, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_service, "MAX_IMAGES", 2)
    await shop.image()
    await shop.image()
    refused = await shop.upload(encode(picture(), "JPEG"))
    assert refused.status_code == 409 and refused.json()["code"] == "too_many_images"
    assert len(media_files(app_ctx)) == 8 and await media_rows(app_ctx) == 2


# ---- video ----------------------------------------------------------------------------------


async def test_one_video_per_product_replaced_by_the_next(
    shop: Shop, client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    first = await shop.upload(mp4(), "clip.mp4", "video/mp4", kind="video")
    assert first.status_code == 201, first.text
    video = first.json()
    assert video["kind"] == "video" and video["content_type"] == "video/mp4" and not video["is_main"]
    assert video["width"] is None and set(k for k, v in video["urls"].items() if v) == {"original"}
    served = await client.get(video["urls"]["original"])
    assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
    assert "immutable" in served.headers["cache-control"] and len(served.content) == video["byte_size"]
    partial = await client.get(video["urls"]["original"], headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and len(partial.content) == 100  # players can seek

    second = await shop.upload(mp4(4096, brand=b"mp42"), "clip2.mp4", "video/mp4", kind="video")
    assert second.status_code == 201, second.text
    assert (await client.get(video["urls"]["original"])).status_code == 404
    image = await shop.image()
    listing = await shop.listing()
    assert [(m["kind"], m["id"]) for m in listing] == [("image", image["id"]), ("video", second.json()["id"])]
    assert len(media_files(app_ctx)) == 5 and await media_rows(app_ctx) == 2

    not_image = await client.patch(
        f"{shop.base}/media/{second.json()['id']}", json={"is_main": True}, headers=shop.owner.headers
    )
    assert not_image.status_code == 422 and not_image.json()["code"] == "media_not_image"
    deleted = await client.delete(f"{shop.base}/media/{second.json()['id']}", headers=shop.owner.headers)
    assert deleted.status_code == 204 and len(media_files(app_ctx)) == 4


# ---- bad input: refused with a reason, nothing left behind ------------------------------------


def _html() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _gif() -> bytes:
    return encode(picture((64, 64)).convert("P"), "GIF")


def _truncated_jpeg() -> bytes:
    data = encode(picture((800, 600)), "JPEG")
    return data[: len(data) // 2]


def _png_with_broken_checksum() -> bytes:
    data = bytearray(encode(picture((200, 200)), "PNG"))
    data[-20] ^= 0xFF  # inside the last IDAT chunk's data
    return bytes(data)


BAD_IMAGES = {
    "html renamed .jpg": (_html, 422, "unsupported_media_type"),
    "zip bomb png 30000x30000": (lambda: png_declaring(30_000, 30_000), 422, "image_dimensions_too_large"),
    "64 megapixels": (lambda: png_declaring(8_000, 8_000), 422, "image_dimensions_too_large"),
    "13000 px side": (lambda: png_declaring(13_000, 10), 422, "image_dimensions_too_large"),
    "gif": (_gif, 422, "unsupported_media_type"),
    "truncated jpeg": (_truncated_jpeg, 422, "corrupt_image"),
    "png with broken checksum": (_png_with_broken_checksum, 422, "corrupt_image"),
    "mp4 as an image": (mp4, 422, "unsupported_media_type"),
    "empty file": (lambda: b"", 422, "unsupported_media_type"),
}


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
async def test_bad_images_are_refused_and_leave_nothing(shop: Shop, app_ctx: AppContext, case: str) -> None:
    make, status, code = BAD_IMAGES[case]
    response = await shop.upload(make(), "photo.jpg", "image/jpeg")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert media_files(app_ctx) == [] and temp_files(app_ctx) == [] and await media_rows(app_ctx) == 0
    assert await main_image_id(app_ctx, shop.product_id) is None


async def test_an_image_over_the_pixel_limit_is_refused_from_its_header(
    shop: Shop, app_ctx: AppContext
) -> None:
    # 6500 × 6500 = 42 megapixels declared, one pixel of data: decoding it would find the file
    # corrupt, so the answer shows the header alone decided.
    response = await shop.upload(png_declaring(6_500, 6_500), "big.png", "image/png")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "image_dimensions_too_large" and "40" in problem["detail"]
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("file", "image_dimensions_too_large")]
    assert media_files(app_ctx) == [] and await media_rows(app_ctx) == 0

    app_ctx.settings.image_max_pixels = 1_000_000  # JISHI_IMAGE_MAX_PIXELS
    refused = await shop.upload(encode(picture((1200, 900)), "JPEG"))
    assert refused.status_code == 422 and refused.json()["code"] == "image_dimensions_too_large"
    assert (await shop.upload(encode(picture((1000, 1000)), "JPEG"))).status_code == 201


async def test_at_most_the_configured_number_of_images_are_decoded_at_once(
    shop: Shop, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_ctx.settings.image_decodes_at_once = 3  # JISHI_IMAGE_DECODES_AT_ONCE
    decode = media._decode
    lock, full = threading.Lock(), threading.Event()
    active = peak = 0

    def counted(path: Path, max_pixels: int) -> Image.Image:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            if active >= 3:
                full.set()
        full.wait(timeout=5)  # hold the slot until the gate is full, so any excess would show
        try:
            return decode(path, max_pixels)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(media, "_decode", counted)
    data = encode(picture((400, 300)), "JPEG")
    responses = await asyncio.gather(*(shop.upload(data) for _ in range(7)))
    assert [r.status_code for r in responses] == [201] * 7
    assert peak == 3


async def test_oversized_images_are_refused_by_their_declared_or_counted_size(
    shop: Shop, app_ctx: AppContext
) -> None:
    # 12 MB of noise: its Content-Length alone is refused, before the body is read
    noise = Image.frombytes("RGB", (2048, 2048), os.urandom(2048 * 2048 * 3))
    big = encode(noise, "PNG", compress_level=0)
    assert len(big) > 12 * 1024 * 1024
    # just over 10 MB: the body is under the route's allowance, the file is counted while it streams
    just_over = encode(picture(), "JPEG")
    just_over += bytes(media.IMAGE_MAX_BYTES + 1 - len(just_over))

    async def chunked(data: bytes) -> Any:  # no Content-Length: only counting can tell
        boundary = "jishi-boundary"
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        for start in range(0, len(data), 1024 * 1024):
            yield data[start : start + 1024 * 1024]
        yield f"\r\n--{boundary}--\r\n".encode()

    responses = [
        await shop.upload(big, "big.png", "image/png"),
        await shop.upload(just_over),
        await shop.client.post(
            f"{shop.base}/images",
            content=chunked(big),
            headers={**shop.owner.headers, "content-type": "multipart/form-data; boundary=jishi-boundary"},
        ),
    ]
    for response in responses:
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "image_too_large"
        assert "10 MB" in response.json()["detail"]
    assert media_files(app_ctx) == [] and temp_files(app_ctx) == [] and await media_rows(app_ctx) == 0


def _rgb(pixel: object) -> tuple[int, ...]:
    assert isinstance(pixel, tuple)
    return pixel


BAD_VIDEOS: dict[str, tuple[Callable[[], bytes], str]] = {
    "text file named .mp4": (lambda: b"just some text, not a video\n" * 100, "not_an_mp4"),
    "quicktime mov": (lambda: mp4(brand=b"qt  ", compatible=b""), "not_an_mp4"),
    "ftyp without moov": (lambda: mp4(with_moov=False), "not_an_mp4"),
    "box sizes past the end": (lambda: mp4()[:-10], "not_an_mp4"),
    "jpeg as a video": (lambda: encode(picture(), "JPEG"), "not_an_mp4"),
    "html": (_html, "not_an_mp4"),
}


@pytest.mark.parametrize("case", sorted(BAD_VIDEOS))
async def test_bad_videos_are_refused_and_leave_nothing(shop: Shop, app_ctx: AppContext, case: str) -> None:
    make, code = BAD_VIDEOS[case]
    response = await shop.upload(make(), "clip.mp4", "video/mp4", kind="video")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert media_files(app_ctx) == [] and temp_files(app_ctx) == [] and await media_rows(app_ctx) == 0


async def test_oversized_videos_are_refused(
    shop: Shop, app_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = await shop.client.post(
        f"{shop.base}/video",
        content=b"",
        headers={
            **shop.owner.headers,
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(media.VIDEO_MAX_BYTES + 1024 * 1024),
        },
    )
    assert declared.status_code == 413 and declared.json()["code"] == "video_too_large"
    monkeypatch.setattr(media, "VIDEO_MAX_BYTES", 64 * 1024)  # counted while streaming
    counted = await shop.upload(mp4(100 * 1024), "clip.mp4", "video/mp4", kind="video")
    assert counted.status_code == 413 and counted.json()["code"] == "video_too_large"
    assert media_files(app_ctx) == [] and temp_files(app_ctx) == [] and await media_rows(app_ctx) == 0


@pytest.mark.parametrize(
    ("files", "data", "content_type", "field"),
    [
        (None, None, "application/json", "file"),  # not multipart
        ({"photo": ("a.jpg", b"x", "image/jpeg")}, None, None, "body"),  # wrong field name
        ({"file": (None, b"not a file")}, None, None, "body"),  # a text field, not a file
        (
            [("file", ("a.jpg", b"x", "image/jpeg")), ("file", ("b.jpg", b"y", "image/jpeg"))],
            None,
            None,
            "file",
        ),
    ],
)
async def test_malformed_uploads_name_the_problem(
    shop: Shop, app_ctx: AppContext, files: Any, data: Any, content_type: str | None, field: str
) -> None:
    headers = dict(shop.owner.headers)
    kwargs: dict[str, Any] = {"files": files, "data": data}
    if content_type:
        headers["content-type"] = content_type
        kwargs = {"content": b"{}"}
    response = await shop.client.post(f"{shop.base}/images", headers=headers, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["field"] == field
    assert media_files(app_ctx) == [] and temp_files(app_ctx) == []


# ---- access ---------------------------------------------------------------------------------


async def test_other_shops_products_and_media_are_404(
    shop: Shop, client: httpx.AsyncClient, admin: Account, app_ctx: AppContext
) -> None:
    b_image = await shop.image()
    owner_a, shop_a = await open_shop(client, admin)
    a_product = await insert_product(app_ctx, shop_a)
    jpeg = {"file": ("a.jpg", encode(picture(), "JPEG"), "image/jpeg")}
    probes = [
        # A's own shop id with B's product or media
        ("POST", f"{API}/shops/{shop_a}/products/{shop.product_id}/images", jpeg),
        (
            "POST",
            f"{API}/shops/{shop_a}/products/{shop.product_id}/video",
            {"file": ("v.mp4", mp4(), "video/mp4")},
        ),
        ("GET", f"{API}/shops/{shop_a}/products/{shop.product_id}/media", None),
        ("DELETE", f"{API}/shops/{shop_a}/products/{a_product}/media/{b_image['id']}", None),
        ("PATCH", f"{API}/shops/{shop_a}/products/{a_product}/media/{b_image['id']}", None),
        # B's shop id
        ("POST", f"{shop.base}/images", jpeg),
        ("DELETE", f"{shop.base}/media/{b_image['id']}", None),
    ]
    for method, path, files in probes:
        kwargs: dict[str, Any] = {"files": files} if files else {}
        if method == "PATCH":
            kwargs = {"json": {"is_main": True}}
        response = await client.request(method, path, headers=owner_a.headers, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not_found"
    assert len(await shop.listing()) == 1 and len(media_files(app_ctx)) == 4
    # a media id is only found under its own product, even within one shop
    other_product = await insert_product(app_ctx, shop.shop_id)
    wrong = await client.delete(
        f"{API}/shops/{shop.shop_id}/products/{other_product}/media/{b_image['id']}",
        headers=shop.owner.headers,
    )
    assert wrong.status_code == 404
    anonymous = await client.get(f"{shop.base}/media")
    assert anonymous.status_code == 401


async def test_media_files_are_served_only_by_their_keys(
    shop: Shop, client: httpx.AsyncClient, app_ctx: AppContext
) -> None:
    item = await shop.image()
    secret = app_ctx.settings.var_dir / "outside.jpg"
    secret.write_bytes(b"not for the public")
    (app_ctx.settings.var_dir / "media" / "notes.txt").write_text("not a media file")
    for path in (
        "/media/images/01AAAAAAAAAAAAAAAAAAAAAAAA/original.jpg",
        "/media/..%2Foutside.jpg",
        "/media/%2e%2e/outside.jpg",
        "/media/images/%2e%2e/%2e%2e/outside.jpg",
        "/media//etc/passwd",
        "/media/notes.txt",
        "/media/" + item["urls"]["original"].removeprefix("/media/").replace("original", "ORIGINAL"),
        "/media/",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json"), path


# ---- for lists and search ---------------------------------------------------------------------


async def test_main_image_urls_cost_one_query_for_any_number_of_products(
    shop: Shop, app_ctx: AppContext
) -> None:
    products = [shop.product_id] + [await insert_product(app_ctx, shop.shop_id) for _ in range(3)]
    mains = {}
    for product_id in products[:3]:
        shop.product_id = product_id
        mains[product_id] = await shop.image()
        await shop.image()  # a second image, not the main one
    bare = products[3]

    async with app_ctx.database.uow() as uow:
        with QueryCounter(app_ctx) as one:
            single = await media_service.main_image_urls(uow, app_ctx.storage, products[:1])
        with QueryCounter(app_ctx) as many:
            urls = await media_service.main_image_urls(uow, app_ctx.storage, [*products, new_id()])
        with QueryCounter(app_ctx) as none:
            assert await media_service.main_image_urls(uow, app_ctx.storage, []) == {}
    assert one.count == many.count == 1 and none.count == 0
    assert set(single) == {products[0]}
    assert set(urls) == set(products[:3]) and bare not in urls
    for product_id, item in mains.items():
        assert urls[product_id] == item["urls"]
        assert urls[product_id]["thumb"].endswith("/thumb.webp")


async def test_unknown_media_paths_are_404_not_the_web_app(settings: Settings, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<div id=app>集市</div>")
    settings.web_dist = dist
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for path in ("/media/images/x/original.jpg", "/media/nope", "/media/"):
            response = await c.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/problem+json"), path
        assert "集市" in (await c.get("/merchant/products")).text
    await app.state.ctx.close()


async def test_concurrent_uploads_keep_one_order_one_main_one_video(shop: Shop, app_ctx: AppContext) -> None:
    images = await asyncio.gather(*(shop.upload(encode(picture((300 + i, 200)), "JPEG")) for i in range(4)))
    videos = await asyncio.gather(*(shop.upload(mp4(), "v.mp4", "video/mp4", kind="video") for _ in range(3)))
    assert all(r.status_code == 201 for r in [*images, *videos]), [r.text for r in [*images, *videos]]
    listing = await shop.listing()
    assert [m["position"] for m in listing if m["kind"] == "image"] == [0, 1, 2, 3]
    assert sum(m["is_main"] for m in listing) == 1
    assert [m["kind"] for m in listing].count("video") == 1
    assert len(media_files(app_ctx)) == 4 * 4 + 1
