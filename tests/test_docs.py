"""The documented public API (docs/api.md, README) matches the widgets' real declarations,
and nothing in the project points outside the repository."""
import re
from pathlib import Path

import pytest

import saddle_widgets
from saddle_widgets.widgets._docs import api_markdown, widget_classes

ROOT = Path(__file__).resolve().parents[1]
WIDGETS = widget_classes()


def test_api_page_is_generated_from_the_declarations():
    """docs/api.md equals what scripts/make_api_docs.py writes today."""
    assert (ROOT / "docs" / "api.md").read_text() == api_markdown(), \
        "docs/api.md is stale: run python scripts/make_api_docs.py"


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_api_page_lists_every_parameter_default_result_and_preset(cls):
    api = (ROOT / "docs" / "api.md").read_text()
    section = api.split(f"## `{cls.__name__}`")[1].split("\n## ")[0]
    for name, default in cls.DEFAULTS.items():
        assert f"| `{name}` | `{default!r}` |" in section, name
    for s in cls._steps:
        assert f"`{s.name}`" in section, s.name
    for preset in cls.PRESETS:
        assert f"`{preset}`" in section, preset


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda c: c.__name__)
def test_every_widget_is_importable_from_the_top_level(cls):
    assert getattr(saddle_widgets, cls.__name__) is cls
    assert cls.__name__ in saddle_widgets.__all__


def test_tutorials_import_widgets_from_the_top_level_only():
    for nb in sorted((ROOT / "tutorials").glob("*.ipynb")):
        text = nb.read_text()
        assert not re.search(r"saddle_widgets\.widgets\.\w+ import", text), nb.name
        assert not re.search(r"\bw\w*\._[a-z]", text.replace("\\n", "\n")), nb.name


def test_nothing_points_outside_the_repository():
    """The science notes the code cites live in docs/science/."""
    assert sorted(p.name for p in (ROOT / "docs" / "science").glob("*.md")) == [
        "overparameterized-gradient-flow.md", "plrnn-invariant-manifolds.md",
        "predictive-coding-saddles.md"]
    for path in [*ROOT.glob("saddle_widgets/**/*.py"), *ROOT.glob("tutorials/*.ipynb"),
                 *ROOT.glob("docs/*.md"), ROOT / "README.md", *(p for p in ROOT.glob("tests/**/*.py") if p.name != "test_docs.py")]:
        assert "shared/science" not in path.read_text(), path
