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


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not-a-url", "DATABASE_URL: not a PostgreSQL connection URL"),
        ("mysql://u@h/db", "DATABASE_URL: expected a postgresql:// URL, got a mysql:// one"),
    ],
)
def test_a_malformed_database_url_is_named_in_one_line(value: str, says: str):
    with pytest.raises(ConfigError, match=says):
        Config.from_env({"DATABASE_URL": value})


def test_an_api_token_as_short_as_x_is_refused():
    with pytest.raises(ConfigError, match="RECEIPTS_API_TOKEN: must be at least 16 characters"):
        Config.from_env({"RECEIPTS_API_TOKEN": "x"})


def test_cli_says_one_line_naming_database_url_when_it_is_unreachable():
    from click.testing import CliRunner

    from receipts.cli import main

    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("receipts: cannot reach the database (DATABASE_URL): ")
    assert len(result.output.strip().splitlines()) == 1


def test_cli_has_version_and_short_help():
    from click.testing import CliRunner

    from receipts.cli import main

    assert CliRunner().invoke(main, ["--version"]).output.startswith("receipts ")
    assert (
        "report summary [OPTIONS]" in CliRunner().invoke(main, ["report", "summary", "-h"]).output
    )
