"""The one place for names shared by the Lambda code, the CDK app, the embedded stack and the tests."""

from __future__ import annotations

# Logical resource names. On AWS the CDK app may prefix them; the code never hard-codes them,
# it reads the physical names from the environment variables below.
UPLOADS_BUCKET = "salon-uploads"
PHOTOS_TABLE = "salon-photos"
COMMENTS_TABLE = "salon-comments"
METERS_TABLE = "salon-meters"
DECISIONS_TABLE = "salon-decisions"
REVIEWS_TABLE = "salon-reviews"  # one item per photo under review: its state and, while pending, the task token
COUNTERS_TABLE = "salon-counters"  # rolling-window counters (burst detection)
ALERTS_TOPIC = "salon-owner-alerts"
EVENT_BUS = "default"
UPLOAD_EVENTS_QUEUE = "salon-upload-events"
UPLOAD_EVENTS_DLQ = "salon-upload-events-dlq"
UPLOAD_RULE = "salon-upload-created"
COMMENT_EVENTS_QUEUE = "salon-comment-events"
COMMENT_EVENTS_DLQ = "salon-comment-events-dlq"
COMMENT_RULE = "salon-comment-submitted"
LIVE_EVENTS_QUEUE = "salon-live-events"
LIVE_EVENTS_DLQ = "salon-live-events-dlq"
LIVE_RULE = "salon-live-updates"
STRAY_EVENTS_QUEUE = "salon-stray-object-events"
STRAY_EVENTS_DLQ = "salon-stray-object-events-dlq"
STRAY_RULE = "salon-stray-object-created"  # objects written outside the prefixes the stack writes
USER_POOL = "salon-users"
USER_POOL_CLIENT = "salon-cli"
IMAGE_STATE_MACHINE = "salon-image-moderation"
COMMENT_STATE_MACHINE = "salon-comment-sentiment"
BURST_COUNTER = "negatives#salon"  # one salon-wide rolling window of negative comments

# Key layout in the uploads bucket.
UPLOAD_PREFIX = "uploads/"
QUARANTINE_PREFIX = "quarantine/"
PUBLISHED_PREFIX = "published/"  # what the gallery serves: renditions the workflow approved
RENDITION_PREFIX = "renditions/"  # re-encoded renditions of uploads, judged by the workflow (never served)
GALLERY_IMAGES_PATH = "images/"  # the site serves published images at <site>/images/<designId>
UPLOADER_METADATA = "uploader"  # x-amz-meta-uploader
STACK_PREFIXES = (UPLOAD_PREFIX, QUARANTINE_PREFIX, PUBLISHED_PREFIX, RENDITION_PREFIX)  # every key the stack writes
STRAY_PREFIX = QUARANTINE_PREFIX + "stray/"  # an object written elsewhere is moved here (docs/decisions.md)

# Cognito groups.
GROUP_DESIGNER = "designer"
GROUP_CUSTOMER = "customer"
GROUP_OWNER = "owner"
GROUPS = (GROUP_DESIGNER, GROUP_CUSTOMER, GROUP_OWNER)

# Events.
EVENT_SOURCE = "salon.insights"
EVENT_PHOTO_PUBLISHED = "PhotoPublished"
EVENT_PHOTO_REJECTED = "PhotoRejected"
EVENT_PHOTO_QUARANTINED = "PhotoQuarantined"
EVENT_PHOTO_IN_REVIEW = "PhotoInReview"
EVENT_PHOTO_TAKEN_DOWN = "PhotoTakenDown"
EVENT_COMMENT_SUBMITTED = "CommentSubmitted"
EVENT_COMMENT_ANALYZED = "CommentAnalyzed"
EVENT_COMMENT_SHOWN = "CommentShown"  # the owner approved a held comment
LIVE_EVENT_TYPES = (
    EVENT_PHOTO_PUBLISHED,
    EVENT_PHOTO_REJECTED,
    EVENT_PHOTO_QUARANTINED,
    EVENT_PHOTO_IN_REVIEW,
    EVENT_PHOTO_TAKEN_DOWN,
    EVENT_COMMENT_ANALYZED,
    EVENT_COMMENT_SHOWN,
)

# Lambda function logical names (also the local Lambda endpoint's function names).
FN_INSPECT_UPLOAD = "salon-inspect-upload"
FN_EVALUATE_POLICY = "salon-evaluate-policy"
FN_INDEX_DOCUMENT = "salon-index-document"
FN_RENDER_ALERT = "salon-render-alert"
FN_REQUEST_REVIEW = "salon-request-review"
FN_START_WORKFLOW = "salon-start-workflow"
FN_ASSESS_COMMENT = "salon-assess-comment"
FN_SCREEN_COMMENT = "salon-screen-comment"  # comment screening: Comprehend requests, then the outcome
FN_HTTP_API = "salon-http-api"  # serves every HTTP API route
FN_PUBLISH_LIVE = "salon-publish-live"  # live gallery events -> AppSync Events
FN_POST_CONFIRMATION = "salon-post-confirmation"  # Cognito trigger: a self-signed-up user joins the customers
FN_RECONCILE = "salon-reconcile"  # checks and repairs the workflows' invariants (scheduled on AWS)
FN_REPORT_STRAY_OBJECT = "salon-report-stray-object"  # an object outside the stack's prefixes: owner alert

# Search index names.
PHOTOS_INDEX = "photos"
COMMENTS_INDEX = "comments"

# Environment variables: each function's settings model (functions/config.py) says which it reads.
ENV_UPLOADS_BUCKET = "UPLOADS_BUCKET"
ENV_PHOTOS_TABLE = "PHOTOS_TABLE"
ENV_COMMENTS_TABLE = "COMMENTS_TABLE"
ENV_METERS_TABLE = "METERS_TABLE"
ENV_DECISIONS_TABLE = "DECISIONS_TABLE"
ENV_REVIEWS_TABLE = "REVIEWS_TABLE"
ENV_REVIEW_URL = "REVIEW_URL"  # base URL of the owner's review page (photo id appended)
ENV_QUARANTINE_RETENTION_DAYS = "QUARANTINE_RETENTION_DAYS"
ENV_ALERTS_TOPIC_ARN = "ALERTS_TOPIC_ARN"
ENV_IMAGE_STATE_MACHINE_ARN = "IMAGE_STATE_MACHINE_ARN"
ENV_COMMENT_STATE_MACHINE_ARN = "COMMENT_STATE_MACHINE_ARN"
ENV_COUNTERS_TABLE = "COUNTERS_TABLE"
ENV_EVENT_BUS_NAME = "EVENT_BUS_NAME"
ENV_COMMENT_POLICY_JSON = "COMMENT_POLICY"  # the comment policy document (config/comment_policy.json)
ENV_GALLERY_URL = "GALLERY_URL"  # base URL for design links in emails
ENV_POLICY_JSON = "MODERATION_POLICY"  # the moderation policy document (config/moderation_policy.json)
ENV_SEARCH_BACKEND = "SEARCH_BACKEND"  # "embedded" | "opensearch"
ENV_SEARCH_ENDPOINT = "SEARCH_ENDPOINT"  # OpenSearch domain endpoint, or the embedded index's file
ENV_CONSOLE_URL = "CONSOLE_URL"  # base URL for execution links in emails
ENV_MAX_UPLOAD_BYTES = "MAX_UPLOAD_BYTES"
ENV_EVENTS_HTTP_URL = "EVENTS_HTTP_URL"  # AppSync Events: https://<http domain>/event
# Photos table index: published designs newest first (status + publishedAt).
PHOTOS_BY_STATUS_INDEX = "byStatus"
# Comments table index: a design's comments in order (designId + submittedAt).
COMMENTS_BY_DESIGN_INDEX = "byDesign"
# Comments table indexes: one author's comments (authorSub + submittedAt), comments by visibility (the owner's
# queue of held ones: visibility + submittedAt).
COMMENTS_BY_AUTHOR_INDEX = "byAuthor"
COMMENTS_BY_VISIBILITY_INDEX = "byVisibility"

# Human review: execution names of reopened reviews are <photoId>-<kind> (one appeal, one release).
REOPEN_APPEAL = "appeal"
REOPEN_RELEASE = "release"

# Insights.
ROUTE_INSIGHTS = "/insights"  # GET, owner group only
INDEX_TEMPLATE_PREFIX = "salon-"  # OpenSearch composable index templates: salon-photos, salon-comments
ENV_AWS_REGION = "AWS_REGION"  # set by the Lambda runtime; signs OpenSearch requests
ENV_INSIGHTS_MIN_COMMENTS = "INSIGHTS_MIN_COMMENTS"  # scored comments a designer needs to be ranked
