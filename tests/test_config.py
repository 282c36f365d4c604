"""Settings come from the environment with safe defaults; a bad value is named, never guessed."""
import pytest

from backend.platform.config import Config, ConfigError


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
