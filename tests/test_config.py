"""Configuration: a bad value stops the start with one line naming the variable."""

from __future__ import annotations

import pytest

from receipts.config import Config, ConfigError


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RECEIPTS_MAX_BODY", "lots"),
        ("RECEIPTS_MAX_BODY", "0"),
        ("MOENGAGE_FORWARD", "some"),
        ("MOENGAGE_DLR_URL", "api-01.moengage.com/sms/dlr"),
        ("RECEIPTS_LOG_FORMAT", "xml"),
        ("RECEIPTS_WEBHOOK_SECRET", "short"),
    ],
)
def test_bad_value_names_the_variable(name, value):
    with pytest.raises(ConfigError) as caught:
        Config.from_env({name: value})
    assert str(caught.value).startswith(f"{name}:")
    assert "\n" not in str(caught.value)


def test_defaults_follow_the_spec():
    config = Config.from_env({})
    assert config.database_url is None
    assert str(config.data_dir) == ".receipts"
    assert str(config.mappings_dir) == "mappings"
    assert config.moengage_forward == "final"
    assert config.max_body == 1_048_576


def test_several_webhook_secrets_for_rotation():
    config = Config.from_env({"RECEIPTS_WEBHOOK_SECRET": "a" * 16 + ", " + "b" * 16})
    assert config.webhook_secrets == ("a" * 16, "b" * 16)
