"""API shapes of product media."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from jishi.catalog.media_service import MAX_IMAGES
from jishi.core.ids import ID_LENGTH
from jishi.core.schemas import StrictBody


class MediaUrls(BaseModel):
    """Public addresses of the files; they never change content, so clients may cache them."""

    original: str = Field(description="The cleaned original (image) or the MP4 (video)")
    large: str | None = Field(None, description="WebP, long side at most 800 px (images only)")
    medium: str | None = Field(None, description="WebP, long side at most 400 px (images only)")
    thumb: str | None = Field(None, description="WebP, long side at most 160 px (images only)")


class MediaOut(BaseModel):
    id: str
    product_id: str
    kind: Literal["image", "video"]
    position: int = Field(description="Order among the product's images, from 0; 0 for the video")
    is_main: bool = Field(description="The product's main image (主图), shown in lists and search")
    content_type: str
    byte_size: int
    width: int | None = Field(description="Of the original, after EXIF orientation; null for a video")
    height: int | None
    urls: MediaUrls
    created_at: datetime


class MediaUpdateIn(StrictBody):
    position: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        None, description="Move the image here (0 is first; past the end means last)"
    )
    is_main: Literal[True] | None = Field(None, description="Make this image the main image")


class ImageOrderIn(StrictBody):
    media_ids: list[Annotated[str, Field(max_length=ID_LENGTH)]] = Field(
        min_length=1, max_length=MAX_IMAGES, description="Every image id of the product, in the new order"
    )
