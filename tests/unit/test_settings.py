from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_each_task_has_its_model_and_every_default_is_one_the_readme_names():
    settings = load_settings({"DATABASE_URL": "postgresql:///x"})
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for model_id in (settings.bedrock_model_id, settings.bedrock_routing_model_id, settings.bedrock_image_model_id):
        # The README's "Models" table cites the page that lists each default as Active.
        assert f"`{model_id}`" in readme, model_id
    assert settings.bedrock_image_region is None  # the function's own region unless told


@pytest.mark.parametrize(
    ("model_id", "image_format"),
    [
        ("stability.stable-image-core-v1:1", "stability"),
        ("stability.stable-image-ultra-v1:1", "stability"),
        ("stability.sd3-5-large-v1:0", "stability"),
        ("amazon.nova-canvas-v1:0", "nova-canvas"),
    ],
)
def test_the_image_model_picks_its_request_format(model_id, image_format):
    settings = load_settings({"DATABASE_URL": "postgresql:///x", "BEDROCK_IMAGE_MODEL_ID": model_id})
    assert settings.image_format == image_format


def test_an_image_model_without_a_request_format_is_refused_at_start():
    with pytest.raises(SettingsError, match=r"BEDROCK_IMAGE_MODEL_ID.*no request format"):
        load_settings(
            {"DATABASE_URL": "postgresql:///x", "BEDROCK_IMAGE_MODEL_ID": "amazon.titan-image-generator-v2:0"}
        )


@pytest.mark.parametrize("seconds", ["59", "604801"])
def test_image_url_expiry_outside_a_minute_to_sigv4s_week_is_refused(seconds):
    # SigV4 presigned URLs live at most 604800 s (S3 API reference, sigv4-query-string-auth).
    with pytest.raises(SettingsError, match="IMAGE_URL_EXPIRY_S"):
        load_settings({"DATABASE_URL": "postgresql:///x", "IMAGE_URL_EXPIRY_S": seconds})


def test_the_job_queue_settings_old_names_still_work_for_one_release_and_say_so(caplog):
    """REPORT_QUEUE_URL / REPORT_MAX_RECEIVES carried every job: renamed JOB_*, the old names read
    with a warning when the new ones are unset."""
    with caplog.at_level("WARNING"):
        old = load_settings(
            {"DATABASE_URL": "postgresql:///x", "REPORT_QUEUE_URL": "https://q/old", "REPORT_MAX_RECEIVES": "7"}
        )
    assert (old.job_queue_url, old.job_max_receives) == ("https://q/old", 7)
    assert caplog.messages == [
        "REPORT_QUEUE_URL is deprecated and will be removed in the next release; set JOB_QUEUE_URL instead",
        "REPORT_MAX_RECEIVES is deprecated and will be removed in the next release; set JOB_MAX_RECEIVES instead",
    ]
    caplog.clear()
    new = load_settings(
        {"DATABASE_URL": "postgresql:///x", "JOB_QUEUE_URL": "https://q/new", "REPORT_QUEUE_URL": "https://q/old"}
    )
    assert new.job_queue_url == "https://q/new"
    assert caplog.messages == []


@pytest.mark.parametrize("entry_point", ["handler.app", "handler.backfill"])
def test_a_bad_setting_stops_the_entry_point_at_init_and_names_the_setting(entry_point):
    """Each entry point builds its services at import: a container with a bad setting fails at start."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_"))},
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "DATABASE_URL": "postgresql://placeholder.invalid/none",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DEFAULT_TIMEZONE": "Mars/Olympus_Mons",
    }
    run = subprocess.run([sys.executable, "-c", f"import {entry_point}"], env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert "SettingsError" in run.stderr and "DEFAULT_TIMEZONE" in run.stderr
