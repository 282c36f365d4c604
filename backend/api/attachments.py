"""Photos: uploaded from the field before the feedback that names them, fetched through their case's scope.

What is kept of an upload is its re-encoding without metadata (backend.cases.uploads); it is served with its
own type, `nosniff` and a sandbox, so that no browser runs it as a page whatever it contains.
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, send_file
from sqlalchemy.orm import Session

from dashboard import context
from backend.accounts import audit
from backend.api.errors import ApiError, error_response
from backend.api.registry import endpoint
from backend.api.schemas import AttachmentPath, PhotoUpload
from backend.cases import uploads
from backend.cases.queries import attachment_out
from backend.cases.schemas import AttachmentOut
from backend.models import Attachment
from backend.cases.workflow import Actor, NotFound, load_case
from backend.platform.db import begin_writing

# 5 MB: a phone photo at full resolution, JPEG-compressed, fits; anything larger is not a photo.
MAX_PHOTO_BYTES = 5 * 2**20
# The multipart envelope (boundaries, part headers) around the photo.
ENVELOPE_BYTES = 64 * 2**10
IMAGE_TYPES = tuple(kind for kind, _ in uploads.FORMATS.values())
# An image answer is never a page: no script, style, frame or form of it would run even if a browser
# rendered it as a document.
IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
                 "Cross-Origin-Resource-Policy": "same-origin"}


def _reencoded(data: bytes) -> uploads.Photo:
    if len(data) > MAX_PHOTO_BYTES:
        raise ApiError(413, "too_large", f"file: the photo has {len(data)} bytes; at most {MAX_PHOTO_BYTES}")
    try:
        return uploads.reencode(data)
    except uploads.PhotoRefused as refused:
        raise ApiError(refused.status, refused.code, str(refused)) from None


def _over_quota(exceeded: uploads.QuotaExceeded) -> Response:
    response = error_response(429, "quota_exceeded", str(exceeded))
    response.headers["Retry-After"] = str(exceeded.retry_after)
    return response


def _keep(session: Session, actor: Actor, photo: uploads.Photo, name: str) -> AttachmentOut:
    """The row of a stored photo and its audit entry, committed together."""
    now = context.now()
    attachment = Attachment(path=name, content_type=photo.content_type, size=len(photo.data),
                            uploaded_by_id=actor.user_id, uploaded_at=now)
    session.add(attachment)
    session.flush()
    audit.record(session, at=now, action="attachment.upload", actor_name=actor.name, actor_user_id=actor.user_id,
                 address=actor.address, target=f"attachment:{attachment.id}",
                 detail={"content_type": photo.content_type, "size": len(photo.data)})
    session.commit()
    return attachment_out(attachment)


@endpoint("POST", "/attachments", tag="handheld", response=AttachmentOut, status=201, form=PhotoUpload,
          errors=(413, 415, 429), max_body=MAX_PHOTO_BYTES + ENVELOPE_BYTES)
def upload(form: PhotoUpload) -> AttachmentOut | Response:
    """Upload a photo (JPEG, PNG or WebP, at most 5 MB); pass its id in feed_back's attachment_ids.

    It is kept re-encoded: upright, at most 4096 px a side, without metadata (no location). 415: not wholly an
    image of those formats; 422 too_many_pixels: more than 40 million pixels; 429 quota_exceeded: your photos
    today would pass UPLOAD_QUOTA_MB (Retry-After: seconds until the next local day)."""
    photo, actor, config = _reencoded(form.file), context.actor(), context.config()
    with context.session() as session:
        begin_writing(session)
        try:
            uploads.check_quota(session, actor.user_id, len(photo.data), context.now(), config)
        except uploads.QuotaExceeded as exceeded:
            return _over_quota(exceeded)
        name = uploads.store(config, photo)
        try:
            return _keep(session, actor, photo, name)
        except BaseException:
            (uploads.directory(config) / name).unlink(missing_ok=True)
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
    """A photo, if its case is in your scope (inline, under a name of its id)."""
    actor = context.actor()
    with context.session() as session:
        attachment = session.get(Attachment, path.attachment_id)
        if not _visible(session, actor, attachment):
            raise ApiError(404, "not_found", f"attachment {path.attachment_id} does not exist or is outside your scope")
    file = (uploads.directory(context.config()) / attachment.path).resolve()
    if not file.is_file():
        raise ApiError(404, "not_found", f"the file of attachment {attachment.id} is missing from the upload directory")
    response = send_file(file, mimetype=attachment.content_type,
                         download_name=f"photo-{attachment.id}{Path(attachment.path).suffix}")
    response.headers.update(IMAGE_HEADERS)
    return response
