"""The documented public API (docs/api.md, README) matches the widgets' real parameters."""
from pathlib import Path

import pytest

import saddle_widgets
import saddle_widgets.widgets as sw

ROOT = Path(__file__).resolve().parents[1]
WIDGETS = [getattr(sw, n) for n in sw.__all__ if n != "Explorer"]


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_api_page_lists_every_parameter_default_and_preset(cls):
    api = (ROOT / "docs" / "api.md").read_text()
    section = api.split(f"## `{cls.__name__}`")[1].split("\n## ")[0]
    for name, default in cls.DEFAULTS.items():
        assert f"| `{name}` | `{default!r}` |" in section, name
    for preset in cls.PRESETS:
        assert f"`{preset}`" in section, preset


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_widget_is_importable_from_the_top_level(cls):
    assert getattr(saddle_widgets, cls.__name__) is cls
    assert cls.__name__ in saddle_widgets.__all__
