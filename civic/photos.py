"""Photos, privacy first: decoded from content, cleaned in the request, faces blurred in a task.

In the request (``photo_clean``): the type is read from the bytes (JPEG, PNG, WebP, HEIC), too
large or non-images are refused, orientation is applied, every metadata block is dropped (a new
image is encoded from pixels only) and the size is capped. The original bytes are never stored.

In the ``photos`` queue (``faces_pixelate``): faces, frontal and profile both ways, and plates,
best effort, are found on a copy of at most 1024 px with OpenCV's Haar cascades and pixelated.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from civic.errors import InvalidInput

try:  # HEIC from iPhones; optional so a missing wheel only refuses those photos
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover
    HEIC = False

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
THUMB_SIDE = 400
DETECT_SIDE = 1024
ENLARGE = 0.20
JPEG_QUALITY = 85

# Decoding is the costly part of a request (issue #11: five 40-megapixel 16-bit PNGs took 33 s):
# one request decodes at most this many pixels, all its photos together, a 16-bit pixel counting
# twice. Past it, a photo is refused before it is decoded (JPEGs are decoded at a reduced scale,
# so they cost little). Pillow's own bomb guard is set to the same per-image limit.
MAX_REQUEST_PIXELS = 80_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class DecodeBudget:
    """What one request may still decode (see ``MAX_REQUEST_PIXELS``)."""

    left: int = MAX_REQUEST_PIXELS

    def spend(self, cost: int) -> bool:
        if cost > self.left:
            return False
        self.left -= cost
        return True


def _decode_cost(image: Image.Image) -> int:
    deep = "16" in image.mode or any("16" in str(tile.args) for tile in getattr(image, "tile", ()))
    return image.width * image.height * (2 if deep else 1)


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}


def sniff(head: bytes) -> str | None:
    """The image type from the first bytes, whatever the file name or the browser says."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    width: int
    height: int
    # Where the camera says it was taken: offered to the sender, never stored with the photo.
    gps: tuple[float, float] | None = None


def _gps(image: Image.Image) -> tuple[float, float] | None:
    try:
        info = image.getexif().get_ifd(0x8825)
        lat = sum(float(v) / 60**i for i, v in enumerate(info[2]))
        lon = sum(float(v) / 60**i for i, v in enumerate(info[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    lat = -lat if info.get(1) == "S" else lat
    lon = -lon if info.get(3) == "W" else lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def photo_clean(
    upload: IO[bytes],
    *,
    name: str = "",
    size: int | None = None,
    budget: DecodeBudget | None = None,
) -> CleanPhoto:
    """Decode, check, orient, strip and re-encode one uploaded photo. Raises ``InvalidInput``.

    ``budget``, shared by the photos of one request, bounds the decoding work they may cause."""
    label = name or _("The photo")
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    upload.seek(0)
    if size > MAX_BYTES:
        raise InvalidInput(
            _("%(name)s is larger than 15 MB: please send a smaller photo.") % {"name": label},
            field="photos",
            code="photo_too_large",
        )
    kind = sniff(upload.read(32))
    upload.seek(0)
    if kind is None or (kind == "heic" and not HEIC):
        raise InvalidInput(
            _("%(name)s is not a photo we can read (JPEG, PNG, WebP or HEIC).") % {"name": label},
            field="photos",
            code="photo_type",
        )
    try:
        with Image.open(upload) as source:
            width, height = source.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    _("%(name)s has more than 40 megapixels: please send a smaller photo.")
                    % {"name": label},
                    field="photos",
                    code="photo_too_large",
                )
            # A JPEG is decoded directly at the smallest scale still larger than kept (1/2,
            # 1/4, 1/8): a 40-megapixel photo costs a quarter of its pixels or less.
            source.draft("RGB", (MAX_SIDE, MAX_SIDE))
            if budget is not None and not budget.spend(_decode_cost(source)):
                raise InvalidInput(
                    _(
                        "%(name)s could not be processed with the other large photos sent at "
                        "the same time: please send it again on its own, or a smaller copy."
                    )
                    % {"name": label},
                    field="photos",
                    code="photo_budget",
                )
            source.load()
            gps = _gps(source)
            image = ImageOps.exif_transpose(source) or source
            image = _to_rgb(image)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidInput(
            _("%(name)s is damaged or incomplete: please send it again.") % {"name": label},
            field="photos",
            code="photo_corrupt",
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return CleanPhoto(jpeg=encode_jpeg(image), width=image.width, height=image.height, gps=gps)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def encode_jpeg(image: Image.Image) -> bytes:
    """Encode pixels only: a fresh image carries no EXIF, GPS, XMP, ICC or comment."""
    pixels = Image.new("RGB", image.size)
    pixels.paste(image)
    out = io.BytesIO()
    pixels.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def thumbnail_jpeg(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return encode_jpeg(small)


# --- Faces -----------------------------------------------------------------------------------

_CASCADES: dict[str, Any] = {}


def _cascade(name: str) -> Any:
    import cv2

    if name not in _CASCADES:
        folder = cv2.data.haarcascades  # type: ignore[attr-defined]
        _CASCADES[name] = cv2.CascadeClassifier(folder + name)
    return _CASCADES[name]


Box = tuple[int, int, int, int]  # x, y, width, height in the full image


def faces_find(image: Image.Image) -> list[Box]:
    """Faces (frontal, profile facing either way) and plates, on a copy of at most 1024 px."""
    import cv2
    import numpy as np

    scale = min(1.0, DETECT_SIDE / max(image.size))
    small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    gray = cv2.equalizeHist(cv2.cvtColor(np.asarray(small.convert("RGB")), cv2.COLOR_RGB2GRAY))
    mirrored = cv2.flip(gray, 1)
    found: list[Box] = []
    options = {"scaleFactor": 1.1, "minNeighbors": 5, "minSize": (24, 24)}
    for name in ("haarcascade_frontalface_default.xml", "haarcascade_russian_plate_number.xml"):
        found += [tuple(box) for box in _cascade(name).detectMultiScale(gray, **options)]
    profile = _cascade("haarcascade_profileface.xml")
    found += [tuple(box) for box in profile.detectMultiScale(gray, **options)]
    for x, y, w, h in profile.detectMultiScale(mirrored, **options):
        found.append((small.width - x - w, y, w, h))
    return [
        (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
        for x, y, w, h in found
    ]


def pixelate(image: Image.Image, boxes: list[Box], *, blocks: int = 8) -> Image.Image:
    """Each box enlarged by 20 % (centred), reduced to a few blocks and scaled back up."""
    result = image.copy()
    for x, y, w, h in boxes:
        grow_w, grow_h = w * ENLARGE / 2, h * ENLARGE / 2
        left, top = max(0, int(x - grow_w)), max(0, int(y - grow_h))
        right = min(image.width, int(x + w + grow_w + 0.5))
        bottom = min(image.height, int(y + h + grow_h + 0.5))
        if right <= left or bottom <= top:
            continue
        region = result.crop((left, top, right, bottom))
        tiny = region.resize((blocks, blocks), Image.Resampling.BILINEAR)
        result.paste(tiny.resize(region.size, Image.Resampling.NEAREST), (left, top))
    return result


def anonymise(jpeg: bytes) -> tuple[bytes, bytes, int]:
    """The public copy and thumbnail of a cleaned photo, and how many boxes were pixelated."""
    with Image.open(io.BytesIO(jpeg)) as source:
        image = source.convert("RGB")
    boxes = faces_find(image)
    blurred = pixelate(image, boxes)
    return encode_jpeg(blurred), thumbnail_jpeg(blurred), len(boxes)
