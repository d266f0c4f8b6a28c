"""The embedded stack: moto (in-process, served on loopback) plus local Lambda, AI and HTTP API endpoints.

What survives a restart: the mailbox folder (delivered mail stays delivered). Nothing else: AWS state
lives in moto's memory and the embedded index is cleared at start, so a restarted stack is empty and
consistent (no index entry without its record, no record without its object). See docs/decisions.md.
With `search="opensearch"` the index is osmem-server on loopback (in memory too), reached through opensearch-py.
"""

from __future__ import annotations

import ctypes
import logging
import os
import resource
import secrets
import shutil
import socket
import threading
from collections.abc import Callable
from typing import Any

import boto3
from moto import mock_aws
from moto.cognitoidp.models import cognitoidp_backends
from werkzeug.wrappers import Request, Response

from functions import adapters, config, names, wiring
from salon.embedded_index import EmbeddedIndex
from salon.local import (
    ai_endpoint,
    cognito_mail,
    events_api,
    execution_waits,
    faults,
    gallery_site,
    http_api,
    lambda_endpoint,
    loopback,
    moto_quirks,
    moto_speedups,
    retention,
)
from salon.local.config import ACCOUNT, Endpoints, StackConfig
from salon.local.console import make_view
from salon.local.httpserver import BackgroundServer, moto_server
from salon.local.provision import RUNTIME_ENVIRONMENT, Resources, function_environments, provision
from salon.local.pumps import EventSourceMapping, Mailbox, Pump
from salon.local.search_server import SearchServer

log = logging.getLogger(__name__)

ROUTES = [http_api.Route(r.method, r.path, r.function, r.public) for r in wiring.ROUTES]
# moto keeps each object version's bytes in a SpooledTemporaryFile of this size: photos and their renditions roll
# over to an unlinked temporary file on disk, so the stack's memory does not grow with the photos it holds; small
# objects (JSON, tiny images) stay in memory. moto's own default is 5 MB. Each rolled-over version holds one open
# file, hence the raised open-file limit.
S3_IN_MEMORY_BYTES = 16 * 1024
OPEN_FILES = 65536
# glibc gives threads that contend for malloc arenas of their own (up to 8 per core) and seldom returns what they
# free: with the stack's 50-80 threads (request threads, the engine's task threads, the models' native code) the
# resident memory kept creeping up between items. Two arenas, unless MALLOC_ARENA_MAX says otherwise.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Caps glibc's malloc arenas (a no-op elsewhere, or when MALLOC_ARENA_MAX is set); True when it took effect."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


def raise_open_file_limit(wanted: int = OPEN_FILES) -> int:
    """Raises the soft limit on open files towards ``wanted`` (never above the hard limit); the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def merged_environment(environments: dict[str, dict[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for function_name, environment in environments.items():
        for variable, value in environment.items():
            if merged.setdefault(variable, value) != value:
                raise ValueError(f"{variable} differs between functions ({function_name}): one process cannot run both")
    return merged


WARMUP_JOIN_SECONDS = 180


class PortInUseError(RuntimeError):
    pass


def check_ports(config: StackConfig) -> None:
    """Fails fast with a clear message (moto's server thread would otherwise wait forever)."""
    for label, port in (
        ("moto", config.moto_port),
        ("lambda", config.lambda_port),
        ("ai", config.ai_port),
        ("api", config.api_port),
        ("events", config.events_port),
        ("realtime", config.realtime_port),
    ):
        if not port:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As the servers themselves bind: a port whose last connections are in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((config.host, port))
            except OSError as exc:
                raise PortInUseError(
                    f"port {port} ({label}) on {config.host} is in use: is another `salon up` "
                    f"running? Choose another with --{label}-port or SALON_{label.upper()}_PORT"
                ) from exc


class EmbeddedStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.registry = lambda_endpoint.FunctionRegistry(region=config.region)
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.ai = ai_endpoint.AiService(lambda: self.client("s3"))
        self.faults = faults.FaultPlan()  # empty: nothing is injected until a test or `salon faults` adds one
        self._servers: list[Any] = []
        self._pumps: list[Pump] = []
        self._mock: Any = None
        self._warmup: threading.Thread | None = None
        self._saved_env: dict[str, str | None] = {}
        self.endpoints: Endpoints | None = None
        self.resources: Resources | None = None
        self.function_environments: dict[str, dict[str, str]] = {}
        self.mappings: dict[str, EventSourceMapping] = {}
        self.events: events_api.EventsEndpoint | None = None
        self._search: SearchServer | None = None
        self.retention: retention.HistoryRetention | None = None
        self.signals: execution_waits.ExecutionSignals | None = None

    def client(self, service: str) -> Any:
        """One boto3 client per service for the stack's own endpoints (made on first use, once the endpoints'
        variables are set): a client per request would pay its set-up and a new connection each time."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = loopback.attach(boto3.client(service, region_name=self.config.region))
            return self._clients[service]

    def _setenv(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def start(self) -> Endpoints:
        cfg = self.config
        check_ports(cfg)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request is noise here
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)  # failures are in execution history
        cfg.home.mkdir(parents=True, exist_ok=True)
        for stale in (cfg.index_path, cfg.index_path.with_name(cfg.index_path.name + ".wal")):
            stale.unlink(missing_ok=True)  # the index never outlives the records it points to
        self._setenv(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": cfg.region,
                "AWS_REGION": cfg.region,
                "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(S3_IN_MEMORY_BYTES),
            }
        )
        raise_open_file_limit()
        cap_malloc_arenas()
        moto_quirks.apply()
        moto_speedups.apply()
        moto_quirks.use_own_signing_key()  # before any pool exists: tokens of this start, verified by its JWKS
        self.retention = retention.HistoryRetention(
            cfg.history_dir, cfg.keep_executions
        )  # finished executions: memory stays bounded
        retention.install(self.retention)
        retention.track_models_weakly()  # moto's registry of every object it made: copies freed when done
        retention.pack_histories()  # running and waiting executions' histories: compressed JSON
        retention.small_object_file_buffers()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        # the engine says when an execution ends or enters a state: clients wait on it instead of polling
        self.signals = execution_waits.ExecutionSignals(execution_waits.moto_lookup(cfg.region, ACCOUNT))
        execution_waits.install(self.signals)
        moto = moto_server(cfg.host, cfg.moto_port)
        moto.app = faults.dynamodb_throttle(moto.app, self.faults)
        moto.app = cognito_mail.CognitoMail(
            moto.app,
            cfg.mailbox,
            lambda: cognitoidp_backends[ACCOUNT][cfg.region],
            lambda event: self.registry.invoke(names.FN_POST_CONFIRMATION, event),
        )
        moto.app = execution_waits.WaitEndpoint(moto.app, self.signals, cfg.region, ACCOUNT)
        self._servers.append(moto.start())
        moto_url = moto.url
        lam = BackgroundServer(lambda_endpoint.make_app(self.registry, self.faults), cfg.host, cfg.lambda_port).start()
        ai = BackgroundServer(ai_endpoint.make_app(self.ai), cfg.host, cfg.ai_port).start()
        self._servers += [lam, ai]
        self._setenv(
            {
                "AWS_ENDPOINT_URL": moto_url,
                "AWS_ENDPOINT_URL_LAMBDA": lam.url,
                "AWS_ENDPOINT_URL_REKOGNITION": ai.url,
                "AWS_ENDPOINT_URL_COMPREHEND": ai.url,
            }
        )

        res = self.resources = provision(cfg.region, self.registry, cfg.owner_email, cfg.owner_phone)
        issuer = f"https://cognito-idp.{cfg.region}.amazonaws.com/{res.user_pool_id}"
        authorizer = http_api.JwtAuthorizer(
            issuer, f"{moto_url}/{res.user_pool_id}/.well-known/jwks.json", [res.user_pool_client_id]
        )
        api_key = "da2-" + secrets.token_hex(13)
        events_auth = events_api.EventsAuth(
            api_key, authorizer, {os.environ["AWS_ACCESS_KEY_ID"]: os.environ["AWS_SECRET_ACCESS_KEY"]}, cfg.region
        )
        self.events = events_api.EventsEndpoint(events_auth, cfg.host, cfg.events_port, cfg.realtime_port).start()
        console = make_view(lambda: self.client("stepfunctions"))
        site_config: dict[str, Any] = {}
        site = gallery_site.GallerySite(
            lambda: site_config,
            lambda: self.client("s3"),
            lambda: self.client("dynamodb"),
        )
        extra: dict[str, Callable[[Request], Response]] = {"/console": console, gallery_site.PREFIX: site}
        api = BackgroundServer(http_api.make_app(ROUTES, self.registry, authorizer, extra), cfg.host, cfg.api_port)
        self._servers.append(api.start())
        site_config.update(
            {
                "apiUrl": api.url,
                "region": cfg.region,
                "userPoolId": res.user_pool_id,
                "userPoolClientId": res.user_pool_client_id,
                "cognitoEndpoint": moto_url,
                "eventsHttpEndpoint": self.events.http.url,
                "eventsRealtimeEndpoint": self.events.realtime.url.removesuffix(events_api.REALTIME_PATH),
                "eventsApiKey": api_key,
                "privateImagesOrigin": moto_url,  # the owner's presigned image URLs (uploads bucket)
            }
        )
        # Handlers share this process, so each function's variables go into its environment; they never
        # disagree (a variable names one resource), which merged_environment checks.
        self.function_environments = function_environments(
            self.registry, res, str(cfg.index_path), api.url, self.events.http_url
        )
        search = self._start_search()  # --search opensearch: the same variables, aimed at osmem-server
        for environment in self.function_environments.values():
            environment.update({k: v for k, v in search.items() if k in environment})
        self._setenv({**RUNTIME_ENVIRONMENT, **merged_environment(self.function_environments)})
        config.reset()  # this stack's settings and adapters, not a previous one's in the same process
        adapters.reset()
        adapters.register_search_backend("embedded", lambda endpoint, region: EmbeddedIndex(endpoint))
        adapters.wrap_search_index(lambda index: faults.FaultyIndex(index, self.faults))

        routed: list[wiring.Trigger | wiring.Delivery] = [*wiring.TRIGGERS, *wiring.DELIVERIES]
        self.mappings = {  # each trigger's and delivery's queue -> its function, as the Lambda event source mapping
            r.rule: EventSourceMapping(res.queue_urls[r.rule], r.function, cfg.region) for r in routed
        }
        mailbox = Mailbox(cfg.mailbox, res.mailbox_queue_url, cfg.region)
        self._pumps = [Pump(rule.removeprefix("salon-"), m.step) for rule, m in self.mappings.items()]
        self._pumps.append(Pump("mailbox", mailbox.step))
        for pump in self._pumps:
            pump.start()
        # Load the offline models in the background so the first upload and comment do not wait for them.
        self._warmup = threading.Thread(target=lambda: (self.ai.vision, self.ai.text), name="model-warmup", daemon=True)
        self._warmup.start()
        self.endpoints = Endpoints(
            moto=moto_url,
            lambda_=lam.url,
            ai=ai.url,
            api=api.url,
            region=cfg.region,
            user_pool_id=res.user_pool_id,
            user_pool_client_id=res.user_pool_client_id,
            image_state_machine_arn=res.image_state_machine_arn,
            comment_state_machine_arn=res.comment_state_machine_arn,
            mailbox=str(cfg.mailbox),
            pid=os.getpid(),
            events_http=self.events.http_url,
            events_realtime=self.events.realtime.url,
            events_api_key=api_key,
            opensearch=self._search.url if self._search else "",
            home=str(cfg.home),
            execution_waits=moto_url + execution_waits.PATH,
        )
        self.endpoints.save(cfg.state_file)
        return self.endpoints

    def _start_search(self) -> dict[str, str]:
        """With --search opensearch: osmem-server on loopback, the templates from schemas/ put, and the functions
        pointed at it through opensearch-py (the adapter AWS runs). The default is the embedded DuckDB file."""
        if self.config.search != "opensearch":
            return {}
        self._search = SearchServer(self.config.host)
        self._servers.append(self._search)
        url = self._search.start()
        self._search.index().apply_templates()
        return {names.ENV_SEARCH_BACKEND: "opensearch", names.ENV_SEARCH_ENDPOINT: url}

    def stop(self) -> None:
        from functions.adapters import wrap_search_index

        wrap_search_index(None)
        if self.signals is not None:  # clients blocked in a wait answer at once ("stopping"), not at their timeout
            self.signals.close()
            execution_waits.install(None)
        for pump in self._pumps:  # all at once: each ends after its receive in flight (long polling)
            pump.halt()
        for pump in self._pumps:
            pump.stop()
        if self._warmup is not None:  # a process exiting while native model code loads aborts (SIGABRT)
            self._warmup.join(timeout=WARMUP_JOIN_SECONDS)
        for server in reversed(self._servers):
            server.stop()
        if self.events is not None:
            self.events.stop()
            self.events = None
        if self._mock is not None:
            self._mock.stop()
        retention.install(None)
        self._clients.clear()  # a restart gets clients aimed at its own endpoints
        shutil.rmtree(self.config.history_dir, ignore_errors=True)
        self.config.state_file.unlink(missing_ok=True)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def reset_mailbox(self) -> None:
        shutil.rmtree(self.config.mailbox, ignore_errors=True)
        self.config.mailbox.mkdir(parents=True, exist_ok=True)
