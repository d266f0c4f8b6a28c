"""The wiring (functions/wiring.py) is complete and consistent on its own: no CDK, no stack."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from functions import config, names, wiring
from functions.domain.executions import COMMENT_ID, OBJECT_VERSION
from functions.handlers import api
from salon.local.lambda_endpoint import FunctionRegistry
from salon.local.provision import LocalValues
from tests.conftest import REPO_ROOT
from workflows import asl


def test_every_workflow_names_exactly_the_placeholders_of_its_file() -> None:
    files = {p.name.removesuffix(".asl.json") for p in asl.WORKFLOWS_DIR.glob("*.asl.json")}
    assert {w.key for w in wiring.WORKFLOWS} == files
    for workflow in wiring.WORKFLOWS:
        text = asl.definition_path(workflow.key).read_text(encoding="utf-8")
        assert set(workflow.placeholders) == asl.placeholders(text), workflow.key


def test_every_route_has_its_view_and_every_view_a_route() -> None:
    assert {r.view for r in wiring.routes_of(names.FN_HTTP_API)} == set(api.VIEWS)
    keys = [r.key for r in wiring.ROUTES]
    assert len(keys) == len(set(keys))
    for route in wiring.ROUTES:
        assert route.access in (wiring.PUBLIC, wiring.SIGNED_IN, *names.GROUPS), route.key
        assert route.function in {fn.name for fn in wiring.FUNCTIONS}


def test_every_function_has_a_handler_and_a_settings_model() -> None:
    for fn in wiring.FUNCTIONS:
        module, attribute = fn.handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attribute)), fn.name
        assert dataclasses.is_dataclass(fn.settings) and fn.settings.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert config.fields_of(fn.settings), fn.name


def test_triggers_route_events_to_their_workflow_schema_and_naming() -> None:
    upload = {"source": "aws.s3", "detail-type": "Object Created", "detail": {}}
    comment = {"source": names.EVENT_SOURCE, "detail-type": names.EVENT_COMMENT_SUBMITTED, "detail": {}}
    assert (wiring.trigger_for(upload).workflow, wiring.trigger_for(upload).naming) == (  # type: ignore[union-attr]
        "image_moderation",
        OBJECT_VERSION,
    )
    assert wiring.trigger_for(comment).naming == COMMENT_ID  # type: ignore[union-attr]
    assert wiring.trigger_for({**comment, "source": "someone.else"}) is None
    assert wiring.trigger_for("not an event") is None
    for trigger in wiring.TRIGGERS:
        assert (REPO_ROOT / "schemas" / f"{trigger.schema}.schema.json").is_file()
        wiring.workflow(trigger.workflow)


def test_schedules_invoke_a_wired_function_with_a_valid_payload() -> None:
    from functions.schemas import validate

    assert [s.function for s in wiring.SCHEDULES] == [names.FN_RECONCILE]
    for schedule in wiring.SCHEDULES:
        wiring.function(schedule.function)
        assert validate(dict(schedule.payload), schedule.schema) == {"repair": True}
        assert schedule.every_minutes > 0


def test_emitted_events_include_what_the_workflows_put() -> None:
    emitted = {(e.source, e.detail_type) for e in wiring.EVENTS}
    for workflow in wiring.WORKFLOWS:
        text = asl.definition_path(workflow.key).read_text(encoding="utf-8")
        for detail_type in ("PhotoPublished", "PhotoRejected", "PhotoQuarantined", "CommentAnalyzed"):
            if f'"DetailType": "{detail_type}"' in text:
                assert (names.EVENT_SOURCE, detail_type) in emitted


def test_the_embedded_stack_resolves_every_resource_the_wiring_names() -> None:
    values = LocalValues(
        FunctionRegistry(),
        "arn:aws:sns:us-east-1:123456789012:t",
        {w.state_machine: f"arn:sm:{w.state_machine}" for w in wiring.WORKFLOWS},
        "/tmp/index.duckdb",
        "http://127.0.0.1:1",
        "http://127.0.0.1:2/event",
    )
    for resource in wiring.resources_used():
        if resource.kind != "runtime":
            assert values(resource), resource


def test_settings_fail_the_cold_start_naming_what_is_missing() -> None:
    with pytest.raises(config.SettingsError, match="missing COUNTERS_TABLE, COMMENT_POLICY"):
        config.load(config.AssessCommentSettings, {})
    with pytest.raises(config.SettingsError, match=r"MAX_UPLOAD_BYTES='lots' \(expected int\)"):
        config.load(config.InspectUploadSettings, {"MAX_UPLOAD_BYTES": "lots"})
    loaded = config.load(config.InspectUploadSettings, {"MAX_UPLOAD_BYTES": "1024", "UNRELATED": "x"})
    assert loaded == config.InspectUploadSettings(max_upload_bytes=1024)


def test_only_tunables_have_defaults() -> None:
    for fn in wiring.FUNCTIONS:
        for f in dataclasses.fields(fn.settings):
            has_default = f.default is not dataclasses.MISSING
            assert has_default == (f.metadata["source"] is None), (fn.name, f.name)


def test_policy_documents_are_validated_compact_json() -> None:
    text = config.policy_document("comment_policy")
    assert " " not in text.split('"')[0] and config.comment_policy(text).burst_threshold > 0
    assert config.moderation_policy(config.policy_document("moderation_policy")).allowed
