"""Photos from the field: re-encoded before they are kept, a daily quota per user, and the clean-up of uploads
never attached to a case.

Nothing of an uploaded file is kept as sent. Pillow decodes it fully (JPEG, PNG or WebP only, judged by the
content), it is turned upright by its EXIF orientation, shrunk to at most `MAX_SIDE` pixels a side, and
encoded afresh in the same format without any metadata: no EXIF (so no GPS location, no camera serial), no
XMP, no comments, no colour profile, and nothing after the image data. A file that is not wholly an image of
those formats (a script behind a PNG header, HTML behind JPEG magic) does not decode and is refused; an image
of more than `MAX_PIXELS` pixels (a decompression bomb: a few kB that decode to gigabytes) is refused before
its pixels are decoded.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from backend.indicators.definitions import Day
from backend.models import Attachment
from backend.platform.config import Config
from backend.platform.db import begin_writing
from backend.platform.worker import Worker, one_at_a_time

log = logging.getLogger(__name__)

# 40 Mpx: above any phone camera's default (12-24 Mpx, 48-50 with binning off), far below what would exhaust
# a server's memory (decoded as RGBA, 160 MB). Pillow itself refuses twice its own limit while opening.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# 4096 px: a screen-filling photo at full detail on the wall; larger adds bytes, not information.
MAX_SIDE = 4096
JPEG_QUALITY = 85  # WebP too: visually lossless for photos at about a third of a camera's file size
# Pillow's format -> (content type, file extension). Only these decoders ever see an upload.
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
UNATTACHED_FOR = timedelta(days=1)  # an upload not attached to a case by then was abandoned
# Ten minutes: the first round comes one period after a start, and a round with nothing to do is one indexed query.
CLEANUP_SECONDS = 600.0
CLEANUP_BATCH = 1000  # uploads removed per transaction; the rest wait for the next round
CLEANUP_LOCK = 0x0B50_1E7E  # an arbitrary, fixed key for pg_try_advisory_xact_lock
QUOTA_LOCK = 0x0B50_0707  # with a user id, the key of that user's uploads in progress


class PhotoRefused(ValueError):
    """The upload is not a photo we keep; `status` and `code` as the API answers it."""

    status, code = 415, "unsupported_media_type"


class NotAnImage(PhotoRefused):
    pass


class TooManyPixels(PhotoRefused):
    status, code = 422, "too_many_pixels"


@dataclass(frozen=True)
class Photo:
    """An upload as it is kept: re-encoded, without metadata."""

    data: bytes
    content_type: str
    extension: str


def _opened(data: bytes) -> Image.Image:
    """The image's header read, refused if it has too many pixels to decode."""
    image = Image.open(BytesIO(data), formats=tuple(FORMATS))
    if image.width * image.height > MAX_PIXELS:
        raise TooManyPixels(f"file: the image has {image.width}×{image.height} pixels; "
                            f"at most {MAX_PIXELS // 1_000_000} million are accepted")
    return image


def _clean(image: Image.Image) -> bytes:
    """The decoded image upright, at most MAX_SIDE a side, encoded afresh in its format without metadata."""
    kind = image.format
    ImageOps.exif_transpose(image, in_place=True)  # in place: a 40 Mpx image is not copied for nothing
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Pillow writes back some of what it read (a JPEG comment, a PNG's text) unless it is gone; a palette's
    # transparent colour is part of the picture, not metadata.
    image.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    out = BytesIO()
    image.save(out, kind, **({} if kind == "PNG" else {"quality": JPEG_QUALITY}))
    return out.getvalue()


def reencode(data: bytes) -> Photo:
    """The photo as it is kept (see the module's docstring); raises PhotoRefused."""
    try:
        image = _opened(data)
        image.load()  # every pixel: a truncated or corrupt file fails here
        content_type, extension = FORMATS[image.format]
        return Photo(_clean(image), content_type, extension)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels(f"file: the image has more than {2 * MAX_PIXELS // 1_000_000} million pixels; "
                            f"at most {MAX_PIXELS // 1_000_000} million are accepted") from None
    except PhotoRefused:
        raise
    except Exception:  # a crafted file can make a decoder raise almost anything (OSError, SyntaxError, ...)
        raise NotAnImage("file: not a complete JPEG, PNG or WebP image (judged by its content)") from None


def directory(config: Config) -> Path:
    return Path(config.upload_dir)


def store(config: Config, photo: Photo) -> str:
    """Write the photo under a random name (never the client's); answers the name relative to upload_dir."""
    folder = directory(config)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + photo.extension
    (folder / name).write_bytes(photo.data)
    return name


# -- the daily quota -----------------------------------------------------------------------------------

@dataclass
class QuotaExceeded(Exception):  # not frozen: raising sets __traceback__
    used: int
    size: int
    limit: int
    retry_after: int  # seconds until the user's day, and so the quota, starts afresh

    def __str__(self) -> str:
        mb = 2**20
        return (f"file: your uploads today total {self.used / mb:.1f} MB; this photo's {self.size / mb:.1f} MB "
                f"would pass the daily quota of {self.limit / mb:g} MB. Try again tomorrow")


def uploaded_on(session: Session, user_id: int, day: Day) -> int:
    """Bytes of photos the user uploaded on that day (as kept, after re-encoding)."""
    return session.scalar(select(func.coalesce(func.sum(Attachment.size), 0)).where(
        Attachment.uploaded_by_id == user_id, day.clause(Attachment.uploaded_at)))


def _one_upload_at_a_time(session: Session, user_id: int) -> None:
    """Wait for the user's other uploads in progress to end (PostgreSQL; SQLite's writers already take turns):
    without it, two uploads at once would each count the day without the other."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(CAST(:kind AS integer), CAST(:user_id AS integer))"),
                        {"kind": QUOTA_LOCK, "user_id": user_id})


def check_quota(session: Session, user_id: int, size: int, now: datetime, config: Config) -> None:
    """Raise QuotaExceeded if `size` more bytes today would pass `config.upload_quota_mb` (a local day). The
    session's transaction then holds the user's quota until it ends: add the upload in it."""
    _one_upload_at_a_time(session, user_id)
    day = Day.of(now, config.timezone)
    used, limit = uploaded_on(session, user_id, day), int(config.upload_quota_mb * 2**20)
    if used + size > limit:
        raise QuotaExceeded(used, size, limit, retry_after=max(1, int((day.end - now).total_seconds()) + 1))


# -- the clean-up --------------------------------------------------------------------------------------

def remove_unattached(session: Session, config: Config, now: datetime) -> int | None:
    """Delete uploads never attached to a case within UNATTACHED_FOR, rows and files (not committed); answers
    how many, or None if another process is cleaning up.

    The files go before the commit: should it fail, the rows stay and the next round deletes them again,
    whereas files left behind by rows already gone would never be found. A row attached to a case meanwhile
    is not deleted (the outer condition is checked again on the row as the delete finds it)."""
    if not one_at_a_time(session, CLEANUP_LOCK):
        return None
    abandoned = (select(Attachment.id)
                 .where(Attachment.case_id.is_(None), Attachment.uploaded_at < now - UNATTACHED_FOR)
                 .order_by(Attachment.uploaded_at).limit(CLEANUP_BATCH))
    names = session.scalars(delete(Attachment).where(Attachment.id.in_(abandoned), Attachment.case_id.is_(None))
                            .returning(Attachment.path).execution_options(synchronize_session=False)).all()
    folder = directory(config)
    for name in names:
        (folder / name).unlink(missing_ok=True)
    return len(names)


class UploadCleaner(Worker):
    """Removes abandoned uploads every CLEANUP_SECONDS, at most CLEANUP_BATCH a round."""

    name = "upload clean-up"

    def __init__(self, sessions: sessionmaker[Session], config: Config):
        super().__init__(CLEANUP_SECONDS)
        self._sessions = sessions
        self._config = config

    def round(self) -> None:
        with self._sessions() as session:
            begin_writing(session)
            removed = remove_unattached(session, self._config, datetime.now(timezone.utc))
            session.commit()
        if removed:
            log.info("removed %d uploads never attached to a case", removed)
