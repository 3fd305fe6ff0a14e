"""Schemathesis hooks for the contract fuzz (test/app/schemathesis.test.ts).

The fuzzer acts as one user at a time. Two operations end that user's token on purpose:
POST /v1/me/token (rotation: the response holds the new token) and DELETE /v1/me
(erasure). Without following them, every request after the first success would be a
401 and the rest of the API would go untested; so the current token is held here, and
replaced whenever one of them succeeds.
"""
import json
import os
import urllib.request

import schemathesis

BASE_URL = os.environ["BULWARK_BASE_URL"]
_state = {"token": None, "users": 0}


def _register() -> str:
    _state["users"] += 1
    email = f"fuzz.{os.getpid()}.{_state['users']}@example.com"
    request = urllib.request.Request(
        f"{BASE_URL}/v1/users",
        data=json.dumps({"email": email}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


@schemathesis.auth(refresh_interval=None)
class CurrentUser:
    def get(self, case, context):
        if _state["token"] is None:
            _state["token"] = _register()
        return _state["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(context, case, response):
    if not 200 <= response.status_code < 300:
        return
    if case.method.upper() == "POST" and case.path == "/v1/me/token":
        _state["token"] = response.json()["token"]
    elif case.method.upper() == "DELETE" and case.path == "/v1/me":
        _state["token"] = None
