"""Generated pictures for the demo catalog (演示商品图).

One picture per leaf category, drawn with Pillow and run through the same
processing as a merchant's upload; each demo product then gets its own copy
under its own keys, so deleting one product's image never touches another's.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import insert, update

from jishi.catalog import media
from jishi.catalog.models import Product, ProductMedia
from jishi.core.context import AppContext
from jishi.core.ids import new_id

SIZE = 800


def draw(label: str, seed: str) -> bytes:
    """A soft two-colour picture with a product-like shape and a short Latin label."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = digest[0] / 255
    top = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.86, 0.55))
    bottom = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.62, 0.5))
    image = Image.new("RGB", (SIZE, SIZE))
    pixels = ImageDraw.Draw(image)
    for y in range(SIZE):
        t = y / SIZE
        pixels.line(
            [(0, y), (SIZE, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    shape = digest[1] % 3
    box = (200, 170, 600, 570)
    accent = tuple(int(c * 255) for c in colorsys.hls_to_rgb((hue + 0.5) % 1, 0.45, 0.45))
    if shape == 0:
        pixels.rounded_rectangle(box, radius=60, fill=(255, 255, 255), outline=accent, width=10)
    elif shape == 1:
        pixels.ellipse(box, fill=(255, 255, 255), outline=accent, width=10)
    else:
        pixels.polygon([(400, 160), (610, 560), (190, 560)], fill=(255, 255, 255), outline=accent)
    font = ImageFont.load_default(size=64)
    width = pixels.textlength(label, font=font)
    pixels.text(((SIZE - width) / 2, 640), label, fill=(40, 40, 40), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def render_leaf_pictures(labels: dict[str, str]) -> dict[str, media.ProcessedImage]:
    """Process one drawn picture per leaf (key → label) through the upload pipeline."""
    processed: dict[str, media.ProcessedImage] = {}
    with tempfile.TemporaryDirectory() as folder:
        for key, label in labels.items():
            path = Path(folder) / f"{hashlib.sha1(key.encode()).hexdigest()}.jpg"  # noqa: S324 (a file name)
            path.write_bytes(draw(label, key))
            processed[key] = media.process_image(path)
    return processed


async def attach_pictures(
    ctx: AppContext, products: list[tuple[str, str, str]], pictures: dict[str, media.ProcessedImage]
) -> None:
    """Give each (product_id, shop_id, leaf key) its leaf's picture as its main image."""
    now = ctx.clock.now()
    rows: list[dict[str, Any]] = []
    mains: list[dict[str, Any]] = []
    for product_id, shop_id, leaf in products:
        picture = pictures[leaf]
        media_id = new_id()
        original_key = f"images/{media_id}/original.{picture.original.extension}"
        variants = {n: f"images/{media_id}/{n}.{r.extension}" for n, r in picture.thumbnails.items()}
        await ctx.storage.put(original_key, picture.original.data)
        for name, rendition in picture.thumbnails.items():
            await ctx.storage.put(variants[name], rendition.data)
        rows.append(
            {
                "id": media_id,
                "product_id": product_id,
                "shop_id": shop_id,
                "kind": "image",
                "storage_key": original_key,
                "content_type": picture.original.content_type,
                "byte_size": len(picture.original.data),
                "width": picture.original.width,
                "height": picture.original.height,
                "variants": variants,
                "position": 0,
                "created_at": now,
            }
        )
        mains.append({"product_id": product_id, "media_id": media_id})
    if not rows:
        return
    async with ctx.database.uow() as uow:
        await uow.session.execute(insert(ProductMedia), rows)
        for main in mains:
            await uow.session.execute(
                update(Product).where(Product.id == main["product_id"]).values(main_image_id=main["media_id"])
            )
        await uow.commit()
