"""Choosing a model tier: weights named by an environment variable, else the installed default, else a fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from salon.ai.onnx_util import model_dir_from_env

log = logging.getLogger(__name__)


def choose(env_var: str, load_better: Callable[[Path], Any], load_default: Callable[[], Any]) -> Any:
    """The better tier when ``env_var`` names a usable model directory; otherwise the default tier.

    A directory that is set but unusable is logged and noted in the default tier's description.
    """
    model_dir = model_dir_from_env(env_var)
    if model_dir is None:
        return load_default()
    try:
        return load_better(model_dir)
    except Exception as exc:
        log.warning("%s=%s is not usable (%s); using the default tier", env_var, model_dir, exc)
        model = load_default()
        model.tier = f"{model.tier} [{env_var} unusable: {type(exc).__name__}: {exc}]"
        return model


def first_available(load: Callable[[], Any], load_fallback: Callable[[], Any], what: str) -> Any:
    """``load()``, or the fallback when it fails (a missing package or model file).

    The failure is logged and noted in the fallback's description (its ``tier`` attribute).
    """
    try:
        return load()
    except Exception as exc:
        log.warning("%s unavailable (%s); using the fallback tier", what, exc)
        model = load_fallback()
        model.tier = f"{model.tier} [{what} unavailable: {type(exc).__name__}: {exc}]"
        return model
