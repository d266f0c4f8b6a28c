"""boto3's own Rekognition and Comprehend clients against the local AI endpoint: shapes and errors."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config

from tests.conftest import jpeg


@pytest.fixture(scope="module")
def rekognition(stack):
    return boto3.client("rekognition", endpoint_url=stack.endpoints.ai)


@pytest.fixture(scope="module")
def comprehend(stack):
    return boto3.client("comprehend", endpoint_url=stack.endpoints.ai)


def test_detect_labels_shape(rekognition):
    response = rekognition.detect_labels(Image={"Bytes": jpeg()}, MaxLabels=10, MinConfidence=0)
    assert response["LabelModelVersion"]
    for label in response["Labels"]:
        assert set(label) >= {"Name", "Confidence", "Parents"} and 0 <= label["Confidence"] <= 100


def test_detect_moderation_labels_shape(rekognition):
    response = rekognition.detect_moderation_labels(Image={"Bytes": jpeg()})
    assert isinstance(response["ModerationLabels"], list) and response["ModerationModelVersion"]


def test_s3_object_image(stack, rekognition):
    s3 = boto3.client("s3")
    s3.put_object(Bucket="salon-uploads", Key="tests/ai.jpg", Body=jpeg())
    response = rekognition.detect_labels(Image={"S3Object": {"Bucket": "salon-uploads", "Name": "tests/ai.jpg"}})
    assert "Labels" in response


def test_invalid_image_format(rekognition):
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_labels(Image={"Bytes": b"definitely not an image"})


def test_image_too_large(rekognition):
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_moderation_labels(Image={"Bytes": b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 1)})


def test_missing_s3_object(rekognition):
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.detect_labels(Image={"S3Object": {"Bucket": "salon-uploads", "Name": "missing.jpg"}})


def test_scripted_throttling_surfaces_as_boto3_error(stack, rekognition, ai_script):
    ai_script("DetectLabels", [{"error": "ThrottlingException"}])
    no_retries = boto3.client(
        "rekognition", endpoint_url=stack.endpoints.ai, config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(no_retries.exceptions.ThrottlingException):
        no_retries.detect_labels(Image={"Bytes": jpeg()})


def test_comprehend_language_and_sentiment_shapes(comprehend):
    languages = comprehend.detect_dominant_language(Text="I absolutely love this colour, it is gorgeous!")
    assert languages["Languages"][0]["LanguageCode"] == "en"
    sentiment = comprehend.detect_sentiment(Text="I absolutely love this colour!", LanguageCode="en")
    assert sentiment["Sentiment"] in {"POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"}
    assert sum(sentiment["SentimentScore"].values()) == pytest.approx(1.0, abs=1e-3)
    assert set(sentiment["SentimentScore"]) == {"Positive", "Negative", "Neutral", "Mixed"}


def test_comprehend_errors(comprehend):
    with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException):
        comprehend.detect_sentiment(Text="é" * 2501, LanguageCode="en")
    with pytest.raises(comprehend.exceptions.UnsupportedLanguageException):
        comprehend.detect_sentiment(Text="Dit is prachtig", LanguageCode="nl")


def test_batch_detect_sentiment(comprehend):
    response = comprehend.batch_detect_sentiment(TextList=["Lovely work", "x" * 5001], LanguageCode="en")
    assert [r["Index"] for r in response["ResultList"]] == [0]
    assert response["ErrorList"][0]["ErrorCode"] == "TextSizeLimitExceededException"


def test_detect_toxic_content_shape_and_limits(comprehend):
    response = comprehend.detect_toxic_content(
        TextSegments=[{"Text": "Lovely colour"}, {"Text": "You are an idiot"}], LanguageCode="en"
    )
    clean, insult = response["ResultList"]
    labels = {"PROFANITY", "HATE_SPEECH", "INSULT", "GRAPHIC", "HARASSMENT_OR_ABUSE", "SEXUAL", "VIOLENCE_OR_THREAT"}
    for result in (clean, insult):
        assert {label["Name"] for label in result["Labels"]} == labels and 0 <= result["Toxicity"] <= 1
    score = {label["Name"]: label["Score"] for label in insult["Labels"]}
    assert score["INSULT"] > 0.5 > max(label["Score"] for label in clean["Labels"])
    with pytest.raises(comprehend.exceptions.UnsupportedLanguageException):
        comprehend.detect_toxic_content(TextSegments=[{"Text": "Quelle horreur"}], LanguageCode="fr")
    with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException):
        comprehend.detect_toxic_content(TextSegments=[{"Text": "a" * 1025}], LanguageCode="en")
    with pytest.raises(comprehend.exceptions.InvalidRequestException):
        comprehend.detect_toxic_content(TextSegments=[{"Text": "a"}] * 11, LanguageCode="en")


def test_detect_pii_entities_shape_offsets_and_languages(comprehend):
    text = "😀 Soy Lucía, escríbeme a lucia@correo.es"
    entities = comprehend.detect_pii_entities(Text=text, LanguageCode="es")["Entities"]
    spans = {(e["Type"], text[e["BeginOffset"] : e["EndOffset"]]) for e in entities}
    assert ("EMAIL", "lucia@correo.es") in spans and ("NAME", "Lucía") in spans  # code-point offsets
    assert all(set(e) == {"Score", "Type", "BeginOffset", "EndOffset"} for e in entities)
    with pytest.raises(comprehend.exceptions.UnsupportedLanguageException):
        comprehend.detect_pii_entities(Text="Ruf mich an: 030 1234567", LanguageCode="de")
    with pytest.raises(comprehend.exceptions.ClientError, match="ValidationException"):
        comprehend.detect_pii_entities(Text="Bel me", LanguageCode="nl")  # not a LanguageCode at all
