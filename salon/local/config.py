"""Embedded stack configuration: ports on loopback and the state folder, from flags or SALON_* variables."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KEEP_IN_MEMORY = 50  # finished executions whose environment stays in memory (the console lists the last 50)

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
SEARCH_ENGINES = ("duckdb", "opensearch")  # the embedded index (default) or osmem-server through opensearch-py


def _port(env: dict[str, str], name: str, default: int) -> int:
    return int(env.get(name, default))


@dataclass
class StackConfig:
    home: Path
    host: str = "127.0.0.1"
    moto_port: int = 4566
    lambda_port: int = 4567
    ai_port: int = 4568
    api_port: int = 4569
    events_port: int = 4570  # AppSync Events HTTP endpoint (POST /event)
    realtime_port: int = 4571  # AppSync Events WebSocket endpoint (/event/realtime)
    region: str = "us-east-1"
    owner_email: str = "owner@salon.example"
    owner_phone: str = ""  # optional: owner alerts by SMS too (the mailbox writes .sms files)
    search: str = "duckdb"
    keep_executions: int = KEEP_IN_MEMORY  # finished executions held in memory; older ones' history is on disk

    def __post_init__(self) -> None:
        if self.search not in SEARCH_ENGINES:
            raise ValueError(f"unknown search engine {self.search!r}: expected one of {', '.join(SEARCH_ENGINES)}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> StackConfig:
        env = dict(os.environ if env is None else env)
        return cls(
            home=Path(env.get("SALON_HOME", REPO_ROOT / ".salon")),
            host=env.get("SALON_HOST", "127.0.0.1"),
            moto_port=_port(env, "SALON_MOTO_PORT", 4566),
            lambda_port=_port(env, "SALON_LAMBDA_PORT", 4567),
            ai_port=_port(env, "SALON_AI_PORT", 4568),
            api_port=_port(env, "SALON_API_PORT", 4569),
            events_port=_port(env, "SALON_EVENTS_PORT", 4570),
            realtime_port=_port(env, "SALON_REALTIME_PORT", 4571),
            region=env.get("SALON_REGION", "us-east-1"),
            owner_email=env.get("SALON_OWNER_EMAIL", "owner@salon.example"),
            owner_phone=env.get("SALON_OWNER_PHONE", ""),
            search=env.get("SALON_SEARCH", "duckdb"),
            keep_executions=int(env.get("SALON_KEEP_EXECUTIONS", KEEP_IN_MEMORY)),
        )

    @property
    def mailbox(self) -> Path:
        return self.home / "mailbox"

    @property
    def index_path(self) -> Path:
        return self.home / "index.duckdb"

    @property
    def history_dir(self) -> Path:
        """Histories of older finished executions, spilled from memory (salon/local/retention.py)."""
        return self.home / "history"

    @property
    def state_file(self) -> Path:
        return self.home / "stack.json"


@dataclass
class Endpoints:
    """What a running stack publishes in <home>/stack.json for the CLI and `salon env`."""

    moto: str
    lambda_: str
    ai: str
    api: str
    region: str
    user_pool_id: str
    user_pool_client_id: str
    image_state_machine_arn: str
    comment_state_machine_arn: str
    mailbox: str
    pid: int
    events_http: str = ""  # http://host:port/event
    events_realtime: str = ""  # ws://host:port/event/realtime
    events_api_key: str = ""  # subscribe-only key for the public namespaces (the site's config carries it)
    opensearch: str = ""  # the OpenSearch-compatible server's URL when the stack runs with --search opensearch
    home: str = ""  # the stack's state folder (local users' passwords live there)
    execution_waits: str = ""  # the stack's blocking wait for an execution's end (salon/local/execution_waits.py)

    def exports(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.moto,
            "AWS_ENDPOINT_URL_LAMBDA": self.lambda_,
            "AWS_ENDPOINT_URL_REKOGNITION": self.ai,
            "AWS_ENDPOINT_URL_COMPREHEND": self.ai,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "SALON_API_URL": self.api,
            "SALON_USER_POOL_ID": self.user_pool_id,
            "SALON_USER_POOL_CLIENT_ID": self.user_pool_client_id,
            "SALON_IMAGE_STATE_MACHINE_ARN": self.image_state_machine_arn,
            "SALON_COMMENT_STATE_MACHINE_ARN": self.comment_state_machine_arn,
            "SALON_MAILBOX": self.mailbox,
            "SALON_EVENTS_HTTP_URL": self.events_http,
            "SALON_EVENTS_REALTIME_URL": self.events_realtime,
            "SALON_GALLERY_URL": f"{self.api}/gallery/",
            **({"SALON_OPENSEARCH_URL": self.opensearch} if self.opensearch else {}),
        }

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Endpoints:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(**data)
