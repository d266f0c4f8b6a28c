"""moto's repeated work done once: one parse per state machine definition, shared safely; one module list;
object versions copied only under the listed prefix."""

from __future__ import annotations

import importlib
import json
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import backends, mock_aws
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from salon.local import moto_speedups
from tests.dynamodb_tables import create_hash_table
from tests.fakes import fake_credentials
from workflows import asl


def test_a_definition_is_parsed_once_and_its_components_keyed_before_it_is_shared() -> None:
    moto_speedups.apply()
    definition = asl.definition_path("image_moderation").read_text(encoding="utf-8")
    program, _tree = AmazonStateLanguageParser.parse(definition)
    assert AmazonStateLanguageParser.parse(definition)[0] is program  # the cache answers the second time
    found = moto_speedups.components(program)
    assert len(found) > 50
    assert all(c._EvalComponent__heap_key is not None for c in found)  # type: ignore[attr-defined]
    assert len({c.heap_key for c in found}) == len(found)


def test_the_module_list_is_the_same_list() -> None:
    moto_speedups.apply()
    listed = list(backends.list_of_moto_modules())
    assert "stepfunctions" in listed and "s3" in listed and listed == sorted(listed)


def test_task_states_share_one_sdk_client_per_service() -> None:
    moto_speedups.apply()
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.utils import boto_client

    stubbing = boto_client.botocore_stubber.enabled  # on while another test's in-process moto mock is active
    boto_client.botocore_stubber.enabled = False  # the server mode the embedded stack runs moto in
    try:
        first = lambda_eval_utils.boto_client_for(region="us-east-1", service="lambda", state_credentials=None)
        again = boto_client.boto_client_for(region="us-east-1", service="lambda", state_credentials=object())
        assert first is again and first.meta.service_model.service_name == "lambda"
        assert boto_client.boto_client_for(region="us-east-1", service="sqs") is not first
    finally:
        boto_client.botocore_stubber.enabled = stubbing


@pytest.fixture
def s3_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, str]]:
    fake_credentials(monkeypatch)
    # moto's own key buffer (5 MB): an embedded stack started earlier in the session sets a smaller one, which
    # keeps the big objects below on disk and out of the copy this file measures.
    monkeypatch.delenv("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", raising=False)
    moto_speedups.apply()
    with mock_aws():
        from moto.s3.models import s3_backends

        s3 = boto3.client("s3")
        bucket = f"speedup-test-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for name in ("a/1.jpg", "a/2.jpg", "a/2.jpg", "a/sub/3.jpg", "ab", "b/1.jpg", "b/1.jpg", "c"):
            s3.put_object(Bucket=bucket, Key=name, Body=name.encode() * 3)
        s3.delete_object(Bucket=bucket, Key="a/1.jpg")  # a delete marker among the versions
        yield s3, s3_backends["123456789012"]["aws"], bucket
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
        s3.delete_bucket(Bucket=bucket)


def listing(answer: tuple[Any, ...]) -> tuple[Any, ...]:
    versions, prefixes, markers, next_key, next_version = answer
    return (
        [(v.name, v.version_id, v.is_latest, v.value) for v in versions],
        prefixes,
        [(m.name, m.version_id, m.is_latest) for m in markers],
        next_key,
        next_version,
    )


def test_object_versions_under_a_prefix_answer_as_moto_does(s3_backend: tuple[Any, Any, str]) -> None:
    from moto.s3.models import S3Backend

    _, backend, bucket = s3_backend
    mine, moto_s = S3Backend.list_object_versions, S3Backend.list_object_versions.__wrapped__  # type: ignore[attr-defined]
    assert mine is not moto_s
    cases: list[dict[str, Any]] = [
        {"prefix": "a/"},
        {"prefix": "a"},
        {"prefix": "a/2.jpg"},
        {"prefix": "a/", "delimiter": "/"},
        {"prefix": "a/", "max_keys": 2},
        {"prefix": "b/", "max_keys": 1},
        {"prefix": "zzz"},
        {"prefix": ""},
        {"prefix": "a/", "key_marker": "a/1.jpg"},
        {"prefix": "a/", "key_marker": "a/2.jpg", "version_id_marker": "x"},
    ]
    for case in cases:
        assert listing(mine(backend, bucket, **case)) == listing(moto_s(backend, bucket, **case)), case
    assert [n for n, *_ in listing(mine(backend, bucket, prefix="a/"))[0]] == [
        "a/1.jpg",
        "a/2.jpg",
        "a/2.jpg",
        "a/sub/3.jpg",
    ]


def test_object_versions_under_a_prefix_copy_only_that_prefix(s3_backend: tuple[Any, Any, str]) -> None:
    from moto.s3.models import S3Backend

    s3, backend, bucket = s3_backend
    for n in range(8):  # 8 MB elsewhere in the bucket
        s3.put_object(Bucket=bucket, Key=f"big/{n}", Body=bytes(1_000_000))

    def peak_mb(list_versions: Any) -> float:
        tracemalloc.start()
        try:
            assert len(list_versions(backend, bucket, prefix="a/2.jpg")[0]) == 2
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()

    assert peak_mb(S3Backend.list_object_versions.__wrapped__) > 8  # type: ignore[attr-defined]  # moto copies all
    assert peak_mb(S3Backend.list_object_versions) < 1


def test_with_the_in_process_mock_on_task_clients_are_shared_per_endpoint_variables() -> None:
    """The embedded stack runs moto's mock in-process: the engine's clients take AWS_ENDPOINT_URL_* and are
    shared while those stay; another stack's ports give another client, aimed at them."""
    import os

    moto_speedups.apply()
    from moto.stepfunctions.parser.asl.utils import boto_client

    stubbing, saved = boto_client.botocore_stubber.enabled, os.environ.get("AWS_ENDPOINT_URL_LAMBDA")
    boto_client.botocore_stubber.enabled = True
    try:
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:4101"
        first = boto_client.boto_client_for(region="us-east-1", service="lambda")
        assert boto_client.boto_client_for(region="us-east-1", service="lambda") is first
        assert first.meta.endpoint_url == "http://127.0.0.1:4101"
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:4102"
        other = boto_client.boto_client_for(region="us-east-1", service="lambda")
        assert other is not first and other.meta.endpoint_url == "http://127.0.0.1:4102"
    finally:
        boto_client.botocore_stubber.enabled = stubbing
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL_LAMBDA", None)
        else:
            os.environ["AWS_ENDPOINT_URL_LAMBDA"] = saved


def test_json_paths_are_parsed_once_and_a_shared_path_answers_each_document_alike() -> None:
    moto_speedups.apply()
    import jsonpath_ng.ext
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    assert jsonpath_ng.ext.parse("$.detail.object.key") is jsonpath_ng.ext.parse("$.detail.object.key")
    assert extract_json("$.detail.object.key", {"detail": {"object": {"key": "a"}}}) == "a"
    assert extract_json("$.detail.object.key", {"detail": {"object": {"key": "b"}}}) == "b"
    assert extract_json("$.labels[0]", {"labels": ["x", "y"]}) == "x"


def _answers() -> Any:
    """A spread of moto answers (JSON, nested structures, lists, maps), request ids and the names made here
    left out."""
    ddb, sfn, sqs = boto3.client("dynamodb"), boto3.client("stepfunctions"), boto3.client("sqs")
    name = f"t{uuid.uuid4().hex[:8]}"
    answers: list[Any] = [
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "k", "AttributeType": "S"},
                {"AttributeName": "r", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]["KeySchema"]
    ]
    item = {
        "k": {"S": "a"},
        "r": {"N": "1"},
        "b": {"B": b"\x00\x01"},
        "ss": {"SS": ["x", "y"]},
        "ns": {"NS": ["1", "2.5"]},
        "m": {"M": {"l": {"L": [{"S": "v"}, {"NULL": True}, {"BOOL": False}, {"M": {}}]}}},
    }
    ddb.put_item(TableName=name, Item=item)
    answers.append(ddb.get_item(TableName=name, Key={"k": {"S": "a"}, "r": {"N": "1"}})["Item"])
    query = ddb.query(TableName=name, KeyConditionExpression="k = :k", ExpressionAttributeValues={":k": {"S": "a"}})
    answers.append({k: v for k, v in query.items() if k != "ResponseMetadata"})
    described = ddb.describe_table(TableName=name)["Table"]
    answers.append({k: v for k, v in described.items() if k not in ("CreationDateTime", "TableArn", "TableId")})
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "7"})["QueueUrl"]
    answers.append(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds"]))
    answers[-1].pop("ResponseMetadata")
    arn = sfn.create_state_machine(
        name=name, definition='{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}', roleArn=ROLE
    )["stateMachineArn"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    answers.append({k: v for k, v in described.items() if k not in ("ResponseMetadata", "creationDate")})
    return json.loads(json.dumps(answers, default=repr).replace(name, "NAME"))


ROLE = "arn:aws:iam::123456789012:role/r"


def test_attribute_names_worked_out_once_give_the_answers_moto_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_credentials(monkeypatch)
    moto_speedups.apply()
    from moto.core import serialize

    fast = serialize.ResponseSerializer.get_value
    with mock_aws():
        with_speedup = _answers()
        monkeypatch.setattr(serialize.ResponseSerializer, "get_value", fast.original)  # type: ignore[attr-defined]
        as_moto = _answers()
    assert with_speedup == as_moto
    assert with_speedup[1]["m"]["M"]["l"]["L"][1] == {"NULL": True} and with_speedup[1]["ns"] == {"NS": ["1", "2.5"]}


UPDATES: list[dict[str, Any]] = [  # (expression, names, values): answers and errors alike, as moto gives them
    {"UpdateExpression": "SET a = :s, b = :n, c = if_not_exists(c, :s)", "V": {":s": {"S": "x"}, ":n": {"N": "2"}}},
    {
        "UpdateExpression": "ADD n :n, ss :ss SET m.x = :s",
        "V": {":n": {"N": "3"}, ":ss": {"SS": ["p"]}, ":s": {"S": "y"}},
    },
    {
        "UpdateExpression": "SET l = list_append(if_not_exists(l, :e), :l), #n = #n + :n",
        "N": {"#n": "n"},
        "V": {":e": {"L": []}, ":l": {"L": [{"S": "z"}]}, ":n": {"N": "1"}},
    },
    {"UpdateExpression": "REMOVE a, l[0] SET b = b - :n", "V": {":n": {"N": "1"}}},
    {"UpdateExpression": "DELETE ss :ss", "V": {":ss": {"SS": ["p"]}}},
    {"UpdateExpression": "SET a = :s, a = :s", "V": {":s": {"S": "x"}}},  # overlapping paths
    {"UpdateExpression": "SET k = :s", "V": {":s": {"S": "x"}}},  # the key
    {"UpdateExpression": "SET b = missing + :n", "V": {":n": {"N": "1"}}},  # no such attribute
    {"UpdateExpression": "SET b = c + :n", "V": {":n": {"N": "1"}}},  # a string plus a number
    {"UpdateExpression": "SET a = :undefined", "V": {":s": {"S": "x"}}},
    {"UpdateExpression": "SET #undefined = :s", "V": {":s": {"S": "x"}}},
    {"UpdateExpression": "SET a = :empty", "V": {":empty": {"S": ""}}},
    {"UpdateExpression": "SET = :s", "V": {":s": {"S": "x"}}},  # not an expression
]


def _updates() -> list[Any]:
    ddb = boto3.client("dynamodb")
    name = f"u{uuid.uuid4().hex[:8]}"
    create_hash_table(ddb, name)
    answers: list[Any] = []
    for key in ("old", "new"):  # an item that exists, and one that an update creates
        if key == "old":
            ddb.put_item(TableName=name, Item={"k": {"S": key}, "a": {"S": "0"}})
        for case in UPDATES:
            args: dict[str, Any] = {
                "UpdateExpression": case["UpdateExpression"],
                "ExpressionAttributeValues": case["V"],
            }
            if "N" in case:
                args["ExpressionAttributeNames"] = case["N"]
            try:
                got = ddb.update_item(TableName=name, Key={"k": {"S": key}}, ReturnValues="ALL_NEW", **args)
                answers.append(got.get("Attributes"))
            except ddb.exceptions.ClientError as exc:
                answers.append((exc.response["Error"]["Code"], exc.response["Error"]["Message"]))
            except Exception as exc:  # moto's own bugs (a KeyError for an undefined name) are answers too
                answers.append((type(exc).__name__, str(exc)))
        try:  # the same in a transaction
            ddb.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": name, "Key": {"k": {"S": key}}, **args}}
                    for args in (
                        {
                            "UpdateExpression": "ADD n :n SET t = :s",
                            "ExpressionAttributeValues": {":n": {"N": "5"}, ":s": {"S": "t"}},
                        },
                    )
                ]
            )
        except ddb.exceptions.ClientError as exc:
            answers.append(exc.response["Error"]["Code"])
        answers.append(ddb.get_item(TableName=name, Key={"k": {"S": key}})["Item"])
    ddb.delete_table(TableName=name)
    return answers


def test_update_expressions_parsed_once_and_walked_by_plan_answer_as_moto_does(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_credentials(monkeypatch)
    moto_speedups.apply()
    DepthFirstTraverser = importlib.import_module("moto.dynamodb.parsing.ast_nodes").DepthFirstTraverser
    UpdateExpressionParser = importlib.import_module("moto.dynamodb.parsing.expressions").UpdateExpressionParser

    fast = DepthFirstTraverser.nodes_to_be_processed.original  # type: ignore[attr-defined]
    make = UpdateExpressionParser.make
    with mock_aws():
        with_speedup = _updates()
        for name, method in fast.items():
            monkeypatch.setattr(DepthFirstTraverser, name, method)
        monkeypatch.setattr(UpdateExpressionParser, "make", classmethod(make.__func__.original))  # type: ignore[attr-defined]
        as_moto = _updates()
    assert with_speedup == as_moto
    assert with_speedup[0] == {"k": {"S": "old"}, "a": {"S": "x"}, "b": {"N": "2"}, "c": {"S": "x"}}
    assert sum(isinstance(a, tuple) for a in with_speedup) >= 12  # the error cases are errors, both items


def test_a_parsed_update_expression_is_shared_and_never_changed_by_an_update(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_credentials(monkeypatch)
    moto_speedups.apply()
    UpdateExpressionParser = importlib.import_module("moto.dynamodb.parsing.expressions").UpdateExpressionParser

    text = "SET a = if_not_exists(a, :z) + :n, l = list_append(:l, :l) ADD s :s"
    tree = UpdateExpressionParser.make(text)
    assert UpdateExpressionParser.make(text) is tree
    before = repr(tree)  # the nodes' reprs name their children, all the way down

    with mock_aws():
        ddb = boto3.client("dynamodb")
        create_hash_table(ddb, "shared")
        values = {":z": {"N": "0"}, ":n": {"N": "2"}, ":l": {"L": [{"S": "x"}]}, ":s": {"SS": ["y"]}}
        for _ in range(3):
            ddb.update_item(
                TableName="shared", Key={"k": {"S": "a"}}, UpdateExpression=text, ExpressionAttributeValues=values
            )
        item = ddb.get_item(TableName="shared", Key={"k": {"S": "a"}})["Item"]
    assert item["a"] == {"N": "6"} and item["l"] == {"L": [{"S": "x"}, {"S": "x"}]}
    assert repr(tree) == before and UpdateExpressionParser.make(text) is tree


def test_the_engine_copies_state_data_as_json_equal_to_deepcopy_and_unshared() -> None:
    import copy
    import datetime
    from collections import OrderedDict

    moto_speedups.apply()
    for name in moto_speedups.ENGINE_COPIERS:
        assert importlib.import_module(name).copy.deepcopy is moto_speedups.json_copy, name
    when = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    data: dict[Any, Any] = {
        "detail": {"commentId": "c1", "scores": {"Positive": 0.9, "Mixed": 0}, "ok": True, "none": None},
        "list": [1, 2.5, "x", [False, {"deep": ["y"]}]],
        "tuple": (1, [2]),
        "ordered": OrderedDict(a=[1]),
        "when": when,
        7: "an int key",
    }
    copied = moto_speedups.json_copy(data)
    assert copied == copy.deepcopy(data)
    assert type(copied["ordered"]) is OrderedDict and copied["tuple"] == (1, [2])
    for path in (("detail",), ("detail", "scores"), ("list",), ("list", 3), ("list", 3, 1, "deep"), ("ordered",)):
        mine: Any = copied
        theirs: Any = data
        for step in path:
            mine, theirs = mine[step], theirs[step]
        assert mine is not theirs, path  # every container is a new one: changing the copy leaves the data alone
    copied["list"][3][1]["deep"].append("z")
    assert data["list"][3][1]["deep"] == ["y"]
    assert moto_speedups.json_copy("text") == "text" and moto_speedups.json_copy(None) is None
    memo: dict[int, Any] = {}
    assert moto_speedups.json_copy(data, memo) == data and memo  # with a memo: deepcopy's own way


def test_an_action_is_a_function_of_its_response_class_as_moto_lists_them() -> None:
    moto_speedups.apply()
    from botocore.session import get_session
    from moto.core import responses
    from moto.core.utils import camelcase_to_underscores

    listed = responses.method_names_from_class.original  # type: ignore[attr-defined]
    classes = {
        "dynamodb": "moto.dynamodb.responses.DynamoHandler",
        "s3": "moto.s3.responses.S3Response",
        "sqs": "moto.sqs.responses.SQSResponse",
        "sns": "moto.sns.responses.SNSResponse",
        "events": "moto.events.responses.EventsHandler",
        "stepfunctions": "moto.stepfunctions.responses.StepFunctionResponse",
        "cognito-idp": "moto.cognitoidp.responses.CognitoIdpResponse",
    }
    session = get_session()
    asked = 0
    for service, path in classes.items():
        module, _, name = path.rpartition(".")
        clazz = getattr(importlib.import_module(module), name)
        names = set(listed(clazz))
        operations = {camelcase_to_underscores(o) for o in session.get_service_model(service).operation_names}
        others = {"", "mro", "__init__", "__class__", "dispatch", "call_action", "setup_class", "not_an_action", "uri"}
        for action in operations | set(dir(clazz)) | others:
            assert (action in responses.method_names_from_class(clazz)) == (action in names), (service, action)
            asked += 1
        assert sorted(responses.method_names_from_class(clazz)) == sorted(names)
    assert asked > 1000


def test_asking_for_an_action_lists_no_members(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_speedups.apply()
    import inspect

    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler

    def listed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("inspect.getmembers called")

    monkeypatch.setattr(inspect, "getmembers", listed)
    assert "get_item" in responses.method_names_from_class(DynamoHandler)
    assert "no_such_action" not in responses.method_names_from_class(DynamoHandler)


def test_reserved_keywords_are_the_same_list_answering_from_a_set() -> None:
    moto_speedups.apply()
    from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

    keywords = ReservedKeywords.get_reserved_keywords()
    read = ReservedKeywords._get_reserved_keywords()  # moto's own reading of its file
    assert keywords == read and isinstance(keywords, list) and len(keywords) > 500
    assert type(keywords).__contains__ is not list.__contains__  # no scan of the list per name
    for name in [*read, "NAME", "name", "Status", "designId", "", "COMMENT_COUNT", "VALUE", None, 5]:
        assert (name in keywords) == (name in read), name


def test_a_url_no_moto_service_answers_is_let_through_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_speedups.apply()
    from botocore.awsrequest import AWSPreparedRequest
    from moto.core import botocore_stubber

    def request(url: str) -> AWSPreparedRequest:
        return AWSPreparedRequest(method="POST", url=url, headers={}, body=b"", stream_output=False)

    stubber = botocore_stubber.BotocoreStubber()
    original = botocore_stubber.BotocoreStubber.process_request.original  # type: ignore[attr-defined]
    urls = [
        "http://127.0.0.1:4566/",
        "http://127.0.0.1:4566/salon-uploads/uploads/a b.jpg?versionId=1",
        "http://localhost:9000/2015-03-31/functions/f/invocations",
        "https://example.com/x.amazonaws.com/",  # a pattern's `.*` reaches into the path: moto answers 404
    ]
    for url in urls:
        assert stubber.process_request(request(url)) == original(stubber, request(url))
    assert stubber.process_request(request(urls[3])) == (404, {}, "Not yet implemented")

    class Unread:
        def __iter__(self) -> Any:
            raise AssertionError("the patterns were read again")

    monkeypatch.setattr(botocore_stubber.backend_index, "backend_url_patterns", Unread())
    for url in urls[:3]:
        assert stubber.process_request(request(url)) is None  # remembered: no pattern read
    assert stubber.process_request(request("http://127.0.0.1:4566/?Action=Other")) is None  # the query left out


def test_a_hosts_backend_is_the_one_moto_finds() -> None:
    moto_speedups.apply()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    original = DomainDispatcherApplication.get_backend_for_host.original  # type: ignore[attr-defined]
    hosts: list[str | None] = [f"{m}.us-east-1.amazonaws.com" for m in backends.list_of_moto_modules()]
    hosts += ["moto_api", "s3.amazonaws.com", "b.s3.amazonaws.com", "dynamodb", "sqs", "example.com"]
    hosts.append(None)
    hosts += ["dynamodb.eu-west-1.amazonaws.com", "sts.amazonaws.com", "iam.amazonaws.com", "nothing.amazonaws.com"]
    for host in hosts * 2:
        assert app.get_backend_for_host(host) == original(app, host), host


def test_a_hosts_backend_is_found_once(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_speedups.apply()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    assert app.get_backend_for_host("dynamodb.us-east-1.amazonaws.com") == "dynamodb"

    def unlisted() -> Any:
        raise AssertionError("the module list was scanned again")

    monkeypatch.setattr(backends, "list_of_moto_modules", unlisted)
    assert app.get_backend_for_host("dynamodb.us-east-1.amazonaws.com") == "dynamodb"
