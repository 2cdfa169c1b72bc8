"""A fence around strawberry's internals: every method of strawberry that Chronicle replaces.

Chronicle's /graphql view (:mod:`api.view`) and its WebSocket adapter and
protocol handlers (:mod:`api.subscriptions.protocols`, the only module that
overrides strawberry's WebSocket handlers, private ``_send_result_stream``
included) replace some of strawberry's methods, mostly calling the original
around a check. They were written against strawberry-graphql 0.341 (pinned in
pyproject.toml). When an upgrade changes one of the replaced methods, these
tests fail and name it: read the upstream change, adapt the override, then
record the new hash printed in the failure.
"""

from __future__ import annotations

import hashlib
import inspect

import pytest

from api.subscriptions.protocols import ChronicleWebSocketAdapter, LegacyWSHandler, TransportWSHandler
from api.view import ChronicleGraphQL

OURS = (ChronicleGraphQL, ChronicleWebSocketAdapter, TransportWSHandler, LegacyWSHandler)

REPLACED = {
    "ChronicleGraphQL.__init__": "fbc87a2e1899a13b",
    "ChronicleGraphQL.__call__": "061f027d2fb949bb",
    "ChronicleGraphQL.encode_json": "cada564cfd9f0b4f",
    "ChronicleGraphQL.parse_json": "3d0c366b7f10887a",
    "ChronicleGraphQL.get_context": "62b833408e9b507a",
    "ChronicleGraphQL.on_ws_connect": "29aef558d00bd27b",
    "ChronicleGraphQL.execute_single": "bc864c615b4dc12d",
    "ChronicleGraphQL.get_sub_response": "dce070c34227fdbc",
    "ChronicleGraphQL.process_result": "e51c08852da07fca",
    "ChronicleGraphQL.create_response": "c3e2be21da60675b",
    "ChronicleGraphQL.render_graphql_ide": "417bb9771be9540d",
    "ChronicleWebSocketAdapter.iter_json": "eccc1390e8d7876f",
    "ChronicleWebSocketAdapter.send_json": "547ae428486d4b1d",
    "ChronicleWebSocketAdapter.close": "53fd79275b9ac4de",
    "TransportWSHandler.handle": "38622a72d445f675",
    "TransportWSHandler.handle_connection_init": "27f175a0bd3456f9",
    "TransportWSHandler.handle_message": "998710aa524ae6fe",
    "TransportWSHandler.handle_subscribe": "d69e5dbce9e38a16",
    "TransportWSHandler.run_operation": "e760cd71eb37905f",
    "TransportWSHandler.handle_task_exception": "4fd13a735e524568",
    "TransportWSHandler._send_result_stream": "1451d755ddc72976",
    "LegacyWSHandler.handle": "a00409fe098951c7",
    "LegacyWSHandler.handle_connection_init": "acf753f522e8f4a9",
    "LegacyWSHandler.handle_message": "edb51594ede3579a",
    "LegacyWSHandler.handle_start": "d71c5ea1d37aa208",
    "LegacyWSHandler.handle_async_results": "4b77d43358f9a042",
}
"""``Class.method`` -> first 16 hex digits of the SHA-256 of the strawberry source it replaces."""


def _replaced() -> dict[str, str]:
    """Every strawberry method our classes override -> the hash of its current source."""
    found = {}
    for cls in OURS:
        for name, member in vars(cls).items():
            if not inspect.isfunction(member):
                continue
            base = next((b for b in cls.__mro__[1:] if name in vars(b)), None)
            if base is not None and base.__module__.startswith("strawberry"):
                source = inspect.getsource(vars(base)[name])
                found[f"{cls.__name__}.{name}"] = hashlib.sha256(source.encode()).hexdigest()[:16]
    return found


def test_every_override_of_strawberry_is_fenced() -> None:
    assert sorted(_replaced()) == sorted(REPLACED), "record new overrides in REPLACED (and drop removed ones)"


@pytest.mark.parametrize("method", sorted(REPLACED))
def test_strawberry_did_not_change_what_we_replace(method: str) -> None:
    current = _replaced().get(method)

    assert current == REPLACED[method], (
        f"strawberry changed the method {method} overrides (hash now {current}): read the upstream change, "
        "adapt the override, then record the new hash")
