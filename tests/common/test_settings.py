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


EVENTS_ENV = {"REGISTRY_TABLE_NAME": "registry", "GRANTS_TABLE_NAME": "grants", "ALEXA_CLIENT_SECRET_ID": "s"}
URL_VARIABLES = ["LWA_TOKEN_URL", "ALEXA_EVENT_GATEWAY_URL"]


@pytest.mark.parametrize("variable", URL_VARIABLES)
@pytest.mark.parametrize(
    "url",
    [
        "https://api.amazon.com/auth/o2/token",
        "https://api.eu.amazonalexa.com/v3/events",
        "http://127.0.0.1:8080/auth/o2/token",  # tests and the local cloud, on loopback
        "https://127.0.0.1:8443/v3/events",
        "http://localhost:9/v3/events",
        "http://[::1]:9/v3/events",
    ],
)
def test_an_outbound_url_is_https_or_loopback(variable: str, url: str) -> None:
    from functions.alexa_events.settings import EventsSettings

    settings = EventsSettings.load({**EVENTS_ENV, variable: url})
    assert url in (settings.lwa_token_url, settings.gateway_url)


@pytest.mark.parametrize("variable", URL_VARIABLES)
@pytest.mark.parametrize(
    "url",
    [
        "http://api.amazon.com/auth/o2/token",  # a token or the client secret in clear
        "https://user:pass@api.amazon.com/auth/o2/token",  # userinfo
        "https://api.amazon.com@evil.example/auth/o2/token",
        "https://169.254.169.254/latest/meta-data/",  # instance metadata
        "https://169.254.170.2/v2/credentials",  # container credentials
        "https://[fd00:ec2::254]/latest/meta-data/",  # instance metadata over IPv6
        "https://[fe80::1]/v3/events",  # link-local
        "https://[::ffff:169.254.169.254]/",
        "https://2852039166/",  # 169.254.169.254 as one number
        "https://0xa9.0xfe.0xa9.0xfe/",
        "https://metadata.google.internal/",
        "file:///etc/passwd",
        "https:///v3/events",
        "https://api.amazon.com/v3/events\n",
        "https://api.amazon.com/v3/ events",
        "https://api.amazon.com:99999/v3/events",
    ],
)
def test_a_bad_outbound_url_fails_at_start_naming_its_variable(variable: str, url: str) -> None:
    from functions.alexa_events.settings import EventsSettings

    with pytest.raises(ConfigurationError, match=variable):
        EventsSettings.load({**EVENTS_ENV, variable: url})
