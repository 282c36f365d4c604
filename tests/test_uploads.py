"""Uploads: what is kept of a photo (decoded, upright, re-encoded without metadata), what is refused (a file that
is not wholly an image, a decompression bomb), how a photo is served, the daily quota, and the clean-up of
uploads never attached to a case."""
from __future__ import annotations

import io
import struct
import threading
import zlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ExifTags
from sqlalchemy import select, text

from backend.cases import uploads as photos
from backend.models import Attachment, Case, User
from backend.platform.config import Config
from backend.platform.db import begin_writing
from backend.platform.worker import one_at_a_time
from tests.test_api import client, uploads, world  # noqa: F401  (fixtures)
from tests.test_api_handheld import encoded, png, upload

RED, BLUE = (220, 20, 20), (20, 20, 220)


def located_jpeg() -> bytes:
    """A 40×20 JPEG, red left and blue right, to be shown turned a quarter clockwise (EXIF orientation 6),
    taken at a GPS position by a named camera, with a comment: everything a photo should not carry along."""
    image = Image.new("RGB", (40, 20), RED)
    image.paste(BLUE, (20, 0, 40, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (34.0, 45.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (113.0, 37.0, 1.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"home of the reporter", quality=95)
    return out.getvalue()


def bomb(width: int, height: int) -> bytes:
    """A PNG of black pixels: some tens of kB that decode to width × height bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), b"\x00" * (width + 1)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def nothing_stored(folder, sessions) -> bool:
    with sessions() as session:
        rows = session.scalars(select(Attachment)).all()
    return not rows and (not folder.exists() or not any(folder.iterdir()))


POLYGLOTS = {
    "a PNG header followed by a script": b"\x89PNG\r\n\x1a\n<script>alert(document.cookie)</script>",
    "an HTML page with JPEG magic": b"\xff\xd8\xff\xe0<!doctype html><script>alert(document.cookie)</script>",
    "a WebP header followed by HTML": b"RIFF\x20\x00\x00\x00WEBPVP8 <html><script>alert(1)</script></html>",
    "half a JPEG": encoded("JPEG", (64, 64))[:300],
    "a GIF": encoded("GIF"),
}


@pytest.mark.parametrize("data", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_file_that_is_not_wholly_a_jpeg_png_or_webp_is_refused(data):
    with pytest.raises(photos.NotAnImage):
        photos.reencode(data)


def test_polyglots_are_refused_over_http_with_415_and_nothing_is_stored(client, uploads, city_sessions):
    worker = client("gridworker")
    for name, data in POLYGLOTS.items():
        response = upload(worker, data, "photo.jpg", "image/jpeg")
        assert response.status_code == 415, name
        refusal = response.json()
        assert refusal["code"] == "unsupported_media_type" and "judged by its content" in refusal["message"]
    assert nothing_stored(uploads, city_sessions)


def test_whatever_follows_a_real_image_is_not_kept():
    kept = photos.reencode(png(2, 2) + b"<html><script>alert(document.cookie)</script></html>")
    assert kept.content_type == "image/png" and b"<script" not in kept.data
    assert Image.open(io.BytesIO(kept.data)).size == (2, 2)


def test_location_and_all_other_metadata_are_gone_and_the_photo_is_upright(client, uploads):
    source = located_jpeg()
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's own premise
    worker = client("gridworker")
    photo = upload(worker, source, "IMG_0001.jpg", "image/jpeg").json()
    served = worker.get(f"/attachments/{photo['id']}")
    image = Image.open(io.BytesIO(served.content))
    assert served.status_code == 200 and image.format == "JPEG" and photo["content_type"] == "image/jpeg"
    assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info)
    assert b"Exif\x00\x00" not in served.content and b"SecretCam" not in served.content
    assert b"SN-0042" not in served.content and b"reporter" not in served.content
    # Turned as the orientation said: now 20×40, red on top, blue below.
    assert image.size == (20, 40)
    top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


QUIET_BOMB = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's, before our refusal


@QUIET_BOMB
@pytest.mark.parametrize("width, height", [(10_000, 5_000), (10_000, 9_000)], ids=["50 Mpx", "90 Mpx"])
def test_a_decompression_bomb_is_refused(width, height):
    data = bomb(width, height)
    assert len(data) < 200_000
    with pytest.raises(photos.TooManyPixels, match="at most 40 million"):
        photos.reencode(data)


@QUIET_BOMB
def test_a_decompression_bomb_is_refused_over_http_with_422_and_nothing_is_stored(client, uploads, city_sessions):
    response = upload(client("gridworker"), bomb(10_000, 5_000))
    assert response.status_code == 422 and response.json()["code"] == "too_many_pixels"
    assert "10000×5000 pixels" in response.json()["message"]
    assert nothing_stored(uploads, city_sessions)


def test_a_transparent_colour_stays_transparent():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=1)
    kept = Image.open(io.BytesIO(photos.reencode(out.getvalue()).data))
    assert kept.info.get("transparency") == 1


def test_the_longest_side_is_at_most_4096_pixels():
    kept = photos.reencode(encoded("PNG", (5000, 10)))
    assert Image.open(io.BytesIO(kept.data)).size == (4096, 8)


def test_a_photo_is_served_inline_as_an_image_that_no_browser_would_run(client, uploads):
    worker = client("gridworker")
    photo = upload(worker, encoded("WEBP"), "<script>x</script>.html", "text/html").json()
    served = worker.get(f"/attachments/{photo['id']}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served.headers["Content-Disposition"] == f"inline; filename=photo-{photo['id']}.webp"
    assert served.headers["Cross-Origin-Resource-Policy"] == "same-origin"


# -- the daily quota ----------------------------------------------------------------------------------

def _user_id(sessions, username: str) -> int:
    with sessions() as session:
        return session.scalar(select(User.id).where(User.username == username))


def _uploaded(sessions, user_id: int, size: int, at: datetime, case_id: int | None = None, path: str = "x.png"):
    with sessions() as session:
        session.add(Attachment(path=path, content_type="image/png", size=size, uploaded_by_id=user_id,
                               uploaded_at=at, case_id=case_id))
        session.commit()


def test_an_upload_past_the_daily_quota_is_refused_with_429_until_the_next_day(client, uploads, city_sessions, live):
    limit = int(live[1].config.upload_quota_mb * 2**20)
    _uploaded(city_sessions, _user_id(city_sessions, "gridworker"), limit - 100, datetime.now(timezone.utc))
    response = upload(client("gridworker"), encoded("JPEG", (64, 64)))  # some hundred bytes, as kept
    assert response.status_code == 429 and response.json()["code"] == "quota_exceeded"
    assert "daily quota of 200 MB" in response.json()["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 25 * 3600
    assert upload(client("dispatcher"), png(30, 30)).status_code == 201  # the quota is each user's own
    assert not uploads.exists() or len(list(uploads.iterdir())) == 1


def test_the_quota_counts_the_users_local_day_only(city_sessions):
    config = Config(upload_quota_mb=1, timezone="Asia/Shanghai")
    user = _user_id(city_sessions, "gridworker")
    now = datetime(2026, 11, 26, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    _uploaded(city_sessions, user, 2**20, now - timedelta(minutes=40))  # yesterday, local time
    with city_sessions() as session:
        photos.check_quota(session, user, 2**20, now, config)
    _uploaded(city_sessions, user, 1, now - timedelta(minutes=20))
    with city_sessions() as session, pytest.raises(photos.QuotaExceeded) as exceeded:
        photos.check_quota(session, user, 2**20, now, config)
    assert exceeded.value.retry_after == 23.5 * 3600 + 1


def _waiting_for_a_lock(sessions) -> bool:
    with sessions() as session:
        return bool(session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")))


def test_two_uploads_at_once_by_one_user_cannot_both_pass_the_quota(pg_city):
    config, user, now = Config(upload_quota_mb=1), _user_id(pg_city, "gridworker"), datetime.now(timezone.utc)
    half = 2**19 + 1  # two of them pass 1 MB
    outcome = []

    def second_upload():
        with pg_city() as session:
            try:
                photos.check_quota(session, user, half, now, config)
                outcome.append("passed")
            except photos.QuotaExceeded:
                outcome.append("refused")

    with pg_city() as first:
        photos.check_quota(first, user, half, now, config)
        second = threading.Thread(target=second_upload)
        second.start()
        while second.is_alive() and not _waiting_for_a_lock(pg_city):
            second.join(0.01)
        first.add(Attachment(path="first.png", content_type="image/png", size=half, uploaded_by_id=user,
                             uploaded_at=now))
        first.commit()
    second.join(30)
    assert outcome == ["refused"]


# -- the clean-up ---------------------------------------------------------------------------------------

def test_the_clean_up_removes_only_uploads_left_unattached_for_a_day(city_on_each_database, tmp_path):
    sessions, folder = city_on_each_database, tmp_path / "uploads"
    config = Config(upload_dir=str(folder))
    user, now = _user_id(sessions, "gridworker"), datetime.now(timezone.utc)
    with sessions() as session:
        case_id = session.scalar(select(Case.id).order_by(Case.id))
    folder.mkdir()
    ages = {"abandoned.png": (timedelta(hours=25), None), "recent.png": (timedelta(hours=23), None),
            "attached.png": (timedelta(days=30), case_id)}
    for name, (age, case) in ages.items():
        (folder / name).write_bytes(png())
        _uploaded(sessions, user, 100, now - age, case, path=name)
    photos.UploadCleaner(sessions, config).round()
    with sessions() as session:
        kept = set(session.scalars(select(Attachment.path)))
    assert kept == {"recent.png", "attached.png"} == {file.name for file in folder.iterdir()}
    with sessions() as session:
        begin_writing(session)
        assert photos.remove_unattached(session, config, now) == 0


def test_one_process_at_a_time_cleans_up(pg_city, tmp_path):
    config = Config(upload_dir=str(tmp_path))
    (tmp_path / "abandoned.png").write_bytes(png())
    _uploaded(pg_city, _user_id(pg_city, "gridworker"), 100, datetime.now(timezone.utc) - timedelta(days=2),
              path="abandoned.png")
    with pg_city() as holder, pg_city() as other:
        assert one_at_a_time(holder, photos.CLEANUP_LOCK)
        assert photos.remove_unattached(other, config, datetime.now(timezone.utc)) is None
        other.commit()
    assert (tmp_path / "abandoned.png").exists()
    with pg_city() as session:
        assert session.scalar(select(Attachment.path)) == "abandoned.png"
