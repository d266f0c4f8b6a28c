"""GET /insights: the owner's six questions from the search index (the route is in functions/handlers/api.py).

The index is whichever adapter the configuration names (OpenSearch on AWS, the embedded index locally); the
escalation rule is the comment policy's, so the answer lists what AssessComment escalates.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from functions.adapters import search_index
from functions.config import HttpApiSettings, comment_policy
from functions.domain import insights


@cache
def rule(policy_document: str) -> insights.EscalationRule:
    return insights.EscalationRule.from_policy(comment_policy(policy_document))


def answers(params: Mapping[str, str | None], settings: HttpApiSettings) -> dict[str, Any]:
    """Query parameters: since, until (dates, inclusive), minComments, top, recent. Raises InsightsRequestError."""
    request = insights.InsightsRequest.from_query(params, rule(settings.comment_policy), settings.insights_min_comments)
    index = search_index(settings.search_backend, settings.search_endpoint, settings.aws_region)
    return insights.answer(index, request).to_dict()
