"""The AI endpoint's test hook answers while the offline models are still loading in the background."""

from __future__ import annotations

import threading

from salon.local.ai_endpoint import AiService


def test_scripting_does_not_wait_for_the_models_to_load():
    service = AiService(lambda: None)
    loading = service._models_lock  # held for the whole load, as the start-up warm-up holds it
    scripted = threading.Event()
    with loading:
        worker = threading.Thread(
            target=lambda: (service.script("DetectLabels", [{"result": {"Labels": []}}]), scripted.set())
        )
        worker.start()
        assert scripted.wait(timeout=5), "POST /_salon/script waited for the model load"
        result = service.call("RekognitionService.DetectLabels", {"Image": {"S3Object": {"Name": "k"}}})
    worker.join()
    assert result == {"Labels": []}
