"""Work moto repeats that changes nothing, done once instead (found by `bench/bench_pipeline.py --profile`).

Unlike salon/local/moto_quirks.py these change no behaviour: what moto answers stays the same.
- Every execution re-parses its state machine's ASL with ANTLR (a third of the engine's CPU per upload):
  each definition is parsed once. The parsed program is shared by the executions of that definition; its
  components keep their run state in each execution's Environment (keyed by the component's `heap_key`),
  and the one value a component sets on itself, that key, is set before the program is shared.
- Every Task state makes a new boto3 client for the service it calls (client set-up, an SSL context and
  a fresh connection per state): one client per region, service and endpoint serves them all.
- Every JSONPath the engine evaluates (InputPath, Parameters' `.$` fields, ResultPath, ...) and every
  EventBridge input path is parsed again by jsonpath_ng, which builds a new PLY parser each time (2-3 ms):
  each path is parsed once. A parsed path holds no state; finding and updating change only the data.
- Every request to the moto server lists moto's package folder to tell a service host from another
  (`backends.list_of_moto_modules`): the list is read once.
- ListObjectVersions deep-copies every version in the bucket, bytes included, before it filters them by
  prefix (InspectUpload lists one key's versions per upload: the whole bucket copied each time, growing with
  it). With a prefix and no key marker, only the versions under the prefix are handed to moto's listing; they
  are the only ones its answer can hold, and is-latest is decided per key, so the answer is the same.
- Every member of every answer moto serialises asks six alias providers which names the value may have on
  the Python object (`AttributePicker.get_possible_keys`: the largest cost of a DynamoDB call). The names
  depend on the alias providers, the object's class, the member's name and its shape (and parent shape) only,
  unless the object declares its own aliases (`Meta`): they are worked out once per such combination. Shapes
  live in moto's cached service models, so the combinations are few.
- Every DynamoDB UpdateExpression is tokenised and parsed twice per UpdateItem (once to check the names and
  values it uses, once to run it; a transaction's updates the same) and its tree walked by ten validators;
  each of them asks, at every node of the tree, for its map of node classes to methods, built anew each time
  (a dict and a tuple per node and validator: the largest cost of a comment's RecordAnalysis). An expression
  is parsed once per text: its tree is only read (`find_clauses`) or deep-copied before a validator changes it
  (`Validator.__init__`). A validator's map is worked out once per class: moto's ten build it from constants
  (their own methods), and one that does not is asked each time, as moto does.
- The engine deep-copies a state's data (its input, each path's value, the stack, each result) several times
  per state with `copy.deepcopy`, which keeps a memo of every object for aliases and cycles. That data is JSON
  (dicts, lists, strings, numbers, booleans, null: what a state reads and passes on), where neither exists: in
  the engine's modules that copy it, plain dicts and lists are copied by a JSON copy, and anything else (a
  subclass, a tuple, an object, a datetime) by `copy.deepcopy` itself, so every value copied is equal to what
  moto's copy gives; an alias inside one value is copied twice, as it is after the JSON round trip AWS does.
- Every request moto's server answers lists its response class's functions (`method_names_from_class`:
  `inspect.getmembers`, a getattr per name of `dir()`, several hundred for DynamoDB's or S3's) to ask whether the
  action is one of them: the name is looked up on the class instead (the same answer: a name of `dir()` whose
  value on the class is a function).
- Every attribute name of a DynamoDB expression is looked for among the reserved keywords, a list of about 570
  names: the list answers `in` from a set of the same names.
- With moto's in-process mock on, every request of every client is matched against all of moto's URL patterns
  before it goes out to the stack's servers, and moto's server scans its module names and patterns again for
  each request's host: a URL no service answers, and a host's service, are remembered (both depend on constants).
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any

_applied = False
PARSED_DEFINITIONS = 64  # state machine definitions kept parsed (the stack has two; tests make a few more)


def components(root: Any) -> list[Any]:
    """Every evaluation component reachable from `root` (a parsed program), each once."""
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    seen: set[int] = set()
    todo, found = [root], []
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            found.append(node)
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            todo.extend(node)
        elif hasattr(node, "__dict__") and type(node).__module__.startswith("moto.stepfunctions"):
            todo.extend(vars(node).values())
    return found


def set_heap_keys(root: Any) -> int:
    """Gives every evaluation component under `root` its heap key now; returns how many there are."""
    found = components(root)
    for component in found:
        _ = component.heap_key
    return len(found)


def _parse_each_definition_once() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parse = AmazonStateLanguageParser.parse

    @functools.lru_cache(maxsize=PARSED_DEFINITIONS)
    def parse_once(definition: str) -> tuple[Any, Any]:
        program, tree = parse(definition)
        set_heap_keys(program)
        return program, tree

    AmazonStateLanguageParser.parse = staticmethod(parse_once)  # type: ignore[method-assign]


def _one_sdk_client_per_service() -> None:
    """As moto's `boto_client_for`, made once per region, service and endpoint; `state_credentials` is unused
    there too. boto3 clients are thread-safe; a bigger pool serves many executions at once.

    With moto's in-process mock on (the embedded stack runs it so, next to its server) moto names no endpoint:
    the client takes the `AWS_ENDPOINT_URL*` variables, so they are part of the key (a restarted stack on other
    ports gets new clients). Otherwise the endpoint is moto's server port, as moto has it."""
    import os

    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.utils import boto_client

    from salon.local import loopback

    made: dict[tuple[Any, ...], Any] = {}
    lock = threading.Lock()

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if boto_client.botocore_stubber.enabled:
            endpoint = None
            key: tuple[Any, ...] = (region, service, *sorted(i for i in os.environ.items() if "ENDPOINT_URL" in i[0]))
        else:
            endpoint = f"http://localhost:{boto_client.moto_server_port()}"
            key = (region, service, endpoint)
        with lock:
            if key not in made:
                made[key] = loopback.attach(
                    boto3.client(
                        service_name=service,
                        region_name=region,
                        aws_access_key_id="ak",
                        aws_secret_access_key="sk",
                        endpoint_url=endpoint,
                        config=Config(
                            parameter_validation=False,
                            retries={"max_attempts": 0, "total_max_attempts": 1},
                            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                            max_pool_connections=64,
                        ),
                    )
                )
            return made[key]

    original = boto_client.boto_client_for
    boto_client.boto_client_for = client_for  # modules imported from now on take this one
    for name, module in list(sys.modules.items()):  # those imported already hold the original by name
        if name.startswith("moto.stepfunctions") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = client_for  # type: ignore[attr-defined]


JSON_PATHS = 4096  # distinct JSONPath expressions kept parsed


def _parse_each_json_path_once() -> None:
    import jsonpath_ng
    import jsonpath_ng.ext
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module, parent in ((jsonpath_ng.ext, (json_path,)), (jsonpath_ng, (result_path,))):
        original = module.parse
        cached = functools.lru_cache(maxsize=JSON_PATHS)(original)
        for holder in (module, *parent):  # moto's events module imports jsonpath_ng.ext.parse when it runs
            if getattr(holder, "parse", None) is original:
                holder.parse = cached  # type: ignore[attr-defined]


def _list_moto_modules_once() -> None:
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())

    def listed() -> Iterable[str]:
        return modules

    backends.list_of_moto_modules = listed


class _UnderPrefix:
    """A bucket's key store as ListObjectVersions reads it (`iterlists`), holding the keys under `prefix` only."""

    def __init__(self, keys: Any, prefix: str) -> None:
        self._keys, self._prefix = keys, prefix

    def iterlists(self) -> Iterator[tuple[str, list[Any]]]:
        for name, versions in self._keys.iterlists():
            if name.startswith(self._prefix):
                yield name, versions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._keys, name)


class _BucketUnderPrefix:
    def __init__(self, bucket: Any, prefix: str) -> None:
        self._bucket, self.keys = bucket, _UnderPrefix(bucket.keys, prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bucket, name)


class _BackendUnderPrefix:
    """The S3 backend as one ListObjectVersions call sees it: its bucket narrowed to the prefix."""

    def __init__(self, backend: Any, bucket: Any, prefix: str) -> None:
        self._backend, self._bucket = backend, _BucketUnderPrefix(bucket, prefix)

    def get_bucket(self, bucket_name: str) -> Any:
        return self._bucket

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _copy_only_the_listed_versions() -> None:
    from moto.s3.models import S3Backend

    original = S3Backend.list_object_versions

    @functools.wraps(original)
    def list_object_versions(
        self: Any,
        bucket_name: str,
        delimiter: str | None = None,
        key_marker: str | None = None,
        max_keys: int | None = 1000,
        prefix: str = "",
        version_id_marker: str | None = None,
    ) -> Any:
        target = self
        if prefix and key_marker is None:  # a marker's skipping reads names outside the prefix: moto's way then
            target = _BackendUnderPrefix(self, self.get_bucket(bucket_name), prefix)
        return original(target, bucket_name, delimiter, key_marker, max_keys, prefix, version_id_marker)

    S3Backend.list_object_versions = list_object_versions  # type: ignore[method-assign]


def _pick_attributes_by_known_names() -> None:
    from moto.core import serialize
    from moto.core.utils import MISSING
    from moto.core.utils import get_value as value_of

    original = serialize.ResponseSerializer.get_value
    known: dict[tuple[Any, ...], tuple[list[str], Any]] = {}

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if (
            type(picker) is not serialize.XFormedAttributePicker
            or picker.response_transformers  # they read the member's path: moto's way then
            or shape is None
            or hasattr(value, "Meta")  # aliases of the object's own: asked each time, as moto does
        ):
            return original(self, value, key, shape)
        parent = getattr(shape, "parent", None)
        combination = (id(picker.alias_providers), type(value), key, id(shape), id(parent))
        found = known.get(combination)
        if found is None:  # the objects the ids name are kept with the names, so an id is never reused
            context = serialize.AttributePickerContext(
                obj=value,
                key=key,
                shape=shape,
                operation_model=self.operation_model,
                service_model=self.operation_model.service_model,
                key_path=".".join(self.path),
            )
            found = known[combination] = (
                list(picker.get_possible_keys(context)),
                (picker.alias_providers, shape, parent),
            )
        plain = type(value) is dict
        for name in found[0]:
            picked = value.get(name, MISSING) if plain and "." not in name else value_of(value, name, MISSING)
            if picked is not MISSING:
                return picked
        return None

    get_value.original = original  # type: ignore[attr-defined]  # for the test that compares the answers
    serialize.ResponseSerializer.get_value = get_value  # type: ignore[method-assign]


UPDATE_EXPRESSIONS = 1024  # distinct UpdateExpression texts kept parsed (the workflows and handlers have a few dozen)


def _parse_each_update_expression_once() -> None:
    expressions: Any = importlib.import_module("moto.dynamodb.parsing.expressions")
    UpdateExpressionParser = expressions.UpdateExpressionParser
    make = UpdateExpressionParser.make.__func__

    @functools.lru_cache(maxsize=UPDATE_EXPRESSIONS)
    def make_once(expression: str) -> Any:
        return make(UpdateExpressionParser, expression)

    def parsed(cls: Any, expression: str) -> Any:
        if cls is not UpdateExpressionParser or not isinstance(expression, str):
            return make(cls, expression)
        return make_once(expression)

    parsed.original = make  # type: ignore[attr-defined]  # for the test that compares the answers
    UpdateExpressionParser.make = classmethod(parsed)


_Plan = tuple[tuple[type, ...], tuple[tuple[type, Any], ...], dict[type, Any]]


class _TraverserPlans:
    """Per DepthFirstTraverser class: its map's node classes, (node class, function) in the map's order, and per
    node class met the function that processes it (the first of the map's classes it is an instance of), or None
    for a class whose map is not made of its own methods (moto's way then)."""

    def __init__(self, node_class: type) -> None:
        self._node_class = node_class
        self._plans: dict[type, _Plan | None] = {}
        self._nodes: dict[type, bool] = {}

    def plan(self, traverser: Any) -> _Plan | None:
        cls = type(traverser)
        if cls not in self._plans:
            mapping = traverser._processing_map()
            own = all(getattr(method, "__self__", None) is traverser for method in mapping.values())
            # the functions, not the bound methods: the same for any instance, and no cycle through one
            pairs = tuple((k, m.__func__) for k, m in mapping.items())
            self._plans[cls] = (tuple(mapping), pairs, {}) if own else None
        return self._plans[cls]

    @staticmethod
    def function_for(plan: _Plan, node_type: type) -> Any:
        by_type = plan[2]
        if node_type not in by_type:
            by_type[node_type] = next((f for k, f in plan[1] if issubclass(node_type, k)), None)
        return by_type[node_type]

    def is_node(self, node_type: type) -> bool:
        if node_type not in self._nodes:
            self._nodes[node_type] = issubclass(node_type, self._node_class)
        return self._nodes[node_type]

    def walk(self, traverser: Any, plan: _Plan, node: Any, child_id: int) -> Any:
        """moto's `traverse_node_recursively`, step for step."""
        if self.is_node(type(node)):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    traverser.pre_processing_of_child(node, i)
                    self.walk(traverser, plan, child_node, i)
            function = self.function_for(plan, type(node))
            if function is not None:
                node = function(traverser, node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node


def _plan_each_traverser_once() -> None:
    """moto's DepthFirstTraverser walk, with each traverser class's map worked out once and the function for each
    node class looked up once: moto's node classes are ABCs, so each of its isinstance checks (three per node and
    traverser) goes through ABCMeta."""
    ast_nodes: Any = importlib.import_module("moto.dynamodb.parsing.ast_nodes")
    traverser_class = ast_nodes.DepthFirstTraverser
    plans = _TraverserPlans(ast_nodes.Node)
    original = {
        name: getattr(traverser_class, name)
        for name in ("nodes_to_be_processed", "process", "traverse_node_recursively")
    }

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        found = plans.plan(self)
        return original["nodes_to_be_processed"](self) if found is None else found[0]

    def process(self: Any, node: Any) -> Any:
        found = plans.plan(self)
        if found is None:
            return original["process"](self, node)
        function = plans.function_for(found, type(node))
        return None if function is None else function(self, node)

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        found = plans.plan(self)
        if found is None:
            return original["traverse_node_recursively"](self, node, child_id)
        return plans.walk(self, found, node, child_id)

    nodes_to_be_processed.original = original  # type: ignore[attr-defined]  # for the test that compares answers
    traverser_class.nodes_to_be_processed = nodes_to_be_processed
    traverser_class.process = process
    traverser_class.traverse_node_recursively = traverse_node_recursively


_ATOMS = frozenset({str, int, float, bool, type(None)})  # immutable: a copy is the value itself, as deepcopy has it
# the engine's modules that copy a state's data (`import copy`, then copy.deepcopy(value))
ENGINE_COPIERS = (
    "moto.stepfunctions.parser.asl.eval.states",
    "moto.stepfunctions.parser.asl.eval.environment",
    "moto.stepfunctions.parser.asl.eval.event.event_manager",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.common.path.result_path",
    "moto.stepfunctions.parser.asl.component.state.exec.execute_state",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
)


def json_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A deep copy of JSON data: plain dicts and lists copied, atoms as they are, anything else by deepcopy."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if memo is not None:  # a caller tracking aliases itself: deepcopy's own way
        return copy.deepcopy(value, memo)
    if kind is dict:
        return {k if type(k) in _ATOMS else copy.deepcopy(k): json_copy(v) for k, v in value.items()}
    if kind is list:
        return [json_copy(v) for v in value]
    return copy.deepcopy(value)


class _CopyModule:
    """The `copy` module as the engine's modules see it: deepcopy is json_copy, the rest is the module's own."""

    deepcopy = staticmethod(json_copy)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _copy_engine_data_as_json() -> None:
    shim = _CopyModule()
    for name in ENGINE_COPIERS:
        module = importlib.import_module(name)
        if getattr(module, "copy", None) is copy:
            module.copy = shim  # type: ignore[attr-defined]


class _FunctionNames:
    """The names of a class's functions, as `method_names_from_class` lists them (`inspect.getmembers` with
    `inspect.isfunction`: every name of `dir()` whose value on the class is a function), asked one name at a time:
    a name is one of them when the class's attribute of that name is a function. Iterating lists them as moto does."""

    def __init__(self, clazz: Any, listed: Any) -> None:
        self._clazz, self._listed = clazz, listed

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and inspect.isfunction(getattr(self._clazz, name, None))

    def __iter__(self) -> Iterator[str]:
        return iter(self._listed(self._clazz))


def _look_up_actions_by_name() -> None:
    """Every request moto's server answers lists its response class's functions (`inspect.getmembers`: a getattr
    per name of `dir()`, several hundred for DynamoDB's or S3's) only to ask whether the action is among them."""
    responses: Any = importlib.import_module("moto.core.responses")
    original = responses.method_names_from_class
    if hasattr(original, "original"):  # applied already
        return

    def method_names_from_class(clazz: Any) -> _FunctionNames:
        return _FunctionNames(clazz, original)

    method_names_from_class.original = original  # type: ignore[attr-defined]  # for the test that compares them
    responses.method_names_from_class = method_names_from_class


class _KeywordList(list[str]):
    """DynamoDB's reserved keywords, the list moto reads, answering `in` from a set: moto asks it for every
    attribute name of every expression it validates (about 570 names, scanned one by one)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        super().__init__(keywords)
        self._set = frozenset(self)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            return name in self._set
        return super().__contains__(name)


def _reserved_keywords_as_a_set() -> None:
    reserved: Any = importlib.import_module("moto.dynamodb.parsing.reserved_keywords")
    keywords = reserved.ReservedKeywords.get_reserved_keywords()
    if not isinstance(keywords, _KeywordList):
        reserved.ReservedKeywords.KEYWORDS = _KeywordList(keywords)


UNMATCHED_URLS = 1024  # URLs (no query) no moto service answers, remembered: a few dozen recur, S3 keys do not


def _remember_urls_no_service_answers() -> None:
    """With moto's in-process mock on, every request of every client in the process (the stack's servers on
    loopback included) is first matched against all of moto's services' URL patterns (about 180 regular
    expressions), only to go out over the network when none matches. The patterns are constants, and a URL
    (query left out, as moto leaves it out) that none of them matches, and that is no amazonaws.com URL, is let
    through whatever the mock's settings: such a URL is remembered and let through at once the next time."""
    stubber: Any = importlib.import_module("moto.core.botocore_stubber")
    original = stubber.BotocoreStubber.process_request
    if hasattr(original, "original"):
        return
    patterns = stubber.backend_index.backend_url_patterns
    not_implemented = re.compile(r"https?://.+\.amazonaws.com/.*")  # moto's 404 for an AWS URL of no service
    unmatched: dict[str, None] = {}
    lock = threading.Lock()

    def clean_url(request: Any) -> str:
        parsed, _ = stubber.get_equivalent_url_in_aws_domain(request.url)
        return f"{parsed.scheme}://{parsed.netloc}{parsed.path}"

    def process_request(self: Any, request: Any) -> Any:
        url = clean_url(request)
        if url in unmatched:
            return None
        answer = original(self, request)
        if answer is None and not not_implemented.match(url) and not any(p.match(url) for _, p in patterns):
            with lock:
                if len(unmatched) >= UNMATCHED_URLS:
                    unmatched.pop(next(iter(unmatched)), None)  # the oldest
                unmatched[url] = None
        return answer

    process_request.original = original  # type: ignore[attr-defined]  # for the test that compares them
    stubber.BotocoreStubber.process_request = process_request


def _remember_each_hosts_backend() -> None:
    """moto's server finds the service of every request by its host: a scan of moto's module names, then its
    services' URL patterns one by one. Both are constants (the module list is read once, above): a host's service,
    once found, is remembered. A host of no service is looked up each time, as moto does (it says so each time)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    if hasattr(original, "original"):
        return
    found: dict[tuple[int, str], Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host is None:
            return None
        key = (id(self.backend_url_patterns), host)
        if key not in found:
            backend = original(self, host)
            if not backend:
                return backend
            if len(found) >= UNMATCHED_URLS:
                found.clear()
            found[key] = (backend, self.backend_url_patterns)  # the patterns kept: their id is never reused
        return found[key][0]

    get_backend_for_host.original = original  # type: ignore[attr-defined]  # for the test that compares them
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def apply() -> None:
    global _applied
    if _applied:
        return
    _parse_each_definition_once()
    _one_sdk_client_per_service()
    _parse_each_json_path_once()
    _list_moto_modules_once()
    _copy_only_the_listed_versions()
    _pick_attributes_by_known_names()
    _parse_each_update_expression_once()
    _plan_each_traverser_once()
    _copy_engine_data_as_json()
    _look_up_actions_by_name()
    _reserved_keywords_as_a_set()
    _remember_urls_no_service_answers()
    _remember_each_hosts_backend()
    _applied = True
