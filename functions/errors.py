"""Errors a workflow can Catch by name (the class name becomes the Lambda errorType)."""


class ConfigurationError(Exception):
    """The deployment is misconfigured (e.g. the policy document does not validate)."""


class InvalidEventError(Exception):
    """The event does not match its schema; retrying will not help."""
