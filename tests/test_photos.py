"""Photos of posted protocols: refused when they are not whole photos, cleaned of what could
identify the observer (GPS above all), and unchanged in their pixels (saylau.copies.photos).

Every image is made here with Pillow; nothing is read from files.
"""

from __future__ import annotations

import hashlib
import io
import random
import string
import struct
import zlib

import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageOps, ImageStat
from PIL.PngImagePlugin import PngInfo

from saylau.copies import photos
from saylau.copies.photos import MAX_BYTES, Photo, clean, sniff
from saylau.errors import InputError

GPS = 0x8825
MAKE, MODEL, DATETIME, ORIENTATION = 0x010F, 0x0110, 0x0132, 0x0112
XMP = b"http://ns.adobe.com/xap"
SECRET = b"observer Aigerim, home address"

pillow_heif.register_heif_opener()


# --- making images ---


def noise(width: int = 64, height: int = 48, seed: int = 1, mode: str = "RGB") -> Image.Image:
    """An image of random pixels: any change to a pixel shows in its bytes."""
    bands = len(mode)
    return Image.frombytes(mode, (width, height), random.Random(seed).randbytes(width * height * bands))


def gradient(width: int = 64, height: int = 48) -> Image.Image:
    """A smooth image, for lossy conversions (HEIC) compared by mean colour."""
    image = Image.new("RGB", (width, height))
    image.putdata([(4 * x % 256, 5 * y % 256, 128) for y in range(height) for x in range(width)])
    return image


def exif_with_gps(orientation: int | None = None, make: str = "PhoneMaker") -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = make
    exif[MODEL] = "Model X"
    exif[DATETIME] = "2023:03:19 20:15:00"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS)
    gps.update({1: "N", 2: (43.0, 14.0, 17.0), 3: "E", 4: (76.0, 53.0, 45.0)})
    return exif


def save(image: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def app_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def rich_jpeg(**options: object) -> bytes:
    """A JPEG as a phone might send it: Exif with GPS, make, model and date; XMP; a comment; an
    IPTC/Photoshop APP13 and a FlashPix APP2; and a trailer after the end of the image."""
    extra = app_segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04" + SECRET) + app_segment(
        0xE2, b"FPXR\x00" + SECRET
    )
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:xap="http://ns.adobe.com/xap/1.0/"/></x:xmpmeta>'
    )
    data = save(
        noise(),
        "JPEG",
        exif=exif_with_gps(),
        xmp=xmp,
        comment=b"COMMENT " + SECRET,
        extra=extra,
        **options,
    )
    return data + b"MOTION-PHOTO-TRAILER " + SECRET


def open_bytes(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    image = open_bytes(data)
    return image.mode, image.size, image.tobytes()


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """The header segments of a JPEG up to its first scan: (marker, payload)."""
    found, pos = [], 2
    while data[pos + 1] != 0xDA:
        marker, length = data[pos + 1], struct.unpack_from(">H", data, pos + 2)[0]
        found.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
    return found


def png_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        kinds.append(kind)
        pos += 12 + length
    return kinds


def refused(data: bytes, *words: str) -> str:
    with pytest.raises(InputError) as caught:
        clean(data)
    message = str(caught.value)
    assert caught.value.where == "photo"
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


# --- sniffing ---


def test_sniff_reads_the_magic_bytes_only() -> None:
    assert sniff(save(noise(), "JPEG")) == "image/jpeg"
    assert sniff(save(noise(), "PNG")) == "image/png"
    assert sniff(save(gradient(), "HEIF")) == "image/heic"
    assert sniff(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "image/heic"
    assert sniff(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf") is None  # AVIF
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2") is None  # an MP4 video
    assert sniff(save(noise(), "GIF")) is None
    assert sniff(b"%PDF-1.7") is None
    assert sniff(b"") is None


# --- JPEG ---


def test_a_jpeg_loses_gps_camera_date_xmp_comment_and_trailer_and_keeps_its_pixels() -> None:
    data = rich_jpeg()
    original = open_bytes(data)
    assert original.getexif().get_ifd(GPS) and original.getexif()[MAKE] == "PhoneMaker"  # there to lose
    assert XMP in data and b"COMMENT" in data and SECRET in data

    photo = clean(data)

    assert photo == Photo("image/jpeg", photo.content, photo.sha256, 64, 48, "image/jpeg", False)
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()
    cleaned = open_bytes(photo.content)
    assert cleaned.format == "JPEG"
    exif = cleaned.getexif()
    assert exif.get_ifd(GPS) == {}
    assert MAKE not in exif and MODEL not in exif and DATETIME not in exif
    assert len(exif) == 0  # Orientation was absent, so no Exif at all
    assert XMP not in photo.content and b"COMMENT" not in photo.content and SECRET not in photo.content
    assert "comment" not in cleaned.info
    assert {marker for marker, _ in jpeg_markers(photo.content)} <= {0xE0, 0xDB, 0xC0, 0xC4}
    assert pixels(photo.content) == pixels(data)
    assert photo.content.endswith(b"\xff\xd9")


def test_an_orientation_other_than_1_is_kept_alone() -> None:
    data = save(noise(), "JPEG", exif=exif_with_gps(orientation=6), comment=b"note")

    photo = clean(data)

    cleaned = open_bytes(photo.content)
    assert dict(cleaned.getexif()) == {ORIENTATION: 6}
    assert cleaned.getexif().get_ifd(GPS) == {}
    assert ImageOps.exif_transpose(cleaned).size == (48, 64)  # still shown upright
    assert (photo.width, photo.height) == (64, 48)  # the stored pixels
    assert pixels(photo.content) == pixels(data)
    assert [m for m, _ in jpeg_markers(photo.content)][:2] == [0xE0, 0xE1]  # Exif right after JFIF


def test_orientation_1_leaves_no_exif() -> None:
    photo = clean(save(noise(), "JPEG", exif=exif_with_gps(orientation=1)))
    assert 0xE1 not in [m for m, _ in jpeg_markers(photo.content)]


def test_keep_metadata_stores_the_jpeg_unchanged() -> None:
    data = rich_jpeg()

    photo = clean(data, keep_metadata=True)

    assert photo.content == data
    assert photo.metadata_kept is True
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert open_bytes(photo.content).getexif().get_ifd(GPS)[2] == (43.0, 14.0, 17.0)


def test_progressive_jpeg_with_an_icc_profile_keeps_both() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = rich_jpeg(progressive=True, icc_profile=icc)
    assert data.count(b"\xff\xda") > 1  # several scans

    photo = clean(data)

    assert photo.content.count(b"\xff\xda") == data.count(b"\xff\xda")
    assert open_bytes(photo.content).info["icc_profile"] == icc
    assert pixels(photo.content) == pixels(data)
    assert open_bytes(photo.content).getexif().get_ifd(GPS) == {}


def test_a_cmyk_jpeg_keeps_adobes_app14_so_its_colours_do_not_change() -> None:
    data = save(noise(mode="CMYK"), "JPEG", exif=exif_with_gps())
    assert any(m == 0xEE and p.startswith(b"Adobe") for m, p in jpeg_markers(data))

    photo = clean(data)

    assert any(m == 0xEE and p.startswith(b"Adobe") for m, p in jpeg_markers(photo.content))
    assert pixels(photo.content) == pixels(data)
    assert pixels(photo.content)[0] == "CMYK"


def test_a_multi_picture_jpeg_keeps_its_first_picture_only() -> None:
    second = noise(seed=2)
    data = save(noise(), "MPO", save_all=True, append_images=[second], exif=exif_with_gps())
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert data.count(b"\xff\xd8\xff") == 2

    photo = clean(data)

    assert photo.media_type == "image/jpeg"
    assert photo.content.count(b"\xff\xd8\xff") == 1
    assert open_bytes(photo.content).format == "JPEG"
    first = Image.open(io.BytesIO(data))
    first.load()
    assert pixels(photo.content)[2] == first.tobytes()


def test_a_jfif_thumbnail_is_dropped() -> None:
    data = save(noise(), "JPEG")
    (marker, payload), *_ = jpeg_markers(data)
    assert marker == 0xE0 and payload.startswith(b"JFIF\x00")
    with_thumbnail = app_segment(0xE0, payload[:12] + b"\x02\x02" + SECRET[:12])
    data = data[:2] + with_thumbnail + data[2 + 2 + 2 + len(payload) :]
    assert SECRET[:12] in data

    photo = clean(data)

    (marker, payload), *_ = jpeg_markers(photo.content)
    assert marker == 0xE0 and payload[12:] == b"\x00\x00"
    assert SECRET[:12] not in photo.content
    assert pixels(photo.content) == pixels(data)


# --- PNG ---


def test_a_png_loses_text_exif_and_time_and_keeps_colour_and_pixels() -> None:
    info = PngInfo()
    info.add_text("Author", "Observer Aigerim")
    info.add_itxt("Description", "Учаскеде түсірілді", lang="kk", tkey="Сипаттама")
    info.add_text("Comment", "compressed " * 20, zip=True)
    info.add(b"tIME", struct.pack(">HBBBBB", 2023, 3, 19, 20, 15, 0))
    info.add(b"gAMA", struct.pack(">I", 45455))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = save(noise(), "PNG", pnginfo=info, exif=exif_with_gps(), icc_profile=icc)
    before = png_chunks(data)
    assert {b"tEXt", b"iTXt", b"zTXt", b"tIME", b"eXIf", b"gAMA", b"iCCP"} <= set(before)

    photo = clean(data)

    assert photo.media_type == "image/png" and photo.received_as == "image/png"
    after = png_chunks(photo.content)
    assert after == [k for k in before if k in {b"IHDR", b"IDAT", b"IEND", b"gAMA", b"iCCP"}]
    cleaned = open_bytes(photo.content)
    assert cleaned.getexif().get_ifd(GPS) == {} and len(cleaned.getexif()) == 0
    assert "Author" not in cleaned.info and "Description" not in cleaned.info
    assert cleaned.info["icc_profile"] == icc
    assert pixels(photo.content) == pixels(data)
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()


def test_a_palette_png_keeps_its_transparency() -> None:
    image = Image.frombytes("P", (20, 10), bytes(i % 4 for i in range(200)))
    image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
    info = PngInfo()
    info.add_text("Software", "PhoneMaker Camera")
    data = save(image, "PNG", transparency=0, pnginfo=info)
    assert b"tRNS" in png_chunks(data) and b"tEXt" in png_chunks(data)

    photo = clean(data)

    assert png_chunks(photo.content) == [b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"]
    cleaned = open_bytes(photo.content)
    assert cleaned.mode == "P" and cleaned.info["transparency"] == 0
    assert cleaned.getpalette() == open_bytes(data).getpalette()
    assert pixels(photo.content) == pixels(data)


def test_keep_metadata_stores_the_png_unchanged() -> None:
    data = save(noise(), "PNG", exif=exif_with_gps())
    photo = clean(data, keep_metadata=True)
    assert photo.content == data
    assert open_bytes(photo.content).getexif().get_ifd(GPS)


def test_data_after_iend_is_dropped() -> None:
    data = save(noise(), "PNG") + SECRET
    assert SECRET not in clean(data).content


# --- HEIC ---


def test_heic_becomes_an_upright_jpeg_without_metadata() -> None:
    image = gradient()
    data = save(image, "HEIF", exif=exif_with_gps())
    assert open_bytes(data).getexif().get_ifd(GPS)  # there to lose

    photo = clean(data)

    assert (photo.media_type, photo.received_as, photo.metadata_kept) == ("image/jpeg", "image/heic", False)
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()
    converted = open_bytes(photo.content)
    assert converted.format == "JPEG" and converted.size == (64, 48) == (photo.width, photo.height)
    assert len(converted.getexif()) == 0
    assert {m for m, _ in jpeg_markers(photo.content)} <= {0xE0, 0xE2, 0xDB, 0xC0, 0xC4}
    for got, want in zip(ImageStat.Stat(converted).mean, ImageStat.Stat(image).mean, strict=True):
        assert abs(got - want) < 3
    assert photo.content == clean(photo.content).content  # the JPEG it became is already clean


def test_a_turned_heic_is_stored_turned_upright() -> None:
    # pillow-heif turns Exif bytes' Orientation into the container's rotation (irot), which the
    # decoder applies; it then reports Orientation 1, so nothing is turned twice.
    data = save(gradient(), "HEIF", exif=exif_with_gps(orientation=6).tobytes())
    assert Image.open(io.BytesIO(data)).size == (48, 64)

    photo = clean(data)

    assert (photo.width, photo.height) == (48, 64)
    assert len(open_bytes(photo.content).getexif()) == 0


def test_keep_metadata_keeps_a_heics_gps_in_the_jpeg() -> None:
    data = save(gradient(), "HEIF", exif=exif_with_gps())

    photo = clean(data, keep_metadata=True)

    exif = open_bytes(photo.content).getexif()
    assert exif.get_ifd(GPS)[2] == (43.0, 14.0, 17.0)
    assert exif[MAKE] == "PhoneMaker"
    assert (photo.media_type, photo.received_as, photo.metadata_kept) == ("image/jpeg", "image/heic", True)


def test_a_heic_with_alpha_becomes_an_rgb_jpeg() -> None:
    photo = clean(save(gradient().convert("RGBA"), "HEIF"))
    assert open_bytes(photo.content).mode == "RGB"


# --- refusals ---


def test_refuses_empty_bytes() -> None:
    refused(b"", "empty", "expected a JPEG, PNG or HEIC photo")


def test_refuses_more_than_10_mb() -> None:
    data = b"\xff\xd8\xff" + bytes(MAX_BYTES + 1 - 3)
    refused(data, "10,485,761 bytes", "limit of 10 MB")


def test_refuses_a_gif_a_pdf_and_text() -> None:
    refused(save(noise(), "GIF"), "GIF", "expected a JPEG, PNG or HEIC photo")
    refused(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "PDF", "expected a JPEG, PNG or HEIC photo")
    refused(b"Station 1234: registered 1500, voted 912\n", "text", "expected a JPEG, PNG or HEIC photo")
    refused(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF", "expected")


def test_refuses_a_truncated_jpeg() -> None:
    data = save(noise(), "JPEG")
    refused(data[: len(data) // 2], "JPEG", "truncated", "complete")


def test_refuses_a_jpeg_without_its_end_marker() -> None:
    data = save(noise(), "JPEG")
    refused(data[:-2], "truncated", "end-of-image")


def test_refuses_a_png_with_a_bad_crc() -> None:
    data = bytearray(save(noise(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    refused(bytes(data), "PNG", "corrupt", "IDAT", "CRC")


def test_refuses_a_truncated_png() -> None:
    data = save(noise(), "PNG")
    refused(data[: len(data) // 2], "PNG", "truncated")


def forged_png(width: int, height: int) -> bytes:
    data = bytearray(save(noise(4, 4), "PNG"))
    body = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = body
    data[29:33] = struct.pack(">I", zlib.crc32(body))
    return bytes(data)


def test_refuses_a_header_claiming_20000_by_20000_pixels_before_decoding() -> None:
    refused(forged_png(20000, 20000), "20000x20000", "400,000,000 pixels", "50,000,000")
    refused(forged_png(0, 5), "no size")


def test_refuses_a_jpeg_header_claiming_too_many_pixels() -> None:
    data = bytearray(save(noise(), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 10000, 10000)
    refused(bytes(data), "10000x10000", "pixels")


def test_pillows_own_bomb_error_becomes_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 64 x 48 is more than twice this
    refused(save(gradient(), "HEIF"), "too many pixels")


def test_refuses_an_animated_png() -> None:
    data = save(noise(), "PNG", save_all=True, append_images=[noise(seed=2)])
    refused(data, "animated")


def test_refuses_a_heic_that_does_not_decode() -> None:
    data = save(gradient(), "HEIF")
    refused(data[: len(data) // 2], "HEIC", "does not decode")


def test_refuses_a_jpeg_whose_picture_data_is_not_a_jpeg() -> None:
    refused(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"not a picture at all", "JPEG")


# --- properties ---


@st.composite
def photos_with_gps(draw: st.DrawFn) -> tuple[bytes, str, int]:
    width, height = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    image = noise(width, height, seed=draw(st.integers(0, 2**32)))
    exif = exif_with_gps(
        orientation=draw(st.integers(1, 8)),
        make=draw(st.text(string.ascii_letters + " ", min_size=1, max_size=12)),
    )
    exif.get_ifd(GPS)[2] = (draw(st.integers(0, 89)), draw(st.integers(0, 59)), draw(st.integers(0, 59)))
    kind = draw(st.sampled_from(["JPEG", "PNG"]))
    options: dict[str, object] = {"quality": draw(st.integers(50, 95))} if kind == "JPEG" else {}
    return save(image, kind, exif=exif, **options), kind, exif[ORIENTATION]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(photos_with_gps())
def test_cleaning_is_idempotent_and_never_leaves_gps(sample: tuple[bytes, str, int]) -> None:
    data, kind, orientation = sample
    once = clean(data)
    twice = clean(once.content)
    assert twice.sha256 == once.sha256 and twice.content == once.content
    exif = open_bytes(once.content).getexif()
    assert exif.get_ifd(GPS) == {}
    assert MAKE not in exif
    if kind == "JPEG":
        assert dict(exif) == ({ORIENTATION: orientation} if orientation != 1 else {})
    assert pixels(once.content) == pixels(data)


SAMPLES = [rich_jpeg(), save(noise(16, 16), "PNG", exif=exif_with_gps()), save(gradient(16, 16), "HEIF")]


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns of the damaged Exif it reads past
@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(range(len(SAMPLES))),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
    st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_damaged_photos_are_refused_or_cleaned_never_an_exception_of_pillow(
    which: int, changes: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(SAMPLES[which])
    for where, value in changes:
        data[where % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    try:
        photo = clean(bytes(data))
    except InputError as error:
        assert error.where == "photo"
        assert "\n" not in str(error)
    else:
        assert photo.media_type in photos.MEDIA_TYPES
        assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()
