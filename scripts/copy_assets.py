"""Copy GOV.UK Frontend's built assets from node_modules into Django's static directory.

Run after `npm ci`:  uv run python scripts/copy_assets.py

The dist stylesheet refers to its fonts and images as `/assets/...` (site root). The copy rewrites
those to paths relative to the stylesheet (`assets/...`), so they resolve under STATIC_URL and
Django's manifest storage can fingerprint them. Source-map comments are dropped because the maps
are not shipped (manifest storage would otherwise fail looking for them).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TARGET = ROOT / "src" / "casework" / "static" / "govuk"

_ROOT_ASSET_URL = re.compile(r"url\((['\"]?)/assets/")
_SOURCE_MAP = re.compile(r"\n?/[/*]# sourceMappingURL=[^\n]*")


def rewrite_css(text: str) -> str:
    return _SOURCE_MAP.sub("", _ROOT_ASSET_URL.sub(r"url(\1assets/", text))


def strip_source_map(text: str) -> str:
    return _SOURCE_MAP.sub("", text)


def copy_assets(source: Path = SOURCE, target: Path = TARGET) -> list[Path]:
    if not (source / "govuk-frontend.min.css").exists():
        raise SystemExit(f"{source} not found: run `npm ci` first.")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    css = target / "govuk-frontend.min.css"
    css.write_text(rewrite_css((source / "govuk-frontend.min.css").read_text(encoding="utf-8")), encoding="utf-8")
    js = target / "govuk-frontend.min.js"
    js.write_text(strip_source_map((source / "govuk-frontend.min.js").read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copytree(source / "assets", target / "assets")
    return [css, js, target / "assets"]


SWAGGER_SOURCE = ROOT / "node_modules" / "swagger-ui-dist"
SWAGGER_TARGET = ROOT / "src" / "casework" / "static" / "swagger-ui"
#: The API docs page (/api/v1/docs) serves these from our own origin, under the normal CSP.
SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


def copy_swagger(source: Path = SWAGGER_SOURCE, target: Path = SWAGGER_TARGET) -> list[Path]:
    """Swagger UI from the pinned swagger-ui-dist package (no CDN), without source-map comments."""
    if not (source / "swagger-ui-bundle.js").exists():
        raise SystemExit(f"{source} not found: run `npm ci` first.")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written = []
    for name in SWAGGER_FILES:
        path = target / name
        path.write_text(strip_source_map((source / name).read_text(encoding="utf-8")), encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    written = copy_assets() + copy_swagger()
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
