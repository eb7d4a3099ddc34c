"""Configuration is validated once, and a bad value names its variable."""

from __future__ import annotations

import pytest

from functions.common.settings import ConfigurationError, FunctionSettings


def test_defaults_apply_when_only_the_table_is_set() -> None:
    settings = FunctionSettings.load({"REGISTRY_TABLE_NAME": "registry"})
    assert settings.channel_name_prefix == "alexa-cam-"
    assert settings.message_ttl_seconds == 5  # KVS's minimum: an offer outlives no Alexa wait
    assert settings.channel_name("cam-1") == "alexa-cam-cam-1"


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({}, "REGISTRY_TABLE_NAME"),
        ({"REGISTRY_TABLE_NAME": "registry", "MESSAGE_TTL_SECONDS": "121"}, "MESSAGE_TTL_SECONDS"),
        ({"REGISTRY_TABLE_NAME": "registry", "MESSAGE_TTL_SECONDS": "4"}, "MESSAGE_TTL_SECONDS"),
        ({"REGISTRY_TABLE_NAME": "registry", "MESSAGE_TTL_SECONDS": "soon"}, "MESSAGE_TTL_SECONDS"),
        ({"REGISTRY_TABLE_NAME": "registry", "CHANNEL_NAME_PREFIX": "has space"}, "CHANNEL_NAME_PREFIX"),
    ],
)
def test_a_bad_variable_is_named_in_the_error(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        FunctionSettings.load(environ)


def test_unrelated_variables_are_ignored() -> None:
    settings = FunctionSettings.load({"REGISTRY_TABLE_NAME": "registry", "PATH": "/bin"})
    assert settings.registry_table_name == "registry"


@pytest.mark.parametrize(
    ("environ", "line"),
    [
        ({}, "REGISTRY_TABLE_NAME: required"),
        (
            {"REGISTRY_TABLE_NAME": "registry", "MESSAGE_TTL_SECONDS": "soon"},
            "MESSAGE_TTL_SECONDS: Input should be a valid integer, unable to parse string as an integer "
            "(got 'soon')",
        ),
        (
            {"REGISTRY_TABLE_NAME": "registry", "MESSAGE_TTL_SECONDS": "121"},
            "MESSAGE_TTL_SECONDS: Input should be less than or equal to 120 (got '121')",
        ),
    ],
)
def test_a_configuration_error_reads_as_one_line_with_the_value(environ: dict[str, str], line: str) -> None:
    with pytest.raises(ConfigurationError) as failure:
        FunctionSettings.load(environ)
    assert str(failure.value) == f"invalid configuration: {line}"
