"""Corpus providers the detection rules have not been tuned on yet.

Their bodies were written from the providers' documentation after the rules were last tuned
(issue 12: an honest leave-one-provider-out figure needs providers nobody tuned on), so the
general-rule tests in test_detection.py may fail for them: they are expected failures, not
strict ones, and pass unmarked once the rules read them. `python bench/detection.py` scores
them either way. Whoever tunes the rules on a provider removes it from this set.
"""

from __future__ import annotations

import pytest

UNTUNED = frozenset(
    {
        "huawei-cloud",
        "unifonic",
        "ycloud",
        "green-api",
        "toplusmsapi",
        "prelude",
        "nifteem",
        "z-api",
        "zenvio",
        "salesforce-mc",
        "signalwire",
        "webex-interact",
        "unimsg",
        "d7networks",
        "sendmode",
        "smsglobal",
        "hollatags",
        "geniq",
        "bics",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (
            item.module.__name__.endswith("test_detection")
            and callspec is not None
            and callspec.params.get("provider") in UNTUNED
        ):
            item.add_marker(pytest.mark.xfail(reason="rules not tuned on this provider yet"))
