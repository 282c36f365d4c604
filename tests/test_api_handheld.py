"""The grid worker's handheld over HTTP: tasks, photos, feedback with photos, offline batches, emergencies, patrols."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.models import Attachment, Case, Report
from tests.test_api import CATEGORY, client, drive, uploads, world  # noqa: F401  (fixtures)


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG: grey pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def upload(who, data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return who.post("/attachments", files={"file": (name, data, content_type)})


def test_a_png_photo_is_stored_re_encoded_under_a_random_name(client, uploads, city_sessions):
    response = upload(client("gridworker"), png(3, 2))
    assert response.status_code == 201, response.text
    photo = response.json()
    with city_sessions() as session:
        stored = session.get(Attachment, photo["id"])
    assert stored.path != "photo.png" and stored.path.endswith(".png")
    kept = (uploads / stored.path).read_bytes()
    assert photo["content_type"] == "image/png" and photo["size"] == stored.size == len(kept)
    assert Image.open(io.BytesIO(kept)).size == (3, 2)


@pytest.mark.parametrize("data, name, content_type", [
    (b"just some text, honestly", "photo.png", "image/png"),
    (b"GIF89a" + b"\x00" * 32, "photo.gif", "image/gif"),
])
def test_a_file_that_is_not_a_jpeg_png_or_webp_is_refused_by_its_content(client, uploads, data, name, content_type):
    response = upload(client("gridworker"), data, name, content_type)
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert not uploads.exists() or not any(uploads.iterdir())


def encoded(kind: str, size: tuple[int, int] = (4, 3)) -> bytes:
    """A real image of that Pillow format."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, kind)
    return out.getvalue()


def test_a_webp_and_a_jpeg_are_recognised_whatever_they_are_called(client, uploads):
    worker = client("gridworker")
    assert upload(worker, encoded("WEBP"), "x.bin", "application/octet-stream").json()["content_type"] == "image/webp"
    assert upload(worker, encoded("JPEG"), "x.png").json()["content_type"] == "image/jpeg"


def test_a_photo_over_5_mb_is_refused_with_413_json(client, uploads):
    response = upload(client("gridworker"), png() + b"\x00" * (6 * 2**20))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_feed_back_attaches_photos_that_are_then_served_in_scope_only(client, world, uploads):
    dispatcher, worker = client("dispatcher"), client("gridworker")
    case_id = worker.report(world.unit_point)["id"]
    drive(dispatcher, worker, case_id, world.worker_person, "register", "dispatch", "accept")
    photos = [upload(worker, png(2, 2)).json()["id"], upload(worker, png(3, 1)).json()["id"]]
    fed_back = drive(dispatcher, worker, case_id, world.worker_person, "feed_back",
                     feed_back={"attachment_ids": photos})
    assert fed_back["state"] == "fed_back" and [a["id"] for a in fed_back["attachments"]] == photos
    served = dispatcher.http.get(dispatcher.base + fed_back["attachments"][0]["url"])
    assert served.status_code == 200 and Image.open(io.BytesIO(served.content)).size == (2, 2)
    assert served.headers["Content-Type"] == "image/png"
    assert client("street2").get(f"/attachments/{photos[0]}").status_code == 404


def test_feed_back_refuses_photos_that_were_never_uploaded(client, world):
    dispatcher, worker = client("dispatcher"), client("gridworker")
    case_id = worker.report(world.unit_point)["id"]
    drive(dispatcher, worker, case_id, world.worker_person, "register", "dispatch", "accept")
    response = worker.act(case_id, "feed_back", note="done", attachment_ids=[987654])
    assert response.status_code == 422 and "POST /api/v1/attachments" in response.json()["message"]


def test_an_unattached_photo_is_visible_to_its_uploader_only(client, uploads):
    photo = upload(client("gridworker"), png()).json()["id"]
    assert client("gridworker").get(f"/attachments/{photo}").status_code == 200
    assert client("dispatcher").get(f"/attachments/{photo}").status_code == 404


def _batch(world, *client_ids: str) -> list[dict]:
    return [{"channel": "handheld", "description": f"offline report {cid}", "category_code": CATEGORY,
             "lon": world.unit_point[0], "lat": world.unit_point[1], "client_id": cid} for cid in client_ids]


def test_an_offline_batch_sent_twice_opens_each_case_once(client, world, city_sessions):
    worker = client("gridworker")
    body = {"reports": _batch(world, "a-1", "a-2", "a-3")}
    first = worker.post("/reports/batch", body).json()["items"]
    second = worker.post("/reports/batch", body).json()["items"]
    assert [i["status"] for i in first] == ["created"] * 3 and [i["status"] for i in second] == ["resent"] * 3
    assert [i["case_id"] for i in first] == [i["case_id"] for i in second]
    assert [i["client_id"] for i in second] == ["a-1", "a-2", "a-3"]
    with city_sessions() as session:
        assert session.scalar(select(func.count()).where(Report.client_id.in_(["a-1", "a-2", "a-3"]))) == 3


def test_one_bad_item_does_not_block_the_others(client, world, city_sessions):
    worker = client("gridworker")
    good_1, unknown_category, outside, no_client_id, good_2 = _batch(world, "b-1", "b-2", "b-3", "b-4", "b-5")
    unknown_category["category_code"] = "NOPE"
    outside |= {"lon": 2.35, "lat": 48.85}
    del no_client_id["client_id"]
    items = worker.post("/reports/batch", {"reports": [good_1, unknown_category, outside, no_client_id, good_2]})
    items = items.json()["items"]
    assert [i["status"] for i in items] == ["created", "error", "error", "error", "created"]
    assert items[1]["error"].startswith("category_code:") and items[2]["error"].startswith("lon/lat:")
    assert items[3]["error"].startswith("client_id:") and items[3]["client_id"] is None
    with city_sessions() as session:
        assert session.scalar(select(func.count()).where(Report.client_id.like("b-%"))) == 2
        assert session.scalar(select(func.count()).where(Case.id.in_([items[0]["case_id"], items[4]["case_id"]]))) == 2


def test_a_batch_over_500_reports_is_refused_whole(client, world):
    response = client("gridworker").post("/reports/batch", {"reports": _batch(world, *map(str, range(501)))})
    assert response.status_code == 422 and response.json()["message"].startswith("reports:")


def test_an_emergency_report_opens_a_critical_case(client, world):
    worker = client("gridworker")
    created = worker.post("/reports/emergency", {"channel": "handheld", "description": "gas smell in stairwell",
                                                 "category_code": CATEGORY, "lon": world.unit_point[0],
                                                 "lat": world.unit_point[1]})
    assert created.status_code == 201 and created.json()["urgency"] == "critical"
    assert client("dispatcher").get(f"/cases/{created.json()['id']}").json()["urgency"] == "critical"


def test_a_patrol_check_in_is_recorded_in_my_grid_and_points_outside_my_scope_are_refused(client, world,
                                                                                           city_sessions):
    from backend.models import PatrolCheckIn

    worker = client("gridworker")
    checked = worker.post("/patrols", {"lon": world.unit_point[0], "lat": world.unit_point[1], "note": "all quiet"})
    assert checked.status_code == 201 and checked.json()["grid"]["id"] == world.unit
    assert checked.json()["at"].endswith("Z")
    outside = worker.post("/patrols", {"lon": world.district2_point[0], "lat": world.district2_point[1]})
    assert outside.status_code == 422 and outside.json()["message"].startswith("lon/lat:")
    with city_sessions() as session:
        recorded = session.scalars(select(PatrolCheckIn)).all()
    assert [(p.grid_id, p.note) for p in recorded] == [(world.unit, "all quiet")]
