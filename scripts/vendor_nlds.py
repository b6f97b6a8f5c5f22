"""Vendor the NL Design System CSS components the web app uses (issue 17.6).

Usage::

    python scripts/vendor_nlds.py [--out src/wijkkompas/web/static/vendor/nlds]

Fetches each package of :data:`PACKAGES` at its exact version with ``npm pack`` (the
npm registry; nothing is installed, no ``node_modules``), and copies from its tarball:

- the CSS entry files named in :data:`PACKAGES` into ``<out>/``, the package name and
  version in the file name (``utrecht-button-css-4.0.1.css``; the element variant, which
  styles bare ``a``, ``h1`` or ``table`` elements, as ``....html.css``), unchanged;
- the licence (EUPL-1.2, the same text in every package: checked) once as
  ``<out>/../licences/nlds-utrecht-EUPL-1.2.LICENSE.md``;
- ``<out>/README.md``: what was vendored, from which package and version, with its
  copyright lines (the attribution the EUPL asks for);

and writes ``web/templates/_nlds_css.html``, the ``<link>`` tags ``base.html`` includes,
so that a new version is one edit of :data:`PACKAGES` and a run of this script. The
vendored files are committed: the app works offline (CI reaches the registry, the app's
users need not). Our own theme (the design tokens the components read, such as
``--utrecht-button-background-color``) is in ``static/css/wijkkompas.css``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "wijkkompas" / "web"
DEFAULT_OUT = WEB / "static" / "vendor" / "nlds"
PARTIAL = WEB / "templates" / "_nlds_css.html"
LICENCE_NAME = "nlds-utrecht-EUPL-1.2.LICENSE.md"

# (package, exact version, files in the tarball): "dist/index.css" is the class variant
# (.utrecht-button ...), "dist/html/index.css" the element variant (a, h1, table ...).
PACKAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("@utrecht/button-css", "4.0.1", ("dist/index.css",)),
    ("@utrecht/button-link-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/link-button-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/link-css", "3.0.1", ("dist/index.css", "dist/html/index.css")),
    ("@utrecht/skip-link-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/heading-1-css", "3.0.1", ("dist/html/index.css",)),
    ("@utrecht/heading-2-css", "3.0.1", ("dist/html/index.css",)),
    ("@utrecht/heading-3-css", "3.0.1", ("dist/html/index.css",)),
    ("@utrecht/table-css", "3.0.1", ("dist/index.css", "dist/html/index.css")),
    ("@utrecht/form-field-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/form-label-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/form-field-description-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/form-field-error-message-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/form-fieldset-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/textbox-css", "4.0.1", ("dist/index.css",)),
    ("@utrecht/select-css", "3.0.1", ("dist/index.css",)),
    ("@utrecht/textarea-css", "4.0.1", ("dist/index.css",)),
]


def target_name(package: str, version: str, member: str) -> str:
    """``@utrecht/button-css`` 4.0.1 ``dist/html/index.css`` -> ``utrecht-button-css-4.0.1.html.css``."""
    base = package.lstrip("@").replace("/", "-") + "-" + version
    return base + (".html.css" if "/html/" in member else ".css")


def npm_pack(package: str, version: str, into: Path) -> Path:
    """The tarball of ``package@version`` (``npm pack``, exact version)."""
    out = subprocess.run(["npm", "pack", f"{package}@{version}", "--json", "--silent",
                          "--pack-destination", str(into)],
                         check=True, capture_output=True, text=True).stdout
    info = json.loads(out)[0]
    if info["version"] != version:
        raise SystemExit(f"{package}: npm gave {info['version']}, not {version}")
    return into / info["filename"]


def copyright_lines(css: str) -> list[str]:
    return [m.strip() for m in re.findall(r"^\s*\*\s*(Copyright .*)$", css, re.M)]


def vendor(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.css"):
        old.unlink()
    licences = out.parent / "licences"
    licence_text: str | None = None
    rows: list[str] = []
    links: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for package, version, members in PACKAGES:
            tarball = npm_pack(package, version, Path(tmp))
            with tarfile.open(tarball) as tar:
                meta = json.loads(tar.extractfile("package/package.json").read())  # type: ignore[union-attr]
                if meta.get("license") != "EUPL-1.2":
                    raise SystemExit(f"{package}: licence {meta.get('license')}, not EUPL-1.2")
                text = tar.extractfile("package/LICENSE.md").read().decode()  # type: ignore[union-attr]
                if licence_text is None:
                    licence_text = text
                elif text != licence_text:
                    raise SystemExit(f"{package}: its LICENSE.md differs from the others'")
                files = []
                notice: list[str] = []
                for member in members:
                    css = tar.extractfile("package/" + member).read()  # type: ignore[union-attr]
                    name = target_name(package, version, member)
                    (out / name).write_bytes(css)
                    files.append(f"`{name}` ({member})")
                    links.append(name)
                    notice = notice or copyright_lines(css.decode())
            rows.append(f"| `{package}` | {version} | {', '.join(files)} | {'; '.join(notice)} |")
    assert licence_text is not None
    licences.mkdir(exist_ok=True)
    (licences / LICENCE_NAME).write_text(licence_text)
    digest = hashlib.sha256(licence_text.encode()).hexdigest()[:16]
    (out / "README.md").write_text(README.format(
        rows="\n".join(rows), licence=LICENCE_NAME, digest=digest))
    PARTIAL.write_text(
        "{# made by scripts/vendor_nlds.py: the NL Design System CSS components (EUPL-1.2,\n"
        "   vendor/nlds/README.md); our theme of their design tokens is wijkkompas.css #}\n"
        + "".join(f'<link rel="stylesheet" href="/static/vendor/nlds/{n}">\n' for n in links))
    print(f"{len(links)} files of {len(PACKAGES)} packages in {out}", file=sys.stderr)


README = """# NL Design System CSS components (vendored)

The web app's buttons, links, headings, tables, form fields and skip link are the
NL Design System's components as the Gemeente Utrecht publishes them on npm (the
`@utrecht/*-css` packages), unmodified, so that the app works offline; made by
`scripts/vendor_nlds.py`, which fetches the exact versions below with `npm pack`
(change a version there and run it again). `templates/_nlds_css.html` links them;
`static/css/wijkkompas.css` sets the design tokens they read (`--utrecht-*`) to
Wijkkompas's own colours (not those of the Rijksoverheid or of Utrecht).

Files named `*.css` are a package's class variant (`dist/index.css`: `.utrecht-button`,
`.utrecht-table`, ...); `*.html.css` its element variant (`dist/html/index.css`: bare
`a`, `h1`-`h3`, `table`/`th`/`td`), used where every such element of a page takes the
component's look, so that the templates' running text needs no class on each link,
heading or cell.

Licence: EUPL-1.2 (European Union Public Licence v. 1.2), the same text in every
package, in `../licences/{licence}` (sha256 {digest}...). The EUPL's copyleft covers
these files as distributed here: they are unmodified, and their source is the package
named beside them.

| package | version | files (from) | copyright |
|---|---|---|---|
{rows}
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    vendor(ap.parse_args(argv).out)


if __name__ == "__main__":
    main()
