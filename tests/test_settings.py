"""settings.py: every environment variable in one class, read at call time, documented in
docs/settings.md, and a bad value refused in one sentence that names the variable."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wijkkompas import config, settings
from wijkkompas.cli import app
from wijkkompas.errors import SettingsError
from wijkkompas.sources import limits
from wijkkompas.web.oidc import OIDCConfig

DOCS = Path(__file__).parents[1] / "docs" / "settings.md"
ROW = re.compile(r"^\| `([A-Z_]+)` \| ([^|]+) \| (.+) \|$")


def test_the_table_in_the_docs_is_the_class():
    rows = [ROW.match(line).groups() for line in DOCS.read_text(encoding="utf-8").splitlines()
            if ROW.match(line)]
    names = settings.env_names()
    expected = []
    for field, info in settings.Settings.model_fields.items():
        default = info.default
        shown = "—" if default is None else f"{default:g}" if isinstance(default, float) \
            else str(default)
        expected.append((names[field], shown, info.description))
    assert rows == expected


def test_every_variable_the_package_reads_is_a_setting():
    source = Path(settings.__file__).parent
    named = set(re.findall(r'"((?:WIJKKOMPAS|XDG)_[A-Z_]+)"',
                           "".join(p.read_text(encoding="utf-8") for p in source.rglob("*.py")
                                   if p.name != "settings.py")))
    assert named <= set(settings.env_names().values())
    assert "WIJKKOMPAS_DASK_SCHEDULER" in settings.env_names().values()


def test_read_at_call_time_and_blank_is_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("WIJKKOMPAS_STORE", str(tmp_path / "a"))
    assert config.store_dir() == tmp_path / "a"
    monkeypatch.setenv("WIJKKOMPAS_STORE", "  ")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.store_dir() == tmp_path / "xdg" / "wijkkompas"
    monkeypatch.setenv("WIJKKOMPAS_MAX_ROWS", "12")
    assert limits.max_rows() == 12
    monkeypatch.setenv("WIJKKOMPAS_MAX_ROWS", "")
    assert limits.max_rows() == 20_000_000
    # the class read by pydantic-settings itself says the same
    monkeypatch.setenv("WIJKKOMPAS_MAX_BODY_KB", "2.5")
    assert settings.Settings().model_dump() == settings.settings().model_dump()
    assert settings.settings().max_body_kb == 2.5


def test_a_given_mapping_is_read_instead_of_the_environment(monkeypatch):
    monkeypatch.setenv("WIJKKOMPAS_OIDC_ISSUER", "https://elsewhere.example")
    monkeypatch.setenv("WIJKKOMPAS_OIDC_CLIENT_ID", "elsewhere")
    config_ = OIDCConfig.from_env({"WIJKKOMPAS_OIDC_ISSUER": " https://login.example.nl/ ",
                                   "WIJKKOMPAS_OIDC_CLIENT_ID": "wk",
                                   "WIJKKOMPAS_OIDC_NAME": "  "})
    assert config_ == OIDCConfig(issuer="https://login.example.nl", client_id="wk",
                                 name="login.example.nl")
    assert OIDCConfig.from_env({}) is None
    assert OIDCConfig.from_env().client_id == "elsewhere"


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("WIJKKOMPAS_MAX_ROWS", "abc", "a whole number"),
    ("WIJKKOMPAS_MAX_ROWS", "1.5", "a whole number"),
    ("WIJKKOMPAS_MAX_FILE_MB", "lots", "a number"),
    ("WIJKKOMPAS_PDF_CONCURRENCY", "two", "a whole number"),
])
def test_a_bad_value_names_the_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        settings.settings()
    assert str(info.value) == (f"${variable} is {value!r}, which is not {expected} "
                               "(see docs/settings.md)")


def test_the_command_line_says_so_in_one_line(tmp_path):
    data = tmp_path / "figures.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(data), "--store", str(tmp_path / "s")],
                                env={"WIJKKOMPAS_MAX_ROWS": "abc"})
    assert result.exit_code == 1
    assert result.output.strip() == ("error: $WIJKKOMPAS_MAX_ROWS is 'abc', which is not a "
                                     "whole number (see docs/settings.md)")
