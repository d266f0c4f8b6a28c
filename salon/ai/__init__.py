"""Local AI stand-ins for Rekognition and Comprehend (offline, CPU-only)."""

from salon.ai.errors import InvalidImageError, UnsupportedLanguageError
from salon.ai.text import TextModels
from salon.ai.vision import VisionModels

__all__ = ["InvalidImageError", "TextModels", "UnsupportedLanguageError", "VisionModels"]
