"""Product media processing, pure: recognise, check, clean and resize.

Nothing here touches the database or the storage; every function takes a path
to an uploaded file and is CPU- or disk-bound, so callers run it in a worker
thread. Files are judged by their content, never by name or declared type.

Images: JPEG, PNG or WebP (Pillow decides, trying only those three decoders),
at most ``IMAGE_MAX_BYTES``, ``max_pixels`` (the ``image_max_pixels`` setting) and
``MAX_SIDE``, checked from the header, before any pixel is decoded. The picture is turned upright (EXIF
orientation), converted to sRGB when it carries an ICC profile, and re-encoded
without any metadata (EXIF with its GPS position, XMP, comments, text chunks,
the profile itself): the original in its own format, plus WebP thumbnails
(``THUMBNAILS``, long side in pixels).

Videos: MP4 only, recognised by its ISO BMFF structure: an ``ftyp`` box first,
with an MP4 brand, top-level boxes that exactly tile the file, and a ``moov``.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from jishi.core.errors import AppError, FieldError

MIB = 1024 * 1024
IMAGE_MAX_BYTES = 10 * MIB
VIDEO_MAX_BYTES = 100 * MIB
# The default of the ``image_max_pixels`` setting: a decoded 40-megapixel picture is ~160 MB,
# and processing holds it several times over (upright copy, colour conversion, encoders).
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
UPLOAD_FIELD = "file"
# Thumbnail name → long side in pixels; an image smaller than that keeps its size.
THUMBNAILS = {"large": 800, "medium": 400, "thumb": 160}

# Pillow's own bomb guard (on at ~89 megapixels) warns before it raises; here
# a warning is as good as a refusal. MAX_PIXELS is checked first anyway.
warnings.simplefilter("error", Image.DecompressionBombWarning)

_DECODERS = ("JPEG", "PNG", "WEBP")
# Pillow reports a JPEG with a multi-picture index (many phone cameras) as MPO.
_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_ENCODE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 90, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},
    "WEBP": {"quality": 90, "method": 4},
}
_THUMBNAIL_OPTIONS: dict[str, Any] = {"quality": 82, "method": 4}

MP4_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso3",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"avc1",
        b"M4V ",
        b"M4VH",
        b"M4VP",
        b"dash",
        b"mmp4",
    }
)
_MAX_TOP_LEVEL_BOXES = 10_000


def image_too_large() -> AppError:
    return AppError("image_too_large", max_mb=IMAGE_MAX_BYTES // MIB)


def video_too_large() -> AppError:
    return AppError("video_too_large", max_mb=VIDEO_MAX_BYTES // MIB)


def _dimensions_too_large(max_pixels: int) -> AppError:
    megapixels = f"{max_pixels / 1_000_000:g}"
    field = FieldError(
        UPLOAD_FIELD,
        "image_dimensions_too_large",
        f"图片最多 {megapixels} 百万像素，每边不超过 {MAX_SIDE} 像素。",
        f"at most {megapixels} megapixels and {MAX_SIDE} pixels a side",
    )
    return AppError(
        "image_dimensions_too_large", field_errors=[field], max_megapixels=megapixels, max_side=MAX_SIDE
    )


@dataclass(frozen=True)
class Rendition:
    data: bytes
    extension: str  # jpg | png | webp
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.extension]


@dataclass(frozen=True)
class ProcessedImage:
    original: Rendition
    thumbnails: dict[str, Rendition]  # by the names of THUMBNAILS


def process_image(path: Path, max_pixels: int = MAX_PIXELS) -> ProcessedImage:
    """Check an uploaded image and produce its clean original and thumbnails.

    Raises ``AppError``: ``image_too_large``, ``unsupported_media_type``,
    ``image_dimensions_too_large`` or ``corrupt_image``.
    """
    if path.stat().st_size > IMAGE_MAX_BYTES:
        raise image_too_large()
    source_format = _check_header(path, max_pixels)
    picture = _decode(path, max_pixels)
    original = _encode(picture, source_format, _ENCODE_OPTIONS[source_format])
    thumbnails: dict[str, Rendition] = {}
    current = picture
    for name, side in sorted(THUMBNAILS.items(), key=lambda item: -item[1]):
        # Each thumbnail is made from the next larger one: as sharp, and faster.
        size = fit_within(current.width, current.height, side)
        if size != current.size:
            current = current.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        thumbnails[name] = _encode(current, "WEBP", _THUMBNAIL_OPTIONS)
    return ProcessedImage(original=original, thumbnails=thumbnails)


def fit_within(width: int, height: int, side: int) -> tuple[int, int]:
    """The size of a ``width`` × ``height`` picture scaled so its long side is at most ``side``."""
    longest = max(width, height)
    if longest <= side:
        return width, height
    scale = side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _check_header(path: Path, max_pixels: int) -> str:
    """Identify the format and check the dimensions without decoding pixels."""
    try:
        with Image.open(path, formats=_DECODERS) as probe:
            source_format = _FORMATS.get(probe.format or "")
            if source_format is None:
                raise AppError("unsupported_media_type")
            width, height = probe.size
            if width < 1 or height < 1:
                raise AppError("corrupt_image")
            if width * height > max_pixels or max(width, height) > MAX_SIDE:
                raise _dimensions_too_large(max_pixels)
            probe.verify()
    except AppError:
        raise
    except UnidentifiedImageError as exc:
        raise AppError("unsupported_media_type") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _dimensions_too_large(max_pixels) from exc
    except Exception as exc:  # any decoder complaint means the file cannot be trusted
        raise AppError("corrupt_image") from exc
    return source_format


def _decode(path: Path, max_pixels: int) -> Image.Image:
    """Decode fully, upright, in sRGB, in a mode every output format accepts, without metadata."""
    try:
        with Image.open(path, formats=_DECODERS) as opened:
            opened.load()  # a truncated file fails here (LOAD_TRUNCATED_IMAGES stays off)
            picture = _upright(opened)
            picture = _to_srgb(picture, opened.info.get("icc_profile"))
            picture = _normal_mode(picture)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _dimensions_too_large(max_pixels) from exc
    except Exception as exc:
        raise AppError("corrupt_image") from exc
    picture.info = {}  # nothing of the source's metadata may reach an encoder
    return picture


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # unreadable EXIF: keep the picture as stored; the EXIF goes anyway
        return image.copy()


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    if not icc_profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        target = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=output_mode)
    except Exception:  # a broken or mismatched profile: keep the pixels as they are
        return image
    return converted if converted is not None else image


def _normal_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA", "L"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if image.mode in ("LA", "PA", "RGBa", "La") or image.has_transparency_data:
        return image.convert("RGBA")
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")


def _encode(image: Image.Image, image_format: str, options: dict[str, Any]) -> Rendition:
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if image_format == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return Rendition(buffer.getvalue(), _EXTENSIONS[image_format], image.width, image.height)


# ---- video ----------------------------------------------------------------------------


def check_mp4(path: Path) -> int:
    """Check that the file is an MP4 (ISO BMFF with an MP4 brand); returns its size.

    Raises ``AppError``: ``video_too_large`` or ``not_an_mp4``.
    """
    size = path.stat().st_size
    if size > VIDEO_MAX_BYTES:
        raise video_too_large()
    offset = 0
    boxes: list[bytes] = []
    with path.open("rb") as file:
        while offset < size:
            if len(boxes) >= _MAX_TOP_LEVEL_BOXES:
                raise AppError("not_an_mp4")
            file.seek(offset)
            header = file.read(16)
            if len(header) < 8:
                raise AppError("not_an_mp4")
            box_size, box_type = struct.unpack(">I4s", header[:8])
            header_size = 8
            if box_size == 1:  # a 64-bit size follows the type
                if len(header) < 16:
                    raise AppError("not_an_mp4")
                (box_size,) = struct.unpack(">Q", header[8:16])
                header_size = 16
            elif box_size == 0:  # the last box, to the end of the file
                box_size = size - offset
            if box_size < header_size or offset + box_size > size or not _is_fourcc(box_type):
                raise AppError("not_an_mp4")
            if not boxes:
                if box_type != b"ftyp":
                    raise AppError("not_an_mp4")
                file.seek(offset + header_size)
                _check_brands(file.read(min(box_size - header_size, 1024)))
            boxes.append(box_type)
            offset += box_size
    if b"moov" not in boxes:
        raise AppError("not_an_mp4")
    return size


def _is_fourcc(box_type: bytes) -> bool:
    return all(0x20 <= byte <= 0x7E for byte in box_type)


def _check_brands(payload: bytes) -> None:
    # major_brand (4), minor_version (4), then compatible_brands (4 each)
    if len(payload) < 8:
        raise AppError("not_an_mp4")
    brands = {payload[:4]}
    brands.update(payload[i : i + 4] for i in range(8, len(payload) - 3, 4))
    if not brands & MP4_BRANDS:
        raise AppError("not_an_mp4")
