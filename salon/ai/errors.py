"""Exceptions raised by the local AI stand-ins (mapped to AWS error codes by the HTTP endpoint)."""


class InvalidImageError(Exception):
    """The bytes are not a decodable JPEG or PNG image (Rekognition: InvalidImageFormatException)."""


class UnsupportedLanguageError(Exception):
    """DetectSentiment was asked for a language Comprehend does not support (UnsupportedLanguageException)."""
