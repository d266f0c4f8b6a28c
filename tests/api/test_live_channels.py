"""The designers namespace's onSubscribe rule: the AppSync JS handler (run by Node with a ctx/util shim) and
the embedded stack's Python check answer the same table of cases."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from functions.domain import live

REPO = Path(__file__).resolve().parents[2]
HANDLER = REPO / "infra" / "appsync" / "designers_on_subscribe.js"

# (channel, identity as AppSync hands it to handlers (None for an API key), allowed)
CASES = [
    ("/designers/sub-a", {"sub": "sub-a", "groups": ["designer"]}, True),
    ("/designers/sub-a", {"sub": "sub-a", "groups": []}, True),
    ("/designers/sub-b", {"sub": "sub-a", "groups": ["designer"]}, False),
    ("/designers/sub-b", {"sub": "sub-o", "groups": ["owner"]}, True),
    ("/designers/*", {"sub": "sub-a", "groups": ["designer"]}, False),
    ("/designers/*", {"sub": "sub-o", "groups": ["designer", "owner"]}, True),
    ("/designers/sub-a/extra", {"sub": "sub-a", "groups": ["designer"]}, False),
    ("/designers/sub-a", None, False),
    ("/designers/sub-a", {"sub": "", "groups": ["customer"]}, False),
    ("/designers/owner", {"sub": "sub-c", "groups": ["customer"]}, False),
    ("/designers/sub-a", {"sub": "sub-a-longer", "groups": []}, False),
]

SHIM = """
import { onSubscribe } from './handler.mjs';
const cases = JSON.parse(process.argv[2]);
const out = cases.map(([path, identity]) => {
  const ctx = { identity, info: { channel: { path, segments: path.slice(1).split('/') },
                                  channelNamespace: { name: 'designers' }, operation: 'SUBSCRIBE' } };
  try { onSubscribe(ctx); return true; } catch (e) { if (e && e.unauthorized) return false; throw e; }
});
console.log(JSON.stringify(out));
"""
UTIL = (
    "export const util = { unauthorized() { const e = new Error('Unauthorized'); e.unauthorized = true; throw e; } };\n"
)


def test_python_check_answers_the_table() -> None:
    got = [live.designer_channel_allowed(live.segments(path, wildcard=True), identity) for path, identity, _ in CASES]
    assert got == [allowed for *_, allowed in CASES]


def test_appsync_js_handler_answers_the_same_table(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the AppSync handler (scripts/bootstrap.sh's npm step needs it too)")
    utils = tmp_path / "node_modules" / "@aws-appsync" / "utils"
    utils.mkdir(parents=True)
    (utils / "package.json").write_text(
        json.dumps({"name": "@aws-appsync/utils", "type": "module", "main": "index.js"})
    )
    (utils / "index.js").write_text(UTIL)
    shutil.copy(HANDLER, tmp_path / "handler.mjs")
    (tmp_path / "run.mjs").write_text(SHIM)
    cases = json.dumps([[path, identity] for path, identity, _ in CASES])
    done = subprocess.run(
        [node, "run.mjs", cases], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=True
    )
    assert json.loads(done.stdout) == [allowed for *_, allowed in CASES]
