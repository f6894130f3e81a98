"""Settings: defaults, file, environment, and one clear line for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import SettingsError, load_settings


def test_defaults_need_nothing_installed(tmp_path: Path) -> None:
    settings = load_settings({"XUNCHA_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{(tmp_path / 'xuncha.sqlite3').resolve()}"
    assert settings.database_admin_url == settings.database_url
    assert settings.nats_url is None
    assert settings.nats_store_dir == tmp_path / "nats"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert not settings.is_postgres


def test_postgres_and_external_nats_from_env(tmp_path: Path) -> None:
    settings = load_settings({
        "XUNCHA_HOME": str(tmp_path),
        "XUNCHA_DATABASE_URL": "postgresql://app@db.internal:5432/xuncha",
        "XUNCHA_DATABASE_ADMIN_URL": "postgresql://owner@db.internal:5432/xuncha",
        "XUNCHA_NATS_URL": "nats://hub-1:4222,nats://hub-2:4222",
        "XUNCHA_PLUGINS": "a.b, c",
    })
    assert settings.is_postgres
    assert settings.nats_url == "nats://hub-1:4222,nats://hub-2:4222"
    assert settings.plugins == ("a.b", "c")


def test_file_then_env_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "xuncha.toml"
    config.write_text('[xuncha]\nport = 9000\nhost = "0.0.0.0"\nlog_level = "debug"\n', "utf-8")
    env = {"XUNCHA_CONFIG": str(config), "XUNCHA_HOME": str(tmp_path), "XUNCHA_HOST": "10.1.1.1"}
    settings = load_settings(env)
    assert (settings.host, settings.port, settings.log_level) == ("10.1.1.1", 9000, "DEBUG")
    assert load_settings(env, port=9100).port == 9100
    assert settings.config_file == config


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"XUNCHA_PORT": "eighty"}, ["XUNCHA_PORT", "整数"]),
        ({"XUNCHA_PORT": "70000"}, ["XUNCHA_PORT", "65535"]),
        ({"XUNCHA_DATABASE_URL": "mysql://x/y"}, ["XUNCHA_DATABASE_URL", "postgresql://"]),
        ({"XUNCHA_NATS_URL": "http://hub"}, ["XUNCHA_NATS_URL", "nats://"]),
        ({"XUNCHA_LOG_LEVEL": "LOUD"}, ["XUNCHA_LOG_LEVEL"]),
        ({"XUNCHA_LOG_FORMAT": "xml"}, ["XUNCHA_LOG_FORMAT", "json"]),
        ({"XUNCHA_METRICS_PORT": "70000"}, ["XUNCHA_METRICS_PORT", "65535"]),
        ({"XUNCHA_METRICS_HOST": "a b"}, ["XUNCHA_METRICS_HOST"]),
        ({"XUNCHA_DATABSE_URL": "sqlite:///x"}, ["XUNCHA_DATABSE_URL", "未知"]),
        ({"XUNCHA_CONFIG": "/nonexistent/xuncha.toml"}, ["XUNCHA_CONFIG", "不存在"]),
        ({"XUNCHA_DATABASE_URL": "postgresql://a@h/db",
          "XUNCHA_DATABASE_ADMIN_URL": "sqlite:///x.db"}, ["XUNCHA_DATABASE_ADMIN_URL"]),
    ],
)
def test_bad_values_fail_with_one_line(env: dict[str, str], names: list[str]) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert "\n" not in message
    for name in names:
        assert name in message


def test_bad_file_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[xuncha]\nport = 0\n", "utf-8")
    with pytest.raises(SettingsError, match="port"):
        load_settings({"XUNCHA_CONFIG": str(config)})
    config.write_text("[xuncha]\ncolour = 1\n", "utf-8")
    with pytest.raises(SettingsError, match="colour"):
        load_settings({"XUNCHA_CONFIG": str(config)})
    config.write_text("not toml = = =", "utf-8")
    with pytest.raises(SettingsError, match="TOML"):
        load_settings({"XUNCHA_CONFIG": str(config)})


def test_metrics_and_log_format_from_env_and_file(tmp_path: Path) -> None:
    assert (load_settings({"XUNCHA_HOME": str(tmp_path)}).metrics_port,
            load_settings({"XUNCHA_HOME": str(tmp_path)}).log_format) == (0, "text")
    config = tmp_path / "xuncha.toml"
    config.write_text('[xuncha]\nmetrics_port = 9100\nlog_format = "JSON"\n', "utf-8")
    settings = load_settings({"XUNCHA_CONFIG": str(config), "XUNCHA_HOME": str(tmp_path),
                              "XUNCHA_METRICS_HOST": "0.0.0.0"})
    assert (settings.metrics_port, settings.metrics_host, settings.log_format) == (
        9100, "0.0.0.0", "json")
