"""Local users' passwords: random, kept in the stack's home for its owner only; tokens signed per start."""

from __future__ import annotations

import json
import stat
import threading

import pytest

from salon.local import moto_quirks
from salon.local.passwords import LocalPasswords


def test_passwords_are_random_and_kept_readable_by_the_owner_only(tmp_path):
    store = LocalPasswords(tmp_path / "users.json")
    first = store.new("owner")
    assert store.get("owner") == first and store.get("OWNER") == first
    assert "owner" not in first.lower() and len(first) >= 20
    assert LocalPasswords(tmp_path / "users.json").new("owner") != first  # a new user gets a new one
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600
    assert store.get("nobody") is None


def test_a_wider_file_is_narrowed_and_other_entries_survive(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"dana": "kept"}), encoding="utf-8")
    path.chmod(0o644)
    LocalPasswords(path).new("carl")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert LocalPasswords(path).get("dana") == "kept"


def test_concurrent_sign_ups_lose_nothing(tmp_path):
    store = LocalPasswords(tmp_path / "users.json")
    made: dict[str, str] = {}
    threads = [threading.Thread(target=lambda n=n: made.update({n: store.new(n)})) for n in map(str, range(20))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {n: store.get(n) for n in made} == made


@pytest.fixture
def restored_signing_key():
    from moto.cognitoidp import responses

    saved = (moto_quirks._signing_key, responses.CognitoIdpJsonWebKeyResponse.json_web_key)
    yield
    moto_quirks._signing_key, responses.CognitoIdpJsonWebKeyResponse.json_web_key = saved


def test_each_start_signs_with_a_key_of_its_own(restored_signing_key):
    from moto.cognitoidp import responses

    served = []
    for _ in range(2):
        moto_quirks.use_own_signing_key()
        served.append(json.loads(responses.CognitoIdpJsonWebKeyResponse.json_web_key)["keys"][0])
    assert served[0]["n"] != served[1]["n"]
    assert served[1]["n"] == moto_quirks._signing_key.as_dict(private=False)["n"]
