"""Thumbnails of listing pictures: a small, upright JPEG without metadata.

Pure: bytes in, bytes out, no database and no storage. The input is whatever the seller
uploaded and Pillow recognised when the listing form checked it, so it is opened only as a
web picture format, and refused before it is decoded when decoding it would take more memory
than a picture needs (a "decompression bomb": a few kilobytes that declare 50,000 × 50,000
pixels).
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

# The longest side, in pixels: list pages draw it at up to 160 CSS pixels, twice that on
# high-density screens.
BOX = 320
JPEG_QUALITY = 82
# What cameras, phones and editors export for the web (JPEG includes the multi-frame MPO of
# some cameras). Other formats Pillow knows (EPS, which runs Ghostscript; PSD; TIFF with its
# many codecs) get no thumbnail: the page shows the original.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# A full-resolution photo of a 50 MP phone camera is 51.4 MP; decoded, a pixel takes 3 to 4
# bytes. Larger pictures are refused before their pixels are read.
MAX_PIXELS = 64_000_000


class UnusableImage(ValueError):
    """The file is not a picture this makes thumbnails of: its format, size or damage."""


@dataclass(frozen=True)
class Thumbnail:
    content: bytes  # JPEG
    width: int
    height: int


def thumbnail_render(source: bytes) -> Thumbnail:
    """The picture in ``source`` turned as its EXIF orientation says, shrunk (never enlarged)
    to fit BOX × BOX, transparency on white, as a JPEG with no EXIF, GPS, comment or colour
    profile. Raises UnusableImage, whatever went wrong."""
    try:
        return _render(source)
    except UnusableImage:
        raise
    except Exception as error:
        # A decoder given a damaged or hostile file raises nearly anything: OSError,
        # SyntaxError, struct.error, EOFError, Pillow's DecompressionBombError...
        raise UnusableImage(type(error).__name__) from error


def _render(source: bytes) -> Thumbnail:
    with Image.open(io.BytesIO(source), formats=FORMATS) as picture:
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise UnusableImage(f"{width} × {height} pixels")
        # A JPEG is decoded at 1/2, 1/4 or 1/8 of its size while that still covers the box:
        # a 12 MP photo then takes a sixty-fourth of the memory and time.
        picture.draft("RGB", (BOX, BOX))
        upright = ImageOps.exif_transpose(picture)
    upright.thumbnail((BOX, BOX), Image.Resampling.LANCZOS)
    flat = _on_white(upright)
    flat.info = {}  # nothing of the original's metadata is written out
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Thumbnail(out.getvalue(), flat.width, flat.height)


def _on_white(picture: Image.Image) -> Image.Image:
    """RGB for JPEG, which has no transparency: see-through parts become white, not black."""
    if not picture.has_transparency_data:
        return picture.convert("RGB")
    rgba = picture.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat
