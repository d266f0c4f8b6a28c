"""Every handler, called as Lambda calls it, on the events AWS would deliver, with fakes as its ports."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions import names, wiring
from functions.adapters.live_events import PublishFailed
from functions.domain.executions import execution_name
from functions.domain.reconcile import Upload
from functions.handlers import (
    api,
    assess_comment,
    evaluate_policy,
    index_document,
    inspect_upload,
    publish_live,
    reconcile,
    render_alert,
    request_review,
    screen_comment,
    start_workflow,
)
from functions.ports import GalleryRecords, LiveChannel
from functions.schemas import validate
from salon.embedded_index import EmbeddedIndex
from tests.conftest import jpeg
from tests.events import load
from tests.fakes import (
    FakeDynamoDB,
    FakeEventBridge,
    FakeRecords,
    FakeS3,
    FakeSNS,
    FakeStepFunctions,
    FakeWorkflows,
    MemoryWindowStore,
)
from workflows import asl

pytestmark = pytest.mark.functional
PHOTO_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
VERSION_ID = "IYV3p45BhZA5SKp7rsNABh6iUKGrbVoN"  # the sample upload's S3 object version


# -- the starter ------------------------------------------------------------------------------------


def test_starter_names_executions_by_the_trigger_and_starts_each_once(function_env, context):
    env = function_env(names.FN_START_WORKFLOW)
    sfn = FakeStepFunctions()
    for sample in ("sqs_s3_object_created", "sqs_comment_submitted", "sqs_s3_object_created"):  # one redelivered
        result = start_workflow.handler(load(sample), context(names.FN_START_WORKFLOW), sfn=sfn)
        assert result == {"batchItemFailures": []}
    assert set(sfn.executions) == {
        (env[names.ENV_IMAGE_STATE_MACHINE_ARN], f"{PHOTO_ID}-{VERSION_ID}"),
        (env[names.ENV_COMMENT_STATE_MACHINE_ARN], "comment-3b241101-e2bb-4255-8caf-4136c566a962"),
    }
    started = sfn.executions[(env[names.ENV_IMAGE_STATE_MACHINE_ARN], f"{PHOTO_ID}-{VERSION_ID}")]
    assert started == json.loads(load("sqs_s3_object_created")["Records"][0]["body"])  # the event, unchanged


def test_starter_reports_only_the_records_it_cannot_route(function_env, context):
    function_env(names.FN_START_WORKFLOW)
    batch = load("sqs_comment_submitted")
    stranger = copy.deepcopy(batch["Records"][0])
    stranger["messageId"] = "not-ours"
    stranger["body"] = json.dumps({**json.loads(stranger["body"]), "source": "someone.else"})
    broken = {**copy.deepcopy(batch["Records"][0]), "messageId": "not-json", "body": "{"}
    batch["Records"] += [stranger, broken]
    sfn = FakeStepFunctions()
    result = start_workflow.handler(batch, context(names.FN_START_WORKFLOW), sfn=sfn)
    assert result == {"batchItemFailures": [{"itemIdentifier": "not-ours"}, {"itemIdentifier": "not-json"}]}
    assert len(sfn.executions) == 1


# -- workflow tasks ---------------------------------------------------------------------------------


def _uploaded(s3: FakeS3, username: str) -> None:
    """The sample event's object version, uploaded by `username`."""
    uploader = json.dumps({"email": f"{username}@salon.example", "sub": "s", "username": username})
    event = load("task_inspect_upload")
    metadata = {names.UPLOADER_METADATA: uploader}
    s3.put(names.UPLOADS_BUCKET, event["key"], jpeg(320, 240), "image/jpeg", metadata, event["object"]["version-id"])


def test_inspect_upload_reads_the_object_and_checks_its_uploader(function_env, context):
    function_env(names.FN_INSPECT_UPLOAD)
    s3 = FakeS3()
    _uploaded(s3, "dana")
    result = inspect_upload.handler(load("task_inspect_upload"), context(names.FN_INSPECT_UPLOAD), s3=s3)
    assert result["valid"] is True and result["reasons"] == []
    assert (result["photo"]["photoId"], result["photo"]["width"], result["photo"]["height"]) == (PHOTO_ID, 320, 240)
    assert result["rendition"]["key"].startswith(names.RENDITION_PREFIX)  # the re-encoded copy the workflow judges
    s3 = FakeS3()
    _uploaded(s3, "mallory")
    result = inspect_upload.handler(load("task_inspect_upload"), context(names.FN_INSPECT_UPLOAD), s3=s3)
    assert result["valid"] is False
    assert result["reasons"] == ["The upload's uploader identity does not match the designer prefix of its key."]


def test_inspect_upload_refuses_a_key_the_api_did_not_issue_without_reading_it(function_env, context):
    function_env(names.FN_INSPECT_UPLOAD)
    event = {**load("task_inspect_upload"), "key": "uploads/../etc/passwd"}
    result = inspect_upload.handler(event, context(names.FN_INSPECT_UPLOAD), s3=FakeS3())
    assert result["valid"] is False and "not an upload key" in result["reasons"][0]


def test_evaluate_policy_approves_a_manicure(function_env, context):
    function_env(names.FN_EVALUATE_POLICY)
    decision = evaluate_policy.handler(load("task_evaluate_policy"), context(names.FN_EVALUATE_POLICY))
    assert decision["verdict"] == "approved"


def test_render_alert_links_the_execution_and_the_design(function_env, context):
    env = function_env(names.FN_RENDER_ALERT)
    quarantine = render_alert.handler(load("task_render_alert_quarantine"), context(names.FN_RENDER_ALERT))
    assert quarantine["subject"] == "Quarantined upload from dana"
    text = json.loads(quarantine["message"])["email"]
    assert env[names.ENV_CONSOLE_URL] + load("task_render_alert_quarantine")["execution"] in text
    escalation = render_alert.handler(load("task_render_escalation"), context(names.FN_RENDER_ALERT))
    assert env[names.ENV_GALLERY_URL] + PHOTO_ID in json.loads(escalation["message"])["email"]
    assert "on [phone]" in json.loads(escalation["message"])["email"]  # the excerpt quotes the public text
    assert "7946" not in json.loads(escalation["message"])["email"]


def test_screen_comment_prepares_segments_then_decides_with_the_policy(function_env, context):
    function_env(names.FN_SCREEN_COMMENT)
    prepared = screen_comment.handler(load("task_screen_comment_prepare"), context(names.FN_SCREEN_COMMENT))
    assert prepared == {
        "toxicity": True,
        "personalData": True,
        "segments": [{"Text": "I love this colour. You are an idiot."}],
        "rule": "max-per-label",
    }
    decided = screen_comment.handler(load("task_screen_comment_decide"), context(names.FN_SCREEN_COMMENT))
    assert decided["visibility"] == "held" and "INSULT" in decided["flagged"]
    assert decided["publicText"] == "You are an idiot. Mail me: [email]" and decided["masked"] == ["EMAIL"]


def test_assess_comment_escalates_a_strong_negative_and_counts_it(function_env, context):
    function_env(names.FN_ASSESS_COMMENT)
    window = MemoryWindowStore()
    result = assess_comment.handler(load("task_assess_comment"), context(names.FN_ASSESS_COMMENT), window=window)
    assert result["escalate"] is True and result["negative"] is True
    assert result["negativesInWindow"] == 1 and result["burstAlert"] is False
    assert window.seen == {load("task_assess_comment")["commentId"]} and sum(window.buckets.values()) == 1


def test_index_document_upserts_by_id(function_env, context):
    function_env(names.FN_INDEX_DOCUMENT)
    index = EmbeddedIndex(":memory:")
    for _ in range(2):  # a replay overwrites
        index_document.handler(load("task_index_photo"), context(names.FN_INDEX_DOCUMENT), index=index)
    assert index.count(names.PHOTOS_INDEX) == 1
    assert index.get(names.PHOTOS_INDEX, PHOTO_ID) == load("task_index_photo")["document"]


def test_a_missing_setting_fails_the_cold_start_naming_it(function_env, context):
    function_env(names.FN_EVALUATE_POLICY)
    import os

    del os.environ[names.ENV_POLICY_JSON]
    from functions import config

    config.reset()
    with pytest.raises(config.SettingsError, match="missing MODERATION_POLICY"):
        evaluate_policy.handler(load("task_evaluate_policy"), context(names.FN_EVALUATE_POLICY))


# -- the HTTP API -----------------------------------------------------------------------------------


def _call(event, context, **ports):
    response = api.handler(event, context(names.FN_HTTP_API), ports=ports)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_health_needs_no_authorizer_context(function_env, context):
    function_env(names.FN_HTTP_API)
    assert _call(load("apigw_get_health"), context) == (200, {"status": "ok"})


def test_a_designer_gets_a_grant_pinning_key_type_size_and_identity(function_env, context):
    env = function_env(names.FN_HTTP_API)
    s3 = FakeS3()
    status, grant = _call(load("apigw_post_uploads"), context, s3=s3)
    assert status == 201, grant
    assert grant["key"] == f"uploads/dana/{grant['photoId']}.jpg"
    [presigned] = s3.presigned
    assert presigned["Bucket"] == env[names.ENV_UPLOADS_BUCKET] and presigned["Key"] == grant["key"]
    assert ["content-length-range", 1, int(env[names.ENV_MAX_UPLOAD_BYTES])] in presigned["Conditions"]
    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]


def test_groups_come_from_the_stringified_claim_and_the_wiring(function_env, context):
    function_env(names.FN_HTTP_API)
    event = load("apigw_post_uploads")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[customer]"
    status, body = _call(event, context, s3=FakeS3())
    assert status == 403 and "designer" in body["message"]


def test_a_comment_on_a_published_design_becomes_one_event(function_env, context):
    env = function_env(names.FN_HTTP_API)
    photos = FakeDynamoDB({env[names.ENV_PHOTOS_TABLE]: "photoId"})
    photos.put(env[names.ENV_PHOTOS_TABLE], {"photoId": PHOTO_ID, "designer": "dana", "status": "published"})
    events = FakeEventBridge()
    status, body = _call(load("apigw_post_comment"), context, dynamodb=photos, events=events)
    assert status == 202, body
    [entry] = events.entries
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        names.EVENT_SOURCE,
        names.EVENT_COMMENT_SUBMITTED,
        env[names.ENV_EVENT_BUS_NAME],
    )
    detail = json.loads(entry["Detail"])
    assert detail["author"]["username"] == "chloe" and detail["designId"] == PHOTO_ID
    event = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": detail}
    assert body["execution"] == execution_name(event) == f"comment-{detail['commentId']}"


def test_a_comment_on_an_unknown_design_is_404_and_sends_nothing(function_env, context):
    env = function_env(names.FN_HTTP_API)
    events = FakeEventBridge()
    photos = FakeDynamoDB({env[names.ENV_PHOTOS_TABLE]: "photoId"})
    status, _ = _call(load("apigw_post_comment"), context, dynamodb=photos, events=events)
    assert status == 404 and events.entries == []


def test_the_owner_gets_insights_from_the_index(function_env, context):
    function_env(names.FN_HTTP_API)
    status, body = _call(load("apigw_get_insights"), context, search_index=EmbeddedIndex(":memory:"))
    assert status == 200, body
    validate(body, "insights")  # the documented response, on an empty index


@pytest.mark.parametrize(
    ("batch", "event"),
    [
        ("sqs_s3_object_created", "eventbridge_s3_object_created"),
        ("sqs_comment_submitted", "eventbridge_comment_submitted"),
    ],
)
def test_the_sqs_batches_wrap_the_events_their_rules_deliver(batch, event):
    [record] = load(batch)["Records"]
    assert json.loads(record["body"]) == load(event)
    trigger = wiring.trigger_for(load(event))
    assert trigger is not None and record["eventSourceARN"].endswith(":" + trigger.queue)
    validate(load(event), trigger.schema)


TASKS = {  # sample -> (workflow, state) whose Payload it is
    "task_inspect_upload": ("image_moderation", "InspectUpload"),
    "task_evaluate_policy": ("image_moderation", "EvaluatePolicy"),
    "task_render_alert_quarantine": ("image_moderation", "RenderOwnerAlert"),
    "task_index_photo": ("image_moderation", "IndexPhoto"),
    "task_assess_comment": ("comment_sentiment", "AssessComment"),
    "task_render_escalation": ("comment_sentiment", "RenderEscalation"),
    "task_screen_comment_prepare": ("comment_sentiment", "PrepareScreening"),
    "task_screen_comment_decide": ("comment_sentiment", "DecideVisibility"),
}


def _states(states):
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _states(branch["States"])


@pytest.mark.parametrize("sample", sorted(TASKS))
def test_task_samples_have_the_shape_the_asl_sends(sample):
    workflow, state_name = TASKS[sample]
    states = dict(_states(json.loads(asl.definition_path(workflow).read_text(encoding="utf-8"))["States"]))
    payload = states[state_name]["Parameters"]["Payload"]

    def keys(template):
        return {k.removesuffix(".$"): keys(v) if isinstance(v, dict) else None for k, v in template.items()}

    def shape(value, template):
        return {k: shape(value[k], template[k]) if isinstance(template[k], dict) else None for k in value}

    assert shape(load(sample), keys(payload)) == keys(payload)


def test_every_sample_event_is_used_here() -> None:
    from pathlib import Path

    from tests.events import names as samples

    source = Path(__file__).read_text(encoding="utf-8")
    assert [n for n in samples() if f'"{n}"' not in source] == []


def test_request_review_stores_the_token_and_asks_the_owner_without_it(function_env, context):
    env = function_env(names.FN_REQUEST_REVIEW)
    event = load("task_request_review")
    ddb, sns = FakeDynamoDB({env[names.ENV_REVIEWS_TABLE]: "photoId"}), FakeSNS()
    result = request_review.handler(event, context(names.FN_REQUEST_REVIEW), dynamodb=ddb, sns=sns)
    assert result == {"photoId": PHOTO_ID, "status": "pending"}
    stored = ddb.items[env[names.ENV_REVIEWS_TABLE]][PHOTO_ID]
    assert stored["taskToken"] == {"S": event["taskToken"]} and stored["status"] == {"S": "pending"}
    [published] = sns.published
    assert published["TopicArn"] == env[names.ENV_ALERTS_TOPIC_ARN]
    assert event["taskToken"] not in json.dumps(published)
    assert env[names.ENV_REVIEW_URL] + PHOTO_ID in published["Message"]
    with pytest.raises(Exception, match="taskToken"):
        request_review.handler({**event, "taskToken": ""}, context(names.FN_REQUEST_REVIEW), dynamodb=ddb, sns=sns)
    assert len(sns.published) == 1


# -- live updates and reconcile -----------------------------------------------------------------------


class MemoryGalleryRecords(GalleryRecords):
    def __init__(self, photos=None, comments=None, meters=None) -> None:
        self.photos, self.comments, self.meters = photos or {}, comments or {}, meters or {}

    def photo(self, photo_id):
        return self.photos.get(photo_id)

    def comment(self, comment_id):
        return self.comments.get(comment_id)

    def meter(self, design_id):
        return self.meters.get(design_id)


class RecordingChannel(LiveChannel):
    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[tuple[str, list[dict]]] = []
        self.refuse = refuse

    def publish(self, channel, events):
        if self.refuse:
            raise PublishFailed("events API answered 503")
        self.sent.append((channel, events))


def published_photo_item() -> dict:
    detail = json.loads(load("sqs_photo_published")["Records"][0]["body"])["detail"]
    return {
        "photoId": {"S": PHOTO_ID},
        "designer": {"S": "dana"},
        "uploader": {"S": json.dumps(detail["uploader"])},
        "status": {"S": "published"},
        "publishedAt": {"S": "2026-12-01T09:06:00Z"},
        "width": {"N": "320"},
        "height": {"N": "240"},
    }


def test_publish_live_sends_a_published_design_to_the_gallery_and_its_designer(function_env, context):
    function_env(names.FN_PUBLISH_LIVE)
    channel = RecordingChannel()
    records = MemoryGalleryRecords(photos={PHOTO_ID: published_photo_item()})
    event = load("sqs_photo_published")
    result = publish_live.handler(event, context(names.FN_PUBLISH_LIVE), records=records, channel=channel)
    assert result == {"batchItemFailures": []}
    sent = dict((name, events) for name, events in channel.sent)
    [design] = sent["/gallery/designs"]
    assert design["type"] == "DesignPublished" and design["design"]["designId"] == PHOTO_ID
    [status] = sent["/designers/d1e2f3a4-0000-4000-8000-000000000002"]
    assert status == {
        "type": "UploadStatus",
        "photoId": PHOTO_ID,
        "status": "published",
        "reasons": ["Manicure 97%"],
        "image": f"images/{PHOTO_ID}",
    }
    assert "dana@salon.example" not in json.dumps(channel.sent)  # the uploader's email never reaches a channel


def test_publish_live_reports_a_refused_publish_so_sqs_retries_it(function_env, context):
    function_env(names.FN_PUBLISH_LIVE)
    event = load("sqs_comment_analyzed")
    meter = {"comments": {"N": "1"}, "scored": {"N": "1"}, "positivitySum": {"N": "0.97"}, "POSITIVE": {"N": "1"}}
    records = MemoryGalleryRecords(meters={PHOTO_ID: meter})
    ok = RecordingChannel()
    assert publish_live.handler(event, context(names.FN_PUBLISH_LIVE), records=records, channel=ok) == {
        "batchItemFailures": []
    }
    [(name, [update])] = ok.sent
    assert name == f"/designs/{PHOTO_ID}" and update["meter"]["version"] == 1 and "comment" not in update
    # A batch whose every message failed fails the invocation, so SQS delivers all of them again
    refusing = RecordingChannel(refuse=True)
    with pytest.raises(BatchProcessingError, match="All records failed"):
        publish_live.handler(event, context(names.FN_PUBLISH_LIVE), records=records, channel=refusing)
    other = {**event["Records"][0], "messageId": "not-live", "body": json.dumps({"detail-type": "Other"})}
    mixed = {"Records": [event["Records"][0], other]}
    result = publish_live.handler(mixed, context(names.FN_PUBLISH_LIVE), records=records, channel=refusing)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}  # only it


def test_reconcile_on_its_schedules_event_reruns_a_stuck_upload_and_reports(function_env, context):
    function_env(names.FN_RECONCILE)
    event = load("scheduler_reconcile")
    assert [dict(s.payload) for s in wiring.schedules_of(names.FN_RECONCILE)] == [event]
    records, workflows = FakeRecords(), FakeWorkflows()
    key = f"uploads/dana/{PHOTO_ID}.jpg"
    records.upload_list.append(Upload(key, "abcdef12", 100, datetime.now(UTC) - timedelta(hours=2)))
    index = EmbeddedIndex(":memory:")
    result = reconcile.handler(event, context(names.FN_RECONCILE), records=records, workflows=workflows, index=index)
    assert workflows.reruns == [key]  # no decision and no execution: started again
    assert result["clean"] is False and result["repaired"] == 1
    [finding] = result["findings"]
    assert finding["subject"] == key and finding["check"].startswith("upload-")
    with pytest.raises(Exception, match="must not contain"):  # a bad event is refused, nothing run
        reconcile.handler({"repair": True, "fix": "everything"}, context(names.FN_RECONCILE), records=records)
    assert workflows.reruns == [key]
