"""Errors a workflow can Catch by name (the class name becomes the Lambda errorType)."""


class InvalidEventError(Exception):
    """The event does not match its schema; retrying will not help."""
