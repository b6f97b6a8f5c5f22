"""The interface's languages through gettext (Babel), and numbers in the locale's format.

Assumptions: the language comes from ``?lang=nl|en`` (which also sets a cookie) or the
``lang`` cookie, default Dutch, because the users are Dutch policy advisers. Every text is
a gettext message whose msgid is the English source text (the gettext convention: one
source language that every translator reads, and the Python API's own English messages
can be msgids as they are); the Dutch and English texts are in
``locale/<lang>/LC_MESSAGES/wijkkompas.po``, extracted by ``scripts/extract_messages.py``
(``babel.cfg``). The catalogues are compiled in memory with Babel when first used, so an
editable install and CI need no build step and no ``.mo`` file can be stale. A msgid
without a translation shows the English text, so a forgotten translation is visible (and
``tests/test_web_i18n.py`` fails on it) rather than an error.
"""
from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern
from babel.support import Translations
from jinja2 import Environment, pass_context

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
DOMAIN = "wijkkompas"
LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark, do not translate"
    """Marks a msgid for extraction; it is translated where it is shown."""
    return message


def po_file(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> Translations:
    """The language's catalogue, compiled from its ``.po`` file in memory."""
    path = po_file(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    """``message`` (an English msgid) in ``language``."""
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


@pass_context
def _template_gettext(context, message: str) -> str:
    return gettext(context.get("lang") or DEFAULT_LANGUAGE, message)


@pass_context
def _template_ngettext(context, singular: str, plural: str, n: int) -> str:
    return ngettext(context.get("lang") or DEFAULT_LANGUAGE, singular, plural, n)


@pass_context
def _template_pgettext(context, message_context: str, message: str) -> str:
    return str(translations(context.get("lang") or DEFAULT_LANGUAGE).pgettext(message_context,
                                                                              message))


def install_gettext(env: Environment) -> None:
    """``jinja2.ext.i18n`` with ``_``/``gettext``/``ngettext`` in the page's ``lang``.

    Old-style gettext: ``_('...')`` returns the text, autoescaped like any other value;
    placeholders are filled with ``.format(...)`` as in the Python code.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=False,
        pgettext=_template_pgettext)


# the area levels of the store (``land`` is the country)
LEVEL_NAMES = {"gemeente": N_("Municipality"), "wijk": N_("District (wijk)"),
               "buurt": N_("Neighbourhood (buurt)"), "land": N_("The Netherlands"),
               "vierkant100": N_("100 m grid cell"), "vierkant500": N_("500 m grid cell")}
LEVEL_PLURALS = {"gemeente": N_("Municipalities"), "wijk": N_("Districts"),
                 "buurt": N_("Neighbourhoods"), "vierkant100": N_("100 m grid cells"),
                 "vierkant500": N_("500 m grid cells")}


def level_name(level: str | None, language: str) -> str:
    """``wijk`` -> ``Wijk`` (nl) or ``District (wijk)`` (en); an unknown level as it is."""
    message = LEVEL_NAMES.get(level or "")
    return gettext(language, message) if message else (level or "")


# the standardisation methods of analysis/standardise.py in words
METHOD_NAMES = {
    "zscore": N_("z-score (standard deviations from the national mean)"),
    "robust_z": N_("robust z-score (median and spread of the middle half)"),
    "percentile": N_("percentile rank"),
    "imd": N_("rank with exponential transformation (as the English IMD)"),
    "index": N_("index (as the Wijkprofiel)"),
}


def method_name(method: str | None, language: str) -> str:
    """``zscore`` -> ``z-score (...)`` in ``language``; an unknown method as it is."""
    message = METHOD_NAMES.get(method or "")
    return gettext(language, message) if message else (method or "")


# a plan's targets, as judged by plans/progress.py (its ``STATUS`` ids)
PLAN_STATUS_NAMES = {"gehaald": N_("met"), "niet_gehaald": N_("missed"),
                     "op_koers": N_("on track"), "voor": N_("ahead of schedule"),
                     "achter": N_("behind schedule"), "niet_meetbaar": N_("not measurable")}


def plan_status(status: str | None, language: str) -> str:
    """``op_koers`` -> ``on track`` (en) or ``op koers`` (nl); an unknown id as it is."""
    message = PLAN_STATUS_NAMES.get(status or "")
    return gettext(language, message) if message else (status or "")


def plan_headline(counts: dict, language: str) -> str:
    """``21 van 31 tussendoelen gehaald (2 niet meetbaar; 4 nog niet aan de beurt)`` from
    :meth:`wijkkompas.plans.progress.PlanProgress.counts`, in ``language``: of the
    milestones whose year has passed and that could be measured, how many were met."""
    words = translations(language)  # words.ngettext: the name the extraction looks for
    met = counts["milestones_met"]
    measured = met + counts["milestones_missed"]
    text = words.ngettext("{met} of {measured} interim target met",
                            "{met} of {measured} interim targets met", measured).format(
        met=met, measured=measured)
    extra = []
    if counts["milestones_not_measurable"]:
        n = counts["milestones_not_measurable"]
        extra.append(words.ngettext("{n} not measurable", "{n} not measurable", n).format(n=n))
    if counts["milestones_pending"]:
        n = counts["milestones_pending"]
        extra.append(words.ngettext("{n} not yet due", "{n} not yet due", n).format(n=n))
    return text + (f" ({'; '.join(extra)})" if extra else "")


# the messages of the Python API and the app that pages show, matched to a msgid whose
# placeholders are the pattern's groups; the API (JSON) keeps the English message
ERROR_MESSAGES: list[tuple[re.Pattern, str]] = [(re.compile(pattern), message) for
                                                 pattern, message in (
    (r"no area with code or name (?P<text>.+) in the store",
     N_("There is no area with the code or name {text}.")),
    (r"(?P<text>.+) matches (?P<n>\d+) areas \((?P<listed>.*)\); give the code",
     N_("{text} fits {n} areas ({listed}); choose one, or give its code.")),
    (r"no page at (?P<path>.+)", N_("There is no page at {path}.")),
    (r"no plan with id (?P<plan>.+)", N_("There is no plan {plan}, or you may not see it.")),
    (r"unknown indicator (?P<indicator>'[^']*').*", N_("There is no indicator {indicator}.")),
    (r"no figures for (?P<indicator>\S+) at level (?P<level>\w+) in period (?P<period>\S+?)"
     r"(;.*)?", N_("There are no figures of {indicator} for the {level} in {period}.")),
    (r"no scores at level (?P<level>\w+).*", N_("There are no scores for the {level}.")),
    (r"(?P<code>\S+) has no figures for (?P<indicator>\S+) over several years",
     N_("{code} has no figures of {indicator} over several years.")),
    (r"compare at most five areas", N_("Compare at most five areas.")),
    (r"invalid parameters: (?P<text>.*)", N_("The address has a value that cannot be used: "
                                             "{text}")),
    (r"the reports are being made for others; try again in a minute",
     N_("The reports are being made for others; try again in a minute.")),
)]
GENERIC_ERROR = N_("The question could not be answered.")


def error_message(message: str, language: str) -> tuple[str, str | None]:
    """A message of the API for a page: (the text in ``language``, the original English
    message when no pattern knows it and the page is not English, else None)."""
    for pattern, msgid in ERROR_MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            groups = {k: v or "" for k, v in match.groupdict().items()}
            if "level" in groups:
                groups["level"] = plural(groups["level"], language).lower()
            return gettext(language, msgid).format(**groups), None
    if language == "en":
        return message, None
    return gettext(language, GENERIC_ERROR), message


def plural(level: str, language: str) -> str:
    """``gemeente`` -> ``Gemeenten`` (nl) or ``Municipalities`` (en); else neighbourhoods."""
    return gettext(language, LEVEL_PLURALS.get(level, LEVEL_PLURALS["buurt"]))


def pick_language(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


COUNT_UNITS = {"aantal", "personen", "inwoners", "adressen", "huishoudens", "woningen"}
MONEY_UNITS = {"euro"}


def _finite(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _rounded(number: float, digits: int) -> Decimal:
    """Half up, as people round (Babel's default is half even: 25.726,5 -> 25.726)."""
    return Decimal(repr(number)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def fmt_number(value, language: str = "nl", digits: int | None = 1) -> str:
    """``1234.5`` -> ``1.234,5`` (nl) or ``1,234.5`` (en) by Babel; blank for missing values.

    ``digits`` None: 0 for whole numbers, else 1 (or 2 below 10).
    """
    number = _finite(value)
    if number is None:
        return "" if value is None or _is_number_like(value) else str(value)
    if digits is None:
        digits = 0 if number.is_integer() else (1 if abs(number) >= 10 else 2)
    return _formatted(number or 0.0, digits, language)  # -0.0 is 0.0, as it is equal


@lru_cache(maxsize=16384)
def _formatted(number: float, digits: int, language: str) -> str:
    """Kept: a page shows the same figures at every visit (a plan page formats hundreds
    again after each save) and Babel takes tens of microseconds for each."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(_rounded(number, digits), format=_pattern(pattern),
                          locale=_locale(language))


@cache
def _pattern(pattern: str) -> NumberPattern:
    """A number pattern parsed once: Babel parses a pattern given as text on every call,
    half the time of formatting a number (a plan page formats hundreds)."""
    return parse_pattern(pattern)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language, "nl_NL"))


def _is_number_like(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def fmt_list(items: list[str], language: str = "nl") -> str:
    """Items in running text (``2020, 2021 en 2022``), by Babel's list patterns."""
    from babel.lists import format_list

    return format_list(list(items), locale=_locale(language)) if items else ""


def fmt_money(value, language: str = "nl", digits: int = 0) -> str:
    """``25726.5`` -> ``€ 25.727`` (nl) or ``€25,727`` (en); blank for missing values."""
    number = _finite(value)
    if number is None:
        return ""
    pattern = "¤ #,##0" if language == "nl" else "¤#,##0"
    if digits:
        pattern += "." + "0" * digits
    return format_currency(_rounded(number, digits), "EUR", format=_pattern(pattern),
                           currency_digits=False, locale=_locale(language))


def fmt_value(value, unit: str | None, language: str = "nl", digits: int = 1) -> str:
    """A figure with its unit's format: counts whole, money in euro, ``%`` glued on."""
    unit = (unit or "").strip()
    if unit in COUNT_UNITS:
        return fmt_number(value, language, 0)
    if unit in MONEY_UNITS:
        return fmt_money(value, language)
    text = fmt_number(value, language, digits)
    return text + "%" if text and unit == "%" else text


def fmt_datetime(value, language: str = "nl") -> str:
    """A moment as ``1 december 2026 om 17:30`` (nl), in the locale's medium format."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, format="long", locale=_locale(language))
    return format_datetime(value, format="d MMMM y, HH:mm", locale=_locale(language))
