"""Settings come from the environment with safe defaults; a bad value is named, never guessed."""
from pathlib import Path

import pytest

from backend.platform.config import Config, ConfigError, kept_secret, settings_table


def test_defaults_are_the_embedded_demo():
    config = Config.from_env({})
    assert config.is_sqlite and config.demo and config.simulator and config.redis_url is None
    assert config.tile_url is None  # no internet tiles unless configured


def test_production_mode_needs_a_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env({"DEMO": "0"})
    config = Config.from_env({"DEMO": "0", "SECRET_KEY": "s" * 64})
    assert not config.demo and not config.simulator and config.secret_key == "s" * 64


@pytest.mark.parametrize("env, name", [
    ({"PORT": "eighty"}, "PORT"), ({"PORT": "70000"}, "PORT"), ({"DEMO": "maybe"}, "DEMO"),
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"), ({"LANGUAGE": "fr"}, "LANGUAGE"),
    ({"SIMULATOR_PEAK_PER_HOUR": "lots"}, "SIMULATOR_PEAK_PER_HOUR"),
])
def test_bad_setting_is_named(env, name):
    with pytest.raises(ConfigError, match=name):
        Config.from_env(env)


def test_simulator_follows_demo_mode_unless_set():
    assert Config.from_env({"DEMO": "0", "SECRET_KEY": "s", "SIMULATOR": "1"}).simulator
    assert not Config.from_env({"SIMULATOR": "off"}).simulator


def test_an_empty_variable_counts_as_unset():
    assert Config.from_env({"PORT": "", "DATABASE_URL": ""}).port == 8050


@pytest.mark.parametrize("env, name", [
    ({"EVENT_STREAM_LENGTH": "999"}, "EVENT_STREAM_LENGTH"), ({"YELLOW_SHARE": "1"}, "YELLOW_SHARE"),
    ({"SWEEP_SECONDS": "0"}, "SWEEP_SECONDS"), ({"ESCALATION_GRACE_HOURS": "-1"}, "ESCALATION_GRACE_HOURS"),
    ({"DUPLICATE_RADIUS_M": "-1"}, "DUPLICATE_RADIUS_M"), ({"TOKEN_RECHECK_SECONDS": "-1"}, "TOKEN_RECHECK_SECONDS"),
])
def test_setting_out_of_bounds_is_named(env, name):
    with pytest.raises(ConfigError, match=f"^{name}="):
        Config.from_env(env)


def test_an_updated_copy_is_validated_and_keeps_the_rest():
    config = Config(port=8060)
    assert config.updated(host="0.0.0.0").secret_key == config.secret_key
    with pytest.raises(ConfigError, match="PORT"):
        config.updated(port=70000)


def test_readme_configuration_table_is_the_generated_one():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert table == settings_table().splitlines()


def test_a_demo_without_a_secret_keeps_the_one_made_on_its_first_start(tmp_path):
    path = tmp_path / "instance" / "secret-key"
    first = kept_secret(Config.from_env({}), path)
    again = kept_secret(Config.from_env({}), path)
    assert first.secret_key == again.secret_key == path.read_text()  # a restart signs nobody out
    assert path.stat().st_mode & 0o777 == 0o600
    assert kept_secret(Config.from_env({"SECRET_KEY": "set"}), path).secret_key == "set"


def test_production_never_reads_the_demos_secret(tmp_path):
    path = tmp_path / "secret-key"
    config = Config.from_env({"DEMO": "0", "SECRET_KEY": "s" * 64})
    assert kept_secret(config, path) is config and not path.exists()
