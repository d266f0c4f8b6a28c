"""The embedded stack's search-engine option: DuckDB by default, osmem-server through opensearch-py on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from salon.cli import build_parser, main
from salon.local.config import Endpoints, StackConfig


def endpoints(**extra: str) -> Endpoints:
    urls = dict.fromkeys(("moto", "lambda_", "ai", "api"), "http://127.0.0.1:1")
    arns = dict.fromkeys(("image_state_machine_arn", "comment_state_machine_arn"), "arn:aws:states:x")
    return Endpoints(**urls, **arns, region="us-east-1", user_pool_id="p", user_pool_client_id="c", mailbox="m",
                     pid=1, **extra)  # fmt: skip


def test_duckdb_is_the_default_and_opensearch_is_chosen_by_name(tmp_path):
    assert StackConfig(home=tmp_path).search == "duckdb"
    assert StackConfig.from_env({"SALON_HOME": str(tmp_path), "SALON_SEARCH": "opensearch"}).search == "opensearch"
    with pytest.raises(ValueError, match="unknown search engine 'elastic': expected one of duckdb, opensearch"):
        StackConfig.from_env({"SALON_SEARCH": "elastic"})


def test_up_and_demo_take_the_option_and_refuse_other_engines(capsys):
    assert build_parser().parse_args(["up", "--search", "opensearch"]).search == "opensearch"
    assert build_parser().parse_args(["demo", "--search", "duckdb"]).search == "duckdb"
    assert build_parser().parse_args(["up"]).search is None  # then SALON_SEARCH, then duckdb
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--search", "sqlite"])
    assert "invalid choice: 'sqlite'" in capsys.readouterr().err


def test_a_bad_engine_in_the_environment_is_a_clear_error(monkeypatch, tmp_path: Path, capsys):
    monkeypatch.setenv("SALON_SEARCH", "solr")
    assert main(["--home", str(tmp_path), "env"]) == 2
    assert "unknown search engine 'solr'" in capsys.readouterr().out


def test_the_server_is_exported_only_when_the_stack_runs_one():
    assert "SALON_OPENSEARCH_URL" not in endpoints().exports()
    exports = endpoints(opensearch="http://127.0.0.1:9251").exports()
    assert exports["SALON_OPENSEARCH_URL"] == "http://127.0.0.1:9251"
