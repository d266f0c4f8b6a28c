"""Local AI endpoint: the Rekognition and Comprehend operations the workflows use (AWS JSON 1.1).

Request and response shapes are those boto3 expects; errors are the services' own error codes, so
ASL Retry/Catch written for AWS matches here. The analysis itself comes from salon.ai (offline models).

Test hook: `POST /_salon/script` queues scripted answers per operation, consumed in order, e.g.
`{"operation": "DetectModerationLabels", "responses": [{"error": "ThrottlingException"}, {"result": {...}}],
"match": "optional substring of the S3 key"}`, or a share of calls failing with one error until cleared,
`{"operation": "DetectSentiment", "rate": 0.3, "error": "ThrottlingException"}`; `DELETE /_salon/script`
clears them; `GET /_salon/calls` counts calls per operation.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import random
import threading
from collections.abc import Callable
from typing import Any

from PIL import Image
from werkzeug.wrappers import Request, Response

from functions.domain.renditions import DECODE_BUDGET, PixelBudget
from salon.local.httpserver import json_response

log = logging.getLogger(__name__)
MAX_BYTES_INLINE = 5 * 1024 * 1024  # Rekognition: Image.Bytes up to 5 MB
MAX_BYTES_S3 = 15 * 1024 * 1024  # Rekognition: S3 objects up to 15 MB
MAX_TEXT_BYTES = 5000  # Comprehend DetectSentiment / DetectDominantLanguage (UTF-8 bytes)
MAX_BATCH = 25
# DetectToxicContent: up to 10 segments of up to 1 KB each (10 KB in all), English only.
# DetectPiiEntities: up to 100 KB, English and Spanish. Both take only the LanguageCode enum's values.
MAX_SEGMENTS = 10
MAX_SEGMENT_BYTES = 1024
MAX_PII_BYTES = 100 * 1024
LANGUAGE_CODES = frozenset({"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"})
TOXICITY_LANGUAGES = frozenset({"en"})
STATUS = {
    "ThrottlingException": 400,
    "ProvisionedThroughputExceededException": 400,
    "InternalServerError": 500,
    "InternalServerException": 500,
    "AccessDeniedException": 400,
    "ServiceUnavailableException": 503,
    "ServiceUnavailable": 503,
}


class ServiceError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status or STATUS.get(code, 400)


class AiService:
    """Operations keyed by X-Amz-Target; models are loaded on first use (seconds).

    An image analysis holds its pixels in `budget` (the process's decode budget, shared with inspection and
    renditions) from decode to answer: concurrent large images wait for each other instead of adding up.
    `vision` stands in for the offline vision models (a test's fake); None loads them on first use."""

    def __init__(
        self, s3_client_factory: Callable[[], Any], budget: PixelBudget = DECODE_BUDGET, vision: Any = None
    ) -> None:
        self._s3_factory = s3_client_factory
        self.budget = budget
        self._lock = threading.Lock()  # the scripts; never held while a model loads
        self._models_lock = threading.Lock()  # held for a whole load (seconds, longer under load)
        self._vision: Any = vision
        self._text: Any = None
        self._toxicity: Any = None
        self._pii: Any = None
        self.scripts: list[dict[str, Any]] = []
        self._random = random.Random(0)
        self.calls: dict[str, int] = {}
        self.injected: dict[str, int] = {}  # scripted errors answered, per operation
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "RekognitionService.DetectLabels": self.detect_labels,
            "RekognitionService.DetectModerationLabels": self.detect_moderation_labels,
            "Comprehend_20171127.DetectDominantLanguage": self.detect_dominant_language,
            "Comprehend_20171127.DetectSentiment": self.detect_sentiment,
            "Comprehend_20171127.BatchDetectSentiment": self.batch_detect_sentiment,
            "Comprehend_20171127.DetectToxicContent": self.detect_toxic_content,
            "Comprehend_20171127.DetectPiiEntities": self.detect_pii_entities,
        }

    # -- models ------------------------------------------------------------------------------
    @property
    def vision(self) -> Any:
        with self._models_lock:
            if self._vision is None:
                from salon.ai import VisionModels

                self._vision = VisionModels.load()
            return self._vision

    @property
    def text(self) -> Any:
        with self._models_lock:
            if self._text is None:
                from salon.ai import TextModels

                self._text = TextModels.load()
            return self._text

    @property
    def toxicity(self) -> Any:
        with self._models_lock:
            if self._toxicity is None:
                from salon.ai.toxicity.model import ToxicityLexicon

                self._toxicity = ToxicityLexicon.load()
            return self._toxicity

    @property
    def pii(self) -> Any:
        with self._models_lock:
            if self._pii is None:
                from salon.ai.pii import PiiRules

                self._pii = PiiRules()
            return self._pii

    # -- scripting (test hook) ---------------------------------------------------------------
    def script(self, operation: str, responses: list[dict[str, Any]], match: str | None = None) -> None:
        with self._lock:
            self.scripts.append({"operation": operation, "responses": list(responses), "match": match})

    def script_rate(self, operation: str, rate: float, error: str, match: str | None = None) -> None:
        """A `rate` share of the operation's calls fails with `error` until the scripts are cleared."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self.scripts.append({"operation": operation, "rate": rate, "error": error, "match": match})

    def _scripted(self, operation: str, body: dict[str, Any]) -> dict[str, Any] | None:
        key = str(((body.get("Image") or {}).get("S3Object") or {}).get("Name", ""))
        with self._lock:
            for entry in self.scripts:
                if "rate" in entry:
                    if (
                        entry["operation"] == operation
                        and (not entry["match"] or entry["match"] in key)
                        and self._random.random() < entry["rate"]
                    ):
                        return {"error": entry["error"]}
                    continue
                if (
                    entry["operation"] == operation
                    and entry["responses"]
                    and (not entry["match"] or entry["match"] in key)
                ):
                    return dict(entry["responses"].pop(0))
        return None

    # -- dispatch ----------------------------------------------------------------------------
    def call(self, target: str, body: dict[str, Any]) -> dict[str, Any]:
        operation = target.rsplit(".", 1)[-1]
        self.calls[operation] = self.calls.get(operation, 0) + 1
        scripted = self._scripted(operation, body)
        if scripted is not None:
            if "error" in scripted:
                self.injected[operation] = self.injected.get(operation, 0) + 1
                raise ServiceError(scripted["error"], scripted.get("message", f"Scripted {scripted['error']}"))
            return dict(scripted["result"])
        handler = self._operations.get(target)
        if handler is None:
            raise ServiceError("UnknownOperationException", f"Operation {target} is not implemented locally")
        return handler(body)

    # -- Rekognition -------------------------------------------------------------------------
    def _image_bytes(self, body: dict[str, Any]) -> bytes:
        image = body.get("Image")
        if not isinstance(image, dict) or not ({"Bytes", "S3Object"} & image.keys()):
            raise ServiceError("InvalidParameterException", "Image must contain Bytes or S3Object")
        if "Bytes" in image:
            try:
                data = base64.b64decode(image["Bytes"], validate=True)
            except (binascii.Error, TypeError) as exc:
                raise ServiceError("InvalidParameterException", "Image.Bytes is not valid base64") from exc
            limit = MAX_BYTES_INLINE
        else:
            ref = image["S3Object"]
            try:
                args = {"Bucket": ref["Bucket"], "Key": ref["Name"]}
                if ref.get("Version"):
                    args["VersionId"] = ref["Version"]
                data = self._s3_factory().get_object(**args)["Body"].read()
            except Exception as exc:
                raise ServiceError("InvalidS3ObjectException", f"Unable to get object metadata from S3: {exc}") from exc
            limit = MAX_BYTES_S3
        if len(data) > limit:
            raise ServiceError("ImageTooLargeException", f"Image size {len(data)} exceeds the limit of {limit} bytes")
        return data

    def _analyse(self, fn: Callable[..., list[dict[str, Any]]], data: bytes, **kwargs: Any) -> list[dict[str, Any]]:
        from salon.ai import InvalidImageError

        try:
            with self.budget.claim(pixels(data)):
                return fn(data, **kwargs)
        except InvalidImageError as exc:
            raise ServiceError("InvalidImageFormatException", f"Request has invalid image format: {exc}") from exc

    def detect_labels(self, body: dict[str, Any]) -> dict[str, Any]:
        data = self._image_bytes(body)
        labels = self._analyse(
            self.vision.detect_labels,
            data,
            max_labels=body.get("MaxLabels"),
            min_confidence=float(body.get("MinConfidence", 55.0)),
        )
        return {"Labels": labels, "LabelModelVersion": "3.0"}

    def detect_moderation_labels(self, body: dict[str, Any]) -> dict[str, Any]:
        data = self._image_bytes(body)
        labels = self._analyse(
            self.vision.detect_moderation_labels, data, min_confidence=float(body.get("MinConfidence", 50.0))
        )
        return {"ModerationLabels": labels, "ModerationModelVersion": "7.0"}

    # -- Comprehend --------------------------------------------------------------------------
    @staticmethod
    def _input_text(body: dict[str, Any], field: str = "Text") -> str:
        text = body.get(field)
        if not isinstance(text, str) or not text:
            raise ServiceError("InvalidRequestException", f"{field} must be a non-empty string")
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise ServiceError(
                "TextSizeLimitExceededException",
                f"Input text size exceeds limit. Max length of request text allowed is {MAX_TEXT_BYTES} bytes",
            )
        return text

    def detect_dominant_language(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Languages": self.text.detect_dominant_language(self._input_text(body))}

    def _sentiment(self, text: str, language: str) -> dict[str, Any]:
        from salon.ai import UnsupportedLanguageError

        try:
            return dict(self.text.detect_sentiment(text, language))
        except UnsupportedLanguageError as exc:
            raise ServiceError("UnsupportedLanguageException", f"Unsupported language code {language}: {exc}") from exc

    def detect_sentiment(self, body: dict[str, Any]) -> dict[str, Any]:
        language = body.get("LanguageCode")
        if not isinstance(language, str):
            raise ServiceError("InvalidRequestException", "LanguageCode is required")
        return self._sentiment(self._input_text(body), language)

    def batch_detect_sentiment(self, body: dict[str, Any]) -> dict[str, Any]:
        texts, language = body.get("TextList"), body.get("LanguageCode")
        if not isinstance(texts, list) or not texts or not isinstance(language, str):
            raise ServiceError("InvalidRequestException", "TextList and LanguageCode are required")
        if len(texts) > MAX_BATCH:
            raise ServiceError("BatchSizeLimitExceededException", f"At most {MAX_BATCH} documents per batch")
        results, errors = [], []
        for index, text in enumerate(texts):
            try:
                results.append({"Index": index, **self._sentiment(self._input_text({"Text": text}), language)})
            except ServiceError as exc:
                if exc.code == "UnsupportedLanguageException":
                    raise
                errors.append({"Index": index, "ErrorCode": exc.code, "ErrorMessage": exc.message})
        return {"ResultList": results, "ErrorList": errors}

    @staticmethod
    def _language(body: dict[str, Any], supported: frozenset[str], operation: str) -> str:
        language = body.get("LanguageCode")
        if not isinstance(language, str):
            raise ServiceError("ValidationException", "1 validation error detected: LanguageCode must not be null")
        if language not in LANGUAGE_CODES:
            raise ServiceError(
                "ValidationException",
                f"1 validation error detected: Value '{language}' at 'languageCode' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(sorted(LANGUAGE_CODES))}]",
            )
        if language not in supported:
            raise ServiceError(
                "UnsupportedLanguageException", f"{operation} does not support the language code {language}"
            )
        return language

    def detect_toxic_content(self, body: dict[str, Any]) -> dict[str, Any]:
        segments = body.get("TextSegments")
        if not isinstance(segments, list) or not segments:
            raise ServiceError("InvalidRequestException", "TextSegments must be a non-empty list")
        if len(segments) > MAX_SEGMENTS:
            raise ServiceError("InvalidRequestException", f"TextSegments holds at most {MAX_SEGMENTS} segments")
        texts = []
        for segment in segments:
            text = segment.get("Text") if isinstance(segment, dict) else None
            if not isinstance(text, str) or not text:
                raise ServiceError("ValidationException", "1 validation error detected: Text must not be empty")
            if len(text.encode("utf-8")) > MAX_SEGMENT_BYTES:
                raise ServiceError(
                    "TextSizeLimitExceededException",
                    f"Input text size exceeds limit. Max length of each segment allowed is {MAX_SEGMENT_BYTES} bytes",
                )
            texts.append(text)
        self._language(body, TOXICITY_LANGUAGES, "DetectToxicContent")
        return {"ResultList": [self.toxicity.score(text) for text in texts]}

    def detect_pii_entities(self, body: dict[str, Any]) -> dict[str, Any]:
        from salon.ai.pii import LANGUAGES

        text = body.get("Text")
        if not isinstance(text, str) or not text:
            raise ServiceError("InvalidRequestException", "Text must be a non-empty string")
        if len(text.encode("utf-8")) > MAX_PII_BYTES:
            raise ServiceError(
                "TextSizeLimitExceededException",
                f"Input text size exceeds limit. Max length of request text allowed is {MAX_PII_BYTES} bytes",
            )
        self._language(body, LANGUAGES, "DetectPiiEntities")
        return {"Entities": self.pii.detect(text)}


def pixels(data: bytes) -> int:
    """The image's pixel count from its header (nothing decoded); 1 for bytes that are not an image (the model
    refuses them)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Exception:  # not an image, or a bomb Pillow refuses at open: the decoder answers for it
        return 1
    return int(width) * int(height)


def make_app(service: AiService) -> Callable[..., Any]:
    def handle(request: Request) -> Response:
        if request.path == "/_salon/script":
            if request.method == "DELETE":
                service.scripts.clear()
            else:
                spec = request.get_json(force=True)
                if "rate" in spec:
                    service.script_rate(spec["operation"], float(spec["rate"]), spec["error"], spec.get("match"))
                else:
                    service.script(spec["operation"], spec["responses"], spec.get("match"))
            return json_response(json.dumps({"ok": True}))
        if request.path == "/_salon/calls":
            return json_response(json.dumps(service.calls))
        target = request.headers.get("X-Amz-Target", "")
        try:
            body = json.loads(request.get_data() or b"{}")
            return json_response(json.dumps(service.call(target, body)))
        except ServiceError as exc:
            payload = json.dumps({"__type": exc.code, "message": exc.message, "Message": exc.message})
            return json_response(payload, exc.status, {"x-amzn-ErrorType": exc.code})
        except json.JSONDecodeError:
            return json_response(json.dumps({"__type": "SerializationException", "message": "Bad JSON"}), 400)
        except Exception as exc:  # a bug here must look like a service fault, not an HTML page
            log.exception("AI endpoint failed on %s", target)
            return json_response(
                json.dumps({"__type": "InternalServerError", "message": str(exc)}),
                500,
                {"x-amzn-ErrorType": "InternalServerError"},
            )

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return handle(Request(environ))(environ, start_response)

    return app
