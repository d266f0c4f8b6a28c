"""The bad-image corpus at the inspection domain: each refused with its one right reason, or accepted."""

from __future__ import annotations

import pytest

from functions.domain.inspection import inspect_image
from tests.bad_images import ACCEPTED, BAD, Case


def test_the_corpus_is_big_and_named_once():
    assert len(BAD) >= 40
    assert len({c.name for c in BAD + ACCEPTED}) == len(BAD + ACCEPTED)


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.name)
def test_bad_image_is_refused_for_its_reason(case: Case):
    result = inspect_image(case.make(), case.declared, size=case.size)
    assert not result.valid
    assert case.reason is not None and case.reason in result.reasons[0], result.reasons


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_odd_but_acceptable_image_passes(case: Case):
    result = inspect_image(case.make(), case.declared, size=case.size)
    assert result.valid, result.reasons
    assert result.format in {"JPEG", "PNG"} and min(result.width, result.height) >= 64
