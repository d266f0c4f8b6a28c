"""One OpenSearch-compatible cluster for the insights tests: osmem-server started here (pyproject.toml pins it),
or any OpenSearch named by SALON_TEST_OPENSEARCH_URL (SALON_TEST_OPENSEARCH_VERIFY=false for a self-signed
certificate). The tests delete and recreate the `comments` and `photos` indices and put the `salon-*` templates."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from opensearchpy import OpenSearch, Urllib3HttpConnection

from functions import names
from functions.adapters import opensearch_index as osx
from salon import scenario as scenarios
from salon.local.search_server import SearchServer

URL_VARIABLE = "SALON_TEST_OPENSEARCH_URL"
VERIFY_VARIABLE = "SALON_TEST_OPENSEARCH_VERIFY"
STORY = scenarios.generate(weeks=10, seed=5, start=date(2025, 2, 3))


class Recording(Urllib3HttpConnection):
    """The real HTTP connection, keeping (method, url, body) of each request so a test can count pages."""

    seen: list[tuple[str, str, Any]] = []

    def perform_request(  # type: ignore[override]
        self, method: str, url: str, params: Any = None, body: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        Recording.seen.append((method, url, json.loads(text) if text and not url.endswith("_bulk") else text))
        return super().perform_request(method, url, params, body, *args, **kwargs)


@dataclass
class Cluster:
    url: str
    verify: bool = True
    holds: str | None = None  # what the indices hold now: "story" once the scenario is loaded
    client: Any = field(init=False)

    def __post_init__(self) -> None:
        self.client = OpenSearch(
            hosts=[self.url], connection_class=Recording, verify_certs=self.verify, ssl_show_warn=False, timeout=60
        )

    def adapter(self) -> osx.OpenSearchIndex:
        return osx.OpenSearchIndex(self.client, sleep=lambda _: None)

    def fresh(self) -> osx.OpenSearchIndex:
        """No comments or photos index, the templates from schemas/ in place."""
        for name in (names.COMMENTS_INDEX, names.PHOTOS_INDEX):
            self.client.indices.delete(index=name, ignore_unavailable=True)
        self.holds = None
        index = self.adapter()
        index.apply_templates()
        return index

    def load_story(self) -> osx.OpenSearchIndex:
        """The scenario, loaded once and kept while no test changes the indices."""
        if self.holds != "story":
            index = self.fresh()
            result = scenarios.load(index, STORY)
            assert result.failed == [] and result.indexed == len(STORY.comments) + len(STORY.designs)
            self.refresh()
            self.holds = "story"
        return self.adapter()

    def refresh(self) -> None:
        """Real OpenSearch shows writes to searches after a refresh (osmem at once): always ask for one."""
        self.client.indices.refresh(index=f"{names.COMMENTS_INDEX},{names.PHOTOS_INDEX}", ignore_unavailable=True)


@contextmanager
def started() -> Iterator[Cluster]:
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield Cluster(url, verify=os.environ.get(VERIFY_VARIABLE, "true").lower() not in {"0", "false", "no"})
        return
    with SearchServer() as server:  # raises (the tests fail, never skip) when the binary is missing or fails
        yield Cluster(server.url)
