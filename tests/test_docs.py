"""The README documents every CLI command, every setting and every API route."""

import re

import pytest
from fastapi.routing import APIRoute

from server.app import create_app
from server.cli import app as cli_app
from server.settings import Settings
from tests.support.data import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [c.name or c.callback.__name__ for c in cli_app.registered_commands])  # type: ignore[union-attr]
def test_every_command_is_documented(command: str) -> None:
    assert f"askreport {command}" in README


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"`ASKREPORT_{field.upper()}`" in README


def test_every_api_route_is_documented() -> None:
    routes = [r for r in create_app(Settings()).routes if isinstance(r, APIRoute) and r.include_in_schema]
    for route in routes:
        documented = re.sub(r"\{[^}]+\}", "{id}", route.path)
        assert documented in README, route.path


def test_readme_gives_the_two_commands() -> None:
    assert "make serve" in README and "make test" in README
