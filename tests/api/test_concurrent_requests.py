"""Concurrent API requests from different users each get their own answer, as on AWS, where a Lambda
environment handles one event at a time. Locally all requests share one process, and Powertools' resolver
keeps the request being handled in a class attribute (`BaseRouter.current_event`)."""

from __future__ import annotations

import threading

import requests

from functions import names

DESIGNERS = [f"parallel-{i}" for i in range(6)]
REQUESTS_EACH = 12


def test_concurrent_grants_for_different_designers_each_name_their_own_designer(client):
    tokens = {who: client.token(who, names.GROUP_DESIGNER) for who in DESIGNERS}
    url = f"{client.endpoints.api}/uploads"
    answers: list[tuple[str, int, dict]] = []
    start = threading.Barrier(len(DESIGNERS))

    def ask(who: str) -> None:
        session = requests.Session()
        start.wait()
        for i in range(REQUESTS_EACH):
            kind = ("image/jpeg", "image/png")[i % 2]  # bodies differ too: a mixed-up body shows
            response = session.post(
                url,
                json={"contentType": kind, "title": f"{who} {i}"},
                headers={"Authorization": f"Bearer {tokens[who]}"},
                timeout=30,
            )
            answers.append((who, response.status_code, {**response.json(), "asked": kind}))

    threads = [threading.Thread(target=ask, args=(who,)) for who in DESIGNERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == len(DESIGNERS) * REQUESTS_EACH
    wrong = [
        (who, status, answer)
        for who, status, answer in answers
        if status != 201
        or not answer["key"].startswith(f"uploads/{who}/")
        or answer["fields"].get("Content-Type") != answer["asked"]
    ]
    assert wrong == []
