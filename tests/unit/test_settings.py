from __future__ import annotations

import pytest

from handler.settings import SettingsError, load_settings


def test_missing_database_settings_name_the_variables():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings({})


def test_malformed_values_are_named_without_echoing_them():
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATABASE_URL": "postgresql://u:hunter2@h/db", "MODEL_PROVIDER": "openai", "DB_PORT": "x"})
    message = str(caught.value)
    assert "MODEL_PROVIDER" in message and "DB_PORT" in message
    assert "hunter2" not in message


def test_unknown_timezone_is_refused():
    with pytest.raises(SettingsError, match="DEFAULT_TIMEZONE"):
        load_settings({"DATABASE_URL": "postgresql:///x", "DEFAULT_TIMEZONE": "Mars/Olympus"})


def test_aws_database_settings_and_model_id_kept_exactly():
    settings = load_settings(
        {
            "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:rds!db-1",
            "DB_HOST": "proxy.example",
            "BEDROCK_MODEL_ID": "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        }
    )
    assert settings.bedrock_model_id == "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert settings.model_provider == "offline"
    assert settings.allow_user_id_header is False
