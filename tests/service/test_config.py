"""Settings layers: defaults < TOML file < SHOEBOX_* environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config import ConfigError, Settings, load_settings


def test_layers_override_in_order(tmp_path: Path) -> None:
    config = tmp_path / "shoebox.toml"
    config.write_text('port = 9000\nworkers = 3\nlibrary = "/srv/photos"\nlabels = false\n')
    env = {"SHOEBOX_CONFIG": str(config), "SHOEBOX_PORT": "9100", "SHOEBOX_INBOXES": "/a:/b"}
    settings = load_settings(environ=env, overrides={"port": 9200, "library": None})
    assert settings.port == 9200  # flag beats environment beats file
    assert settings.workers == 3 and settings.labels is False  # from the file
    assert settings.library == Path("/srv/photos")  # a flag left unset does not override
    assert settings.inboxes == [Path("/a"), Path("/b")]
    assert load_settings(environ={}).port == Settings().port == 8080


def test_shoebox_table_and_explicit_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[shoebox]\naccelerator = 'cpu'\ninboxes = ['/x']\n")
    settings = load_settings(config, environ={})
    assert settings.accelerator == "cpu" and settings.inboxes == [Path("/x")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'\n", "unknown setting"),
        ("port = 'eighty'\n", "port"),
        ("port = [", "config file"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_bad_environment_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="faces"):
        load_settings(environ={"SHOEBOX_FACES": "maybe"})


def test_appliance_settings_file_is_the_default_from_any_shell(tmp_path: Path) -> None:
    from appliance.config import default_config_file

    appliance_file = tmp_path / "shoebox.toml"
    assert default_config_file({}, appliance_file) is None  # not installed: no file
    appliance_file.write_text('library = "/srv/shoebox"\nlibrary_disk = true\n')
    assert default_config_file({}, appliance_file) == appliance_file
    assert default_config_file({"SHOEBOX_CONFIG": "/x.toml"}, appliance_file) == Path("/x.toml")
    assert default_config_file({"SHOEBOX_CONFIG": ""}, appliance_file) is None
    settings = load_settings(default_config_file({}, appliance_file), environ={})
    assert settings.library_disk is True and settings.library == Path("/srv/shoebox")
