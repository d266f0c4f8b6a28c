"""moto's repeated work done once: one parse per state machine definition, shared safely; one module list."""

from __future__ import annotations

from moto import backends
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from salon.local import moto_speedups
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
