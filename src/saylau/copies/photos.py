"""Photos of posted protocols: checked, cleaned of what could identify the observer, then stored.

An observer who copies the protocol a commission posts at its station also photographs the posted
paper; the photo is the evidence behind the copy. Before it is stored (content-addressed: its
SHA-256 goes into the tamper-evident log) it must be

* **a photo, and a whole one**: JPEG, PNG or HEIC by its magic bytes (never by a file name or a
  declared type), no larger than :data:`MAX_BYTES`, no more than :data:`MAX_PIXELS` pixels (read
  from the header before anything is decoded, so a small file cannot make the server allocate
  gigabytes), and decoding fully (a truncated or corrupt file is refused, not stored as evidence
  nobody can open);
* **cleaned of metadata**: a phone writes into its photos the GPS position where they were taken,
  the phone's make, model and serial numbers, the time, the owner's name, the software used.
  Published next to a protocol, a GPS position shows where an observer stood, or where they
  live if the photo was taken at home; that can put them in danger. By default every such segment
  is removed;
* **unchanged in its pixels**: the photo is evidence, so metadata is removed losslessly, at the
  level of the file's segments (JPEG) or chunks (PNG); the compressed picture data is copied byte
  for byte, and the cleaned file is decoded again and compared with the original, pixel for pixel.

HEIC (what iPhones save by default) is the exception: browsers other than Safari cannot show it,
so a HEIC photo is converted to a JPEG (quality 92), upright, without metadata. That is the only
re-encoding done here, and the only lossy step.

Everything here is pure (bytes in, bytes out): no store, no HTTP, no file. Every refusal is an
:class:`~saylau.errors.InputError` with ``where="photo"`` and a one-line message saying what is
wrong and what is accepted; no exception of Pillow's escapes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from saylau.errors import InputError

#: The upload limit, in bytes, before cleaning.
MAX_BYTES: int = 10 * 1024 * 1024
#: Images with more pixels are refused, whatever their size in bytes (decompression bombs).
MAX_PIXELS: int = 50_000_000
#: The media types stored (a HEIC photo is stored as the JPEG it is converted to).
MEDIA_TYPES = ("image/jpeg", "image/png")

JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
HEIC: Final = "image/heic"

#: What every refusal says is accepted.
ACCEPTED: Final = "expected a JPEG, PNG or HEIC photo"
#: What a refusal of a damaged file says is accepted.
COMPLETE: Final = "expected a complete JPEG, PNG or HEIC photo"

_WHERE: Final = "photo"
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
#: The major brands of an ISO-BMFF ``ftyp`` box that make a HEIF/HEIC file (pillow-heif opens these).
_HEIF_BRANDS: Final = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"})
#: Pillow's name of the format each sniffed type must decode as.
_PILLOW_FORMATS: Final = {JPEG: ("JPEG", {"JPEG", "MPO"}), PNG: ("PNG", {"PNG"}), HEIC: ("HEIF", {"HEIF"})}
_LABELS: Final = {JPEG: "JPEG", PNG: "PNG", HEIC: "HEIC"}

# --- JPEG markers (ITU T.81, table B.1) ---
_SOI: Final = 0xD8
_EOI: Final = 0xD9
_SOS: Final = 0xDA
_APP0: Final = 0xE0
_APP1: Final = 0xE1
_APP2: Final = 0xE2
_APP14: Final = 0xEE
_APP15: Final = 0xEF
_COM: Final = 0xFE
#: Markers without a length: TEM and the restart markers.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})
#: Start-of-frame markers (they give the image's size): C0-CF but DHT (C4), JPG (C8) and DAC (CC).
_SOF: Final = frozenset(set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC})
#: The end of a scan's entropy-coded data: a 0xFF that is not a stuffed 0x00, a restart marker or fill.
_SCAN_END: Final = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_ORIENTATION: Final = 0x0112

# --- PNG chunks (PNG specification, 3rd edition) ---
_CRITICAL: Final = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})
#: Ancillary chunks that change how the pixels look (transparency, colour space, gamma, significant
#: bits, pixel aspect), kept; cICP, mDCv and cLLi are the 3rd edition's colour-space chunks.
_PNG_LOOKS: Final = frozenset(
    {b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"cICP", b"mDCv", b"cLLi"}
)


@dataclass(frozen=True)
class Photo:
    """A photo as stored: the cleaned bytes and what was learnt checking them.

    ``width`` and ``height`` are those of the stored pixels as decoded; a JPEG whose Exif says to
    rotate it (an Orientation other than 1, kept) is shown turned by browsers, e.g. a 4000x3000
    photo with Orientation 6 is shown 3000 wide and 4000 high. A converted HEIC photo is stored
    upright.
    """

    media_type: str
    content: bytes
    sha256: str
    width: int
    height: int
    received_as: str
    metadata_kept: bool


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` by its magic bytes alone: ``"image/jpeg"``, ``"image/png"``,
    ``"image/heic"`` (any HEIF, by the major brand of its ``ftyp`` box), or ``None``.

    A declared type or a file name is what the sender says; the first bytes are what the file is.
    """
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def clean(data: bytes, *, keep_metadata: bool = False) -> Photo:
    """Check ``data`` is a whole JPEG, PNG or HEIC photo and clean it for storing.

    By default metadata is removed (see the module's docstring for why): from a JPEG, every APP1
    (Exif, XMP), APP2 but the ICC profile, APP3 to APP15 but Adobe's APP14, COM, and whatever
    follows the end of the image (the further pictures of an MPO, a phone's "motion photo"
    video), with the Exif Orientation alone written back when it is not 1; from a PNG, every
    ancillary chunk but those that change how the pixels look. The pixel data is not touched.
    With ``keep_metadata=True`` a JPEG or PNG is stored as sent, after the same checks.

    A HEIC photo is always converted to a JPEG, upright, without metadata (with
    ``keep_metadata=True``: with its Exif and XMP, GPS included).

    Raises :class:`~saylau.errors.InputError` (``where="photo"``) for anything that is not such a
    photo; no other exception.
    """
    if not data:
        raise _refuse(f"the photo is empty (0 bytes): {ACCEPTED}")
    if len(data) > MAX_BYTES:
        raise _refuse(
            f"the photo is {len(data):,} bytes ({len(data) / 2**20:.1f} MB), over the limit of "
            f"{MAX_BYTES // 2**20} MB ({MAX_BYTES:,} bytes)"
        )
    received = sniff(data)
    if received is None:
        raise _refuse(f"the file is {_describe(data)}, not a photo: {ACCEPTED}")
    if received == HEIC:
        return _convert_heic(data, keep_metadata)
    if received == JPEG:
        jpeg = _walk_jpeg(data)
        image = _decode(data, JPEG)
        stripped = None if keep_metadata else jpeg.stripped(_orientation(image))
    else:
        chunks = _walk_png(data)
        image = _decode(data, PNG)
        stripped = None if keep_metadata else _PNG_SIGNATURE + b"".join(chunks)
    width, height = image.size
    if stripped is not None:
        before = _pixel_digest(image)
        image.close()  # the original's pixels are not held while the cleaned file is decoded
        cleaned = _decode(stripped, received)
        same = _pixel_digest(cleaned) == before
        cleaned.close()
        if not same:
            raise _refuse(
                f"the {_LABELS[received]}'s pixels depend on the metadata that must be removed; "
                f"{ACCEPTED} as the camera saved it"
            )
    image.close()
    content = data if stripped is None else stripped
    return _photo(received, content, width, height, received, keep_metadata)


# --- refusals ---


def _refuse(message: str) -> InputError:
    return InputError(message, where=_WHERE)


def _describe(data: bytes) -> str:
    """What a refused file looks like, so the sender knows what they sent."""
    head = data[:16]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "a TIFF image"
    if head.startswith(b"BM"):
        return "a BMP image"
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace")
        return "an AVIF image" if brand in ("avif", "avis") else f"an ISO media file (brand {brand!r})"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (or an office document)"
    if head.startswith(b"<"):
        return "markup (HTML, XML or SVG)"
    try:
        text = data[:512].decode("utf-8")
    except UnicodeDecodeError:
        return "of an unknown type"
    return "text" if all(c.isprintable() or c.isspace() for c in text) else "of an unknown type"


def _check_pixel_count(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise _refuse(f"the photo's header gives no size ({width}x{height}): {ACCEPTED}")
    if width * height > MAX_PIXELS:
        raise _refuse(
            f"the photo is {width}x{height} = {width * height:,} pixels, more than the "
            f"{MAX_PIXELS:,} accepted"
        )


# --- decoding with Pillow ---


def _decode(data: bytes, media_type: str) -> Image.Image:
    """``data`` opened as ``media_type`` only, checked by Pillow's ``verify()``, then reopened and
    fully decoded; any failure of Pillow's is an InputError naming it."""
    label = _LABELS[media_type]
    pillow_format, decoded_as = _PILLOW_FORMATS[media_type]
    if media_type == HEIC:
        _register_heif()
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as probe:
            if probe.format not in decoded_as:
                raise _refuse(f"the file starts as a {label} but decodes as {probe.format}: {ACCEPTED}")
            _check_pixel_count(*probe.size)
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=[pillow_format])
        image.load()
    except InputError:
        raise
    except UnidentifiedImageError:  # Pillow's message names only the in-memory file object
        raise _refuse(
            f"the {label} does not decode: its content is not a readable {label}; {COMPLETE}"
        ) from None
    except Image.DecompressionBombError as error:
        raise _refuse(f"the photo has too many pixels ({_one_line(error)}); at most {MAX_PIXELS:,}") from None
    except Exception as error:  # every failure of a decoder is a file that cannot be used
        raise _refuse(f"the {label} does not decode ({_one_line(error)}): {COMPLETE}") from None
    return image


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


@functools.cache
def _register_heif() -> None:
    """Teach Pillow to open HEIF, once, and only when a HEIC photo is sent."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def _pixel_digest(image: Image.Image) -> bytes:
    """A digest of what decoding gives: mode, size, palette, transparency and every pixel.

    Read in strips of about 4 MB, so comparing two photos never holds a second full copy of one.
    """
    digest = hashlib.sha256(f"{image.mode} {image.size}".encode())
    palette = image.getpalette()
    digest.update(bytes(palette) if palette else b"-")
    digest.update(repr(image.info.get("transparency")).encode())
    width, height = image.size
    rows = max(1, (4 << 20) // max(1, width * 4))
    for top in range(0, height, rows):
        digest.update(image.crop((0, top, width, min(height, top + rows))).tobytes())
    return digest.digest()


def _photo(media_type: str, content: bytes, width: int, height: int, received: str, kept: bool) -> Photo:
    sha = hashlib.sha256(content).hexdigest()
    return Photo(media_type, content, sha, width, height, received, kept)


# --- JPEG ---


@dataclass(frozen=True)
class _Jpeg:
    """A JPEG cut into its segments: ``(marker, start, end)`` each, from SOI to EOI; a scan's
    segment runs from its SOS marker to the end of its entropy-coded data."""

    data: bytes
    segments: tuple[tuple[int, int, int], ...]

    def stripped(self, orientation: int | None) -> bytes:
        """The JPEG without its metadata segments, and with a minimal Exif holding only
        ``orientation`` when one is given (so the photo is still shown the right way up)."""
        parts: list[bytes] = []
        exif_after = _exif_position(self.segments, self.data)
        for index, (marker, start, end) in enumerate(self.segments):
            payload = self.data[start + 4 : end]
            if marker == _APP0:
                if payload.startswith(b"JFIF\x00") and len(payload) >= 14:
                    # JFIF's density stays; its optional thumbnail (a copy of the picture) goes.
                    parts.append(_segment(_APP0, payload[:12] + b"\x00\x00"))
            elif marker == _APP2:
                if payload.startswith(b"ICC_PROFILE\x00"):
                    parts.append(self.data[start:end])
            elif marker == _APP14:
                # Adobe's APP14 says how the colour components are coded: without it a CMYK or an
                # RGB-coded JPEG decodes to other colours. Its 12 bytes hold nothing else.
                if payload.startswith(b"Adobe") and len(payload) >= 12:
                    parts.append(_segment(_APP14, payload[:12]))
            elif _APP1 <= marker <= _APP15 or marker == _COM:
                pass  # Exif, XMP, MPF, FlashPix, IPTC/Photoshop, comments...
            else:
                parts.append(self.data[start:end])
            if orientation is not None and index == exif_after:
                parts.append(_segment(_APP1, _minimal_exif(orientation)))
        return b"".join(parts)


def _exif_position(segments: tuple[tuple[int, int, int], ...], data: bytes) -> int:
    """The index of the segment after which the minimal Exif goes: the JFIF APP0 when it follows
    SOI (JFIF wants to be first), else SOI."""
    if len(segments) > 1 and segments[1][0] == _APP0 and data[segments[1][1] + 4 :].startswith(b"JFIF\x00"):
        return 1
    return 0


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _minimal_exif(orientation: int) -> bytes:
    """An Exif APP1 payload holding one tag, Orientation: big-endian TIFF header, IFD0 at offset 8
    with one SHORT entry, no next IFD (what Pillow's ``Image.Exif().tobytes()`` writes too)."""
    entry = struct.pack(">HHIHH", _ORIENTATION, 3, 1, orientation, 0)
    return b"Exif\x00\x00MM\x00\x2a" + struct.pack(">IH", 8, 1) + entry + struct.pack(">I", 0)


def _orientation(image: Image.Image) -> int | None:
    """The original's Exif Orientation when it turns or mirrors the photo (2 to 8), else None.

    An Exif Pillow cannot read gives None: browsers cannot read it either, so the photo was shown
    as stored.
    """
    try:
        value = image.getexif().get(_ORIENTATION)
    except Exception:
        return None
    return value if isinstance(value, int) and 2 <= value <= 8 else None


def _walk_jpeg(data: bytes) -> _Jpeg:
    """Cut a JPEG into segments, refusing one that is malformed or that ends before its EOI."""
    segments: list[tuple[int, int, int]] = [(_SOI, 0, 2)]
    size: tuple[int, int] | None = None
    pos, n = 2, len(data)
    while True:
        if pos >= n:
            raise _refuse(f"the JPEG is truncated: it ends before its end-of-image marker; {COMPLETE}")
        if data[pos] != 0xFF:
            raise _refuse(
                f"the JPEG is malformed: byte {pos} is not a marker; {ACCEPTED} as the camera saved it"
            )
        while pos < n and data[pos] == 0xFF:  # fill bytes may precede a marker
            pos += 1
        if pos >= n:
            continue
        marker, start = data[pos], pos - 1
        pos += 1
        if marker == _EOI:
            segments.append((marker, start, pos))
            break
        if marker in _STANDALONE:
            segments.append((marker, start, pos))
            continue
        if marker in (0x00, _SOI):
            raise _refuse(f"the JPEG is malformed: marker {marker:#04x} at byte {start}; {ACCEPTED}")
        if pos + 2 > n:
            raise _refuse(f"the JPEG is truncated: it ends inside a marker; {COMPLETE}")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2:
            raise _refuse(f"the JPEG is malformed: a segment of length {length} at byte {start}; {ACCEPTED}")
        end = pos + length
        if end > n:
            raise _refuse(
                f"the JPEG is truncated: its segment at byte {start} ends past the file; {COMPLETE}"
            )
        if marker in _SOF and size is None:
            if length < 8:
                raise _refuse(f"the JPEG is malformed: a short frame header at byte {start}; {ACCEPTED}")
            height, width = struct.unpack_from(">HH", data, pos + 3)
            size = (width, height)
            _check_pixel_count(width, height)  # before anything is decoded
        if marker == _SOS:
            if size is None:
                raise _refuse(f"the JPEG is malformed: a scan before any frame header; {ACCEPTED}")
            found = _SCAN_END.search(data, end)
            if found is None:
                raise _refuse(
                    "the JPEG is truncated: it ends inside its picture data, before its end-of-image "
                    f"marker; {COMPLETE}"
                )
            end = found.start()
        segments.append((marker, start, end))
        pos = end
    if size is None:
        raise _refuse(f"the JPEG is malformed: it has no frame header; {ACCEPTED}")
    return _Jpeg(data, tuple(segments))


# --- PNG ---


def _walk_png(data: bytes) -> list[bytes]:
    """The chunks to keep, as bytes, checking every chunk's CRC and the header's size first.

    Refuses a PNG that is corrupt (a CRC that does not match), truncated, animated (APNG: a photo
    is one picture, and a browser would show frames the checks never saw), or that has a critical
    chunk the standard does not define.
    """
    kept: list[bytes] = []
    pos, n = len(_PNG_SIGNATURE), len(data)
    while True:
        if pos + 12 > n:
            raise _refuse(f"the PNG is truncated: it ends before its IEND chunk; {COMPLETE}")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > n:
            raise _refuse(f"the PNG is truncated: its chunk at byte {pos} ends past the file; {COMPLETE}")
        name = kind.decode("latin-1")
        if not kind.isalpha():
            raise _refuse(f"the PNG is corrupt: no chunk type at byte {pos}; {ACCEPTED}")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            raise _refuse(f"the PNG is corrupt: chunk {name} at byte {pos} fails its CRC check; {ACCEPTED}")
        if not kept and kind != b"IHDR":
            raise _refuse(f"the PNG is malformed: it starts with {name}, not IHDR; {ACCEPTED}")
        if kind == b"IHDR":
            if kept or length != 13:
                raise _refuse(f"the PNG is malformed: an IHDR chunk at byte {pos}; {ACCEPTED}")
            _check_pixel_count(*struct.unpack_from(">II", data, pos + 8))
        if kind == b"acTL":
            raise _refuse(f"the PNG is animated (APNG): {ACCEPTED}, a single picture")
        if kind[0:1].isupper() and kind not in _CRITICAL:
            raise _refuse(f"the PNG has an unknown critical chunk {name}; {ACCEPTED}")
        if kind in _CRITICAL or kind in _PNG_LOOKS:
            kept.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            return kept


# --- HEIC ---


def _convert_heic(data: bytes, keep_metadata: bool) -> Photo:
    """A HEIC photo as a JPEG browsers can show: upright, quality 92, with its colour profile and
    no other metadata (with ``keep_metadata``: its Exif and XMP too, Orientation left as
    pillow-heif gives it, 1, since the decoder has already turned the picture)."""
    image = _decode(data, HEIC)
    info = dict(image.info)
    try:
        upright = image if keep_metadata else ImageOps.exif_transpose(image)
        converted = upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
        converted.info = {}  # Pillow's JPEG writer would copy a comment from here (kept in `info`)
        options: dict[str, object] = {"quality": 92}
        kept = ("icc_profile", "exif", "xmp") if keep_metadata else ("icc_profile",)
        options.update((key, info[key]) for key in kept if info.get(key))
        out = io.BytesIO()
        converted.save(out, format="JPEG", **options)
    except Exception as error:
        raise _refuse(f"the HEIC photo cannot be converted ({_one_line(error)}): {ACCEPTED}") from None
    content = out.getvalue()
    if not keep_metadata:  # the same walk as a sent JPEG's: nothing but pixels and colour leaves here
        content = _walk_jpeg(content).stripped(None)
    return _photo(JPEG, content, converted.width, converted.height, HEIC, keep_metadata)
