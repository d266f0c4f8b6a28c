"""PublishLive: workflow events (EventBridge -> SQS) -> AppSync Events channels, signed with SigV4.

Thin: reads what the page needs (photo, comment, meter), lets functions/domain/gallery.py pick channels
and shapes, publishes. A failed publish is reported per message so SQS retries, then dead-letters it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import config, names
from functions.adapters import client
from functions.adapters.gallery_store import DynamoDbGalleryRecords
from functions.adapters.live_events import AppSyncEventsChannel
from functions.config import PublishLiveSettings
from functions.domain.gallery import live_messages
from functions.ports import GalleryRecords, LiveChannel

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def publish(record: SQSRecord, records: GalleryRecords, channel: LiveChannel) -> int:
    event = json.loads(record.body)
    detail_type, detail = event.get("detail-type", ""), event.get("detail") or {}
    if detail_type not in names.LIVE_EVENT_TYPES or not isinstance(detail, dict):
        logger.warning("not a live event; dropped", extra={"detail_type": detail_type})
        return 0
    photo = comment = meter = None
    if detail_type == names.EVENT_PHOTO_PUBLISHED:
        photo = records.photo(str(detail.get("photoId", "")))
    elif detail_type in (names.EVENT_COMMENT_ANALYZED, names.EVENT_COMMENT_SHOWN):  # shown: approved by the owner
        comment = records.comment(str(detail.get("commentId", "")))
        meter = records.meter(str(detail.get("designId", "")))
    messages = live_messages(detail_type, detail, photo=photo, comment=comment, meter=meter)
    for name, message in messages:
        channel.publish(name, [message])
    logger.info("published live updates", extra={"detail_type": detail_type, "channels": len(messages)})
    return len(messages)


@logger.inject_lambda_context
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    records: GalleryRecords | None = None,
    channel: LiveChannel | None = None,
) -> dict[str, Any]:
    cfg = config.settings(PublishLiveSettings)
    records = records or DynamoDbGalleryRecords(
        client("dynamodb"), cfg.photos_table, cfg.comments_table, cfg.meters_table
    )
    channel = channel or AppSyncEventsChannel(cfg.events_http_url, cfg.aws_region)
    one = functools.partial(publish, records=records, channel=channel)
    return dict(process_partial_response(event=event, record_handler=one, processor=processor, context=context))
