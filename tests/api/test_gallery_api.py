"""Read API (public gallery reads, a designer's own uploads), the gallery site and its images, and the live
publisher end to end: workflow event -> EventBridge -> SQS -> publish-live -> AppSync Events channel."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from websockets.sync.client import ClientConnection, connect

from functions import names
from tests.conftest import jpeg

MANICURE = [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}]
EXPLICIT = [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 95.2, "TaxonomyLevel": 2}]


def upload(client: Any, stack: Any, tmp_path: Any, designer: str, labels: Any = None, wait: bool = True) -> Any:
    stack.ai.script("DetectLabels", labels if labels is not None else MANICURE, match=f"/{designer}/")
    path = tmp_path / f"{designer}.jpg"
    path.write_bytes(jpeg())
    return client.upload(path, designer, wait=wait)


def sub_of(client: Any, username: str) -> str:
    user = client.aws("cognito-idp").admin_get_user(UserPoolId=client.endpoints.user_pool_id, Username=username)
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


@pytest.fixture(scope="module")
def gallery(client: Any, stack: Any, tmp_path_factory: Any) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("gallery")
    first = upload(client, stack, tmp, "gal-ada")
    second = upload(client, stack, tmp, "gal-bo")
    third = upload(client, stack, tmp, "gal-ada")
    rejected = upload(client, stack, tmp, "gal-ada", labels=[{"result": {"Labels": []}}])
    assert [r["verdict"] for r in (first, second, third, rejected)] == ["approved"] * 3 + ["rejected"]
    return {"ids": [third["photoId"], second["photoId"], first["photoId"]], "rejected": rejected["photoId"]}


def get(client: Any, path: str, token: str | None = None) -> requests.Response:
    return client.api("GET", path, token)


def test_designs_are_public_newest_first_and_paged(client: Any, gallery: dict[str, Any]) -> None:
    everything = get(client, "/designs?limit=50").json()["designs"]
    ids = [d["designId"] for d in everything]
    assert [i for i in ids if i in gallery["ids"]] == gallery["ids"]
    assert gallery["rejected"] not in ids
    assert all("email" not in json.dumps(d) for d in everything)
    seen, cursor = [], None
    for _ in range(10):
        page = get(client, "/designs?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        assert len(page["designs"]) <= 2
        seen += [d["designId"] for d in page["designs"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == ids
    for bad in (
        "/designs?limit=0",
        "/designs?limit=51",
        "/designs?limit=x",
        "/designs?cursor=%%%",
        "/designs?cursor=e30",
    ):
        answer = get(client, bad)
        assert answer.status_code == 400, bad


def test_design_page_has_meter_and_visible_comments(client: Any, gallery: dict[str, Any]) -> None:
    design_id = gallery["ids"][0]
    client.comment(design_id, "gal-cy", "Gorgeous colours, I love it!", wait=True)
    page = get(client, f"/designs/{design_id}").json()
    assert page["design"]["designId"] == design_id and page["design"]["image"] == f"images/{design_id}"
    assert [c["text"] for c in page["comments"]] == ["Gorgeous colours, I love it!"]
    assert page["comments"][0]["author"] == "gal-cy" and page["comments"][0]["sentiment"]
    assert page["meter"]["comments"] == 1 and page["meter"]["version"] == 1
    assert "email" not in json.dumps(page)


def test_unknown_and_unpublished_designs_are_404(client: Any, gallery: dict[str, Any]) -> None:
    assert get(client, "/designs/no-such-design").status_code == 404
    assert get(client, f"/designs/{gallery['rejected']}").status_code == 404


def test_album_lists_one_designers_published_designs(client: Any, gallery: dict[str, Any]) -> None:
    ada = sub_of(client, "gal-ada")
    album = get(client, f"/designers/{ada}/designs").json()["designs"]
    assert [d["designId"] for d in album] == [gallery["ids"][0], gallery["ids"][2]]
    assert all(d["designerId"] == ada for d in album)
    assert get(client, "/designers/nobody/designs").json()["designs"] == []


def test_my_uploads_needs_sign_in_and_shows_refusals(client: Any, gallery: dict[str, Any]) -> None:
    assert get(client, "/me/uploads").status_code == 401
    mine = get(client, "/me/uploads", client.token("gal-ada", names.GROUP_DESIGNER)).json()["uploads"]
    by_id = {u["photoId"]: u for u in mine}
    assert set(by_id) == {gallery["ids"][0], gallery["ids"][2], gallery["rejected"]}
    assert by_id[gallery["rejected"]]["status"] == "rejected" and by_id[gallery["rejected"]]["reasons"]
    assert "image" not in by_id[gallery["rejected"]]
    assert get(client, "/me/uploads", client.token("gal-cy", names.GROUP_CUSTOMER)).status_code == 403


def test_cors_preflight_is_answered_for_route_paths(client: Any) -> None:
    answer = requests.options(
        f"{client.endpoints.api}/designs/x",
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "GET"},
        timeout=5,
    )
    assert answer.status_code == 204 and "access-control-allow-origin" not in answer.headers
    unknown = requests.options(
        f"{client.endpoints.api}/nowhere", headers={"Access-Control-Request-Method": "GET"}, timeout=5
    )
    assert unknown.status_code == 404


def test_gallery_site_config_and_images(client: Any, stack: Any, gallery: dict[str, Any], tmp_path: Any) -> None:
    site = f"{client.endpoints.api}/gallery/"
    config = requests.get(site + "config.json", timeout=5).json()
    assert config["eventsApiKey"] == client.endpoints.events_api_key and config["apiUrl"] == client.endpoints.api
    index = requests.get(site, timeout=5)
    assert index.status_code == 200 and "content-security-policy" in index.headers
    assert requests.get(site + "index.html", timeout=5).text == index.text
    assert requests.get(site + f"designs/{gallery['ids'][0]}", timeout=5).status_code == 404  # pages: #/designs/..
    image = requests.get(site + f"images/{gallery['ids'][0]}", timeout=5)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert (
        image.headers["x-content-type-options"] == "nosniff" and "sandbox" in image.headers["content-security-policy"]
    )
    assert requests.get(site + f"images/{gallery['rejected']}", timeout=5).status_code == 404
    stack.ai.script("DetectModerationLabels", [{"result": {"ModerationLabels": EXPLICIT}}], match="/gal-mal/")
    quarantined = upload(client, stack, tmp_path, "gal-mal")
    assert quarantined["verdict"] == "quarantined"
    assert requests.get(site + f"images/{quarantined['photoId']}", timeout=5).status_code == 404
    assert quarantined["photoId"] not in json.dumps(get(client, "/designs?limit=50").json())
    hostile_paths = ("images/..%2F..%2Fpyproject.toml", "..%2F..%2Fpyproject.toml", "images/" + "a" * 80, "x%00.js")
    for hostile in hostile_paths:
        assert requests.get(site + hostile, timeout=5).status_code in (404, 400), hostile


def header(headers: dict[str, str]) -> str:
    return "header-" + base64.urlsafe_b64encode(json.dumps(headers).encode()).decode().rstrip("=")


@contextmanager
def realtime(stack: Any, auth: dict[str, str]) -> Iterator[ClientConnection]:
    protocols: list[Any] = ["aws-appsync-event-ws", header(auth)]
    with connect(stack.endpoints.events_realtime, subprotocols=protocols) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"
        yield ws


def subscribe(ws: ClientConnection, ident: str, channel: str, auth: dict[str, str]) -> dict[str, Any]:
    ws.send(json.dumps({"type": "subscribe", "id": ident, "channel": channel, "authorization": auth}))
    return next_message(ws)


def next_message(ws: ClientConnection, timeout: float = 60) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
        if message["type"] != "ka":
            return message


def test_live_updates_reach_the_channels(client: Any, stack: Any, gallery: dict[str, Any], tmp_path: Any) -> None:
    key = {"x-api-key": stack.endpoints.events_api_key}
    designer_token = client.token("gal-live", names.GROUP_DESIGNER)
    sub = sub_of(client, "gal-live")
    with realtime(stack, key) as ws:
        assert subscribe(ws, "g", "/gallery/designs", key)["type"] == "subscribe_success"
        assert subscribe(ws, "m", f"/designers/{sub}", {"Authorization": designer_token})["type"] == "subscribe_success"
        other = subscribe(ws, "x", f"/designers/{sub_of(client, 'gal-ada')}", {"Authorization": designer_token})
        assert other["type"] == "subscribe_error"
        result = upload(client, stack, tmp_path, "gal-live", wait=False)
        got = {}
        for _ in range(2):
            message = next_message(ws)
            got[message["id"]] = json.loads(message["event"])
        assert got["g"]["type"] == "DesignPublished" and got["g"]["design"]["designId"] == result["photoId"]
        assert got["m"]["type"] == "UploadStatus" and got["m"]["photoId"] == result["photoId"]
        assert got["m"]["status"] == "published" and got["m"]["image"] == f"images/{result['photoId']}"
        design_id = gallery["ids"][1]
        assert subscribe(ws, "d", f"/designs/{design_id}", key)["type"] == "subscribe_success"
        before = get(client, f"/designs/{design_id}").json()["meter"]["version"]
        client.comment(design_id, "gal-cy", "Not my style at all, sorry.", wait=False)
        event = json.loads(next_message(ws)["event"])
        assert event["type"] == "CommentAnalyzed" and event["meter"]["version"] == before + 1
        assert event["comment"]["text"] == "Not my style at all, sorry." and event["comment"]["author"] == "gal-cy"


def test_publish_live_reports_failures_per_message(stack: Any) -> None:
    """A message it cannot handle comes back as a batch item failure (SQS retries it, then dead-letters it);
    an event no page shows is consumed without publishing."""

    def record(ident: str, body: str) -> dict[str, Any]:
        return {
            "messageId": ident,
            "receiptHandle": ident,
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:salon-live-events",
            "awsRegion": "us-east-1",
        }

    other = json.dumps({"detail-type": names.EVENT_COMMENT_SUBMITTED, "detail": {"designId": "d"}})
    answer = stack.registry.invoke(
        names.FN_PUBLISH_LIVE, {"Records": [record("broken", "{not json"), record("other", other)]}
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
