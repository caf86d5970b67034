"""Copy GOV.UK Frontend's and MoJ Frontend's built assets from node_modules into Django's static directory.

Run after `npm ci`:  uv run python scripts/copy_assets.py

Both dist stylesheets refer to their fonts and images as `/assets/...` (site root). The copy rewrites
those to paths relative to the stylesheet (`assets/...`), so they resolve under STATIC_URL and
Django's manifest storage can fingerprint them. Source-map comments are dropped because the maps
are not shipped (manifest storage would otherwise fail looking for them).

GOV.UK Frontend goes to static/govuk/, MoJ Frontend to static/moj/ (see docs/frontend.md).
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src" / "casework" / "static"

_ROOT_ASSET_URL = re.compile(r"url\((['\"]?)/assets/")
_SOURCE_MAP = re.compile(r"\n?/[/*]# sourceMappingURL=[^\n]*")


@dataclass(frozen=True)
class Package:
    name: str
    source: Path
    target: Path
    css: str
    js: str


GOVUK = Package(
    "GOV.UK Frontend",
    ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk",
    STATIC / "govuk",
    "govuk-frontend.min.css",
    "govuk-frontend.min.js",
)
MOJ = Package(
    "MoJ Frontend",
    ROOT / "node_modules" / "@ministryofjustice" / "frontend" / "moj",
    STATIC / "moj",
    "moj-frontend.min.css",
    "moj-frontend.min.js",
)
PACKAGES = (GOVUK, MOJ)


def rewrite_css(text: str) -> str:
    return _SOURCE_MAP.sub("", _ROOT_ASSET_URL.sub(r"url(\1assets/", text))


def strip_source_map(text: str) -> str:
    return _SOURCE_MAP.sub("", text)


def copy_package(package: Package) -> list[Path]:
    if not (package.source / package.css).exists():
        raise SystemExit(f"{package.source} not found: run `npm ci` first.")
    if package.target.exists():
        shutil.rmtree(package.target)
    package.target.mkdir(parents=True)
    css = package.target / package.css
    css.write_text(rewrite_css((package.source / package.css).read_text(encoding="utf-8")), encoding="utf-8")
    js = package.target / package.js
    js.write_text(strip_source_map((package.source / package.js).read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copytree(package.source / "assets", package.target / "assets")
    return [css, js, package.target / "assets"]


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
    written = [path for package in PACKAGES for path in copy_package(package)] + copy_swagger()
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
