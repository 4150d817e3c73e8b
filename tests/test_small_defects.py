"""Issue 17 part 6's smaller defects: a sender name that could write headers, and a 429 whose
body and `Retry-After` disagreed."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.api_support import API


@pytest.mark.parametrize("name", ["Dana\r\nBcc: all@victim.example", "Dana\nX", "Dana\rX"])
def test_a_sender_name_with_a_line_break_is_refused_at_creation(acme, name):
    answer = acme.post(f"{API}/mailboxes", {"from_email": "dana@acme.example", "from_name": name})
    assert answer.status_code == 422
    assert answer.json["error"]["fields"] == {"body.from_name": "must be one line (no line breaks)"}
    assert acme.get(f"{API}/mailboxes").json["items"] == []


@pytest.mark.parametrize(("rate", "burst", "seconds"), [(10.0, 1.0, 1), (0.4, 1.0, 3)])
def test_a_429_says_the_same_whole_seconds_as_retry_after(app, acme, rate, burst, seconds):
    app.extensions["sequences"].api_rate = rate
    app.extensions["sequences"].api_burst = burst
    path = f"{API}/enrollments/{uuid.uuid4()}/status"
    assert acme.put(path, {"action": "pause"}).status_code == 404  # the one token
    limited = acme.put(path, {"action": "pause"})
    assert limited.status_code == 429
    said = re.fullmatch(r"Too many requests; retry in (\d+) s", limited.json["error"]["message"])
    assert said is not None, limited.json["error"]["message"]
    assert int(said.group(1)) == int(limited.headers["Retry-After"]) == seconds
