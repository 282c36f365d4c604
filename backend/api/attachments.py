"""Photos: uploaded from the field before the feedback that names them, fetched through their case's scope."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Response, send_file
from sqlalchemy.orm import Session

from dashboard import context
from backend.cases.queries import attachment_out
from backend.api.errors import ApiError
from backend.api.registry import endpoint
from backend.api.schemas import AttachmentPath, PhotoUpload
from backend.cases.schemas import AttachmentOut
from backend.models import Attachment
from backend.cases.workflow import Actor, NotFound, load_case

# 5 MB: a phone photo at full resolution, JPEG-compressed, fits; anything larger is not a photo.
MAX_PHOTO_BYTES = 5 * 2**20
# The multipart envelope (boundaries, part headers) around the photo.
ENVELOPE_BYTES = 64 * 2**10
# The file's first bytes decide its type; the client's Content-Type and file name are not trusted.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, file extension) of a JPEG, PNG or WebP image, by its magic bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return next(((kind, ext) for magic, kind, ext in SIGNATURES if data.startswith(magic)), None)


def _upload_dir() -> Path:
    return Path(context.config().upload_dir)


def _store(data: bytes, extension: str) -> str:
    """Write the photo under a random name (never the client's); answers the name relative to upload_dir."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + extension
    (directory / name).write_bytes(data)
    return name


@endpoint("POST", "/attachments", tag="handheld", response=AttachmentOut, status=201, form=PhotoUpload,
          errors=(413, 415), max_body=MAX_PHOTO_BYTES + ENVELOPE_BYTES)
def upload(form: PhotoUpload) -> AttachmentOut:
    """Upload a photo (JPEG, PNG or WebP, at most 5 MB); pass its id in feed_back's attachment_ids."""
    if len(form.file) > MAX_PHOTO_BYTES:
        raise ApiError(413, "too_large", f"file: the photo has {len(form.file)} bytes; at most {MAX_PHOTO_BYTES}")
    kind = sniff(form.file)
    if kind is None:
        raise ApiError(415, "unsupported_media_type", "file: not a JPEG, PNG or WebP image (judged by its content)")
    content_type, extension = kind
    name = _store(form.file, extension)
    try:
        with context.session() as session:
            attachment = Attachment(path=name, content_type=content_type, size=len(form.file),
                                    uploaded_by_id=context.actor().user_id, uploaded_at=context.now())
            session.add(attachment)
            session.commit()
            return attachment_out(attachment)
    except BaseException:
        (_upload_dir() / name).unlink(missing_ok=True)
        raise


def _visible(session: Session, actor: Actor, attachment: Attachment | None) -> bool:
    """Through its case's scope; not yet attached to a case, only to its uploader."""
    if attachment is None:
        return False
    if attachment.case_id is None:
        return attachment.uploaded_by_id == actor.user_id
    try:
        load_case(session, actor, attachment.case_id)
    except NotFound:
        return False
    return True


@endpoint("GET", "/attachments/{attachment_id}", tag="handheld", response=None, path_model=AttachmentPath,
          errors=(404,), files=IMAGE_TYPES)
def download(path: AttachmentPath) -> Response:
    """A photo, if its case is in your scope."""
    actor = context.actor()
    with context.session() as session:
        attachment = session.get(Attachment, path.attachment_id)
        if not _visible(session, actor, attachment):
            raise ApiError(404, "not_found", f"attachment {path.attachment_id} does not exist or is outside your scope")
    file = (_upload_dir() / attachment.path).resolve()
    if not file.is_file():
        raise ApiError(404, "not_found", f"the file of attachment {attachment.id} is missing from the upload directory")
    return send_file(file, mimetype=attachment.content_type)
