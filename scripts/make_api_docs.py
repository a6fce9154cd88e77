"""Write docs/api.md from the widgets' declarations (tests/test_docs.py checks it is current).

    python scripts/make_api_docs.py
"""
from pathlib import Path

from saddle_widgets.widgets._docs import api_markdown

if __name__ == "__main__":
    path = Path(__file__).resolve().parents[1] / "docs" / "api.md"
    path.write_text(api_markdown())
    print(f"wrote {path}")
