"""Extract the interface's messages and bring the gettext catalogues up to date.

    python scripts/extract_messages.py           # update the nl and en .po files
    python scripts/extract_messages.py --check   # exit 1 if a msgid is new, gone or untranslated

Reads what ``babel.cfg`` names (the Python sources and the web templates; keywords
``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``N_``) and merges the msgids into
``src/wijkkompas/web/locale/<lang>/LC_MESSAGES/wijkkompas.po``. The msgids are the
English source texts, so the English catalogue is filled with the msgid itself; a new
Dutch message is left empty for a translator (and ``--check`` and
``tests/test_web_i18n.py`` fail until it is filled). The files are written sorted and
without line numbers, so that a change to the code moves no line of them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "src" / "wijkkompas" / "web" / "locale"
LANGUAGES = ("nl", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def extract() -> Catalog:
    """Every msgid in the sources that ``babel.cfg`` names."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="wijkkompas", domain="wijkkompas")
    for filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        if message and message != "":
            catalog.add(message, locations=[(filename, None)], context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "wijkkompas.po"


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="wijkkompas", domain="wijkkompas")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain="wijkkompas")


def key(message) -> tuple:
    return (message.context, message.id)


def merged(language: str, template: Catalog) -> Catalog:
    """The language's catalogue with exactly the template's msgids, translations kept."""
    old = read(language)
    new = Catalog(locale=language, project="wijkkompas", domain="wijkkompas", fuzzy=False,
                  creation_date=old.creation_date, revision_date=old.revision_date,
                  copyright_holder="wijkkompas contributors",
                  language_team=f"{language} <none>", last_translator="wijkkompas")
    for message in template:
        if not message.id:
            continue
        before = old.get(message.id, context=message.context)
        text = before.string if before is not None and before.string else ""
        if language == "en" and not text:
            text = message.id
        new.add(message.id, text, context=message.context,
                flags=[f for f in message.flags if f != "fuzzy"])
    return new


def translated(message) -> bool:
    """A plural message is translated when every one of its forms is."""
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def problems(template: Catalog) -> list[str]:
    found = []
    wanted = {key(m) for m in template if m.id}
    for language in LANGUAGES:
        catalog = read(language)
        have = {key(m) for m in catalog if m.id}
        found += [f"{language}: new msgid {m!r}" for _c, m in sorted(wanted - have, key=str)]
        found += [f"{language}: msgid no longer used {m!r}" for _c, m in
                  sorted(have - wanted, key=str)]
        found += [f"{language}: no translation for {m.id!r}" for m in catalog
                  if m.id and not translated(m)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the catalogues are not up to date")
    args = parser.parse_args(argv)
    template = extract()
    if args.check:
        found = problems(template)
        for line in found:
            print(line)
        return 1 if found else 0
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = merged(language, template)  # read before the file is opened for writing
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, omit_header=False,
                     include_lineno=False, no_location=True, width=0)
    untranslated = [m for m in problems(template) if "no translation" in m]
    for line in untranslated:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
