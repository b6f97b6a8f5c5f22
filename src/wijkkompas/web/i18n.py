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
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
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


def _C(context: str, message: str) -> str:  # noqa: N802
    """Marks a msgid with a context (``pgettext``) for extraction; kept as ``ctx\x04id``."""
    return f"{context}\x04{message}"


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
    if "\x04" in message:
        context, _, msgid = message.partition("\x04")
        return str(translations(language).pgettext(context, msgid))
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


# The named messages: each key's English msgid (the translations are in
# locale/<lang>/LC_MESSAGES/wijkkompas.po). Older call sites use a key (``t('map')``);
# new text is written as ``_('English text')`` where it is shown.
MESSAGES: dict[str, str] = {
    'site': N_('Wijkkompas'),
    'tagline': N_(
        'Integrated multi-year neighbourhood approach: figures per municipality, district'
        ' and neighbourhood'),
    'skip': N_('Skip to content'),
    'nav': N_('Main menu'),
    'map': N_('Map'),
    'profile': N_('Area profile'),
    'rankings': N_('Rankings'),
    'compare': N_('Compare'),
    'warning': N_('Early warning'),
    'plans': N_('Plans'),
    'about': N_('About the data'),
    'language': N_('Language'),
    'search': N_('Search'),
    'search_area': N_('Find an area (name or code)'),
    'show': N_('Show'),
    'level': N_('Level'),
    'gemeente': N_('Municipality'),
    'wijk': N_('District (wijk)'),
    'buurt': N_('Neighbourhood (buurt)'),
    'land': N_('The Netherlands'),
    'country': N_('The Netherlands'),
    'gemeenten': N_('Municipalities'),
    'wijken': N_('Districts'),
    'buurten': N_('Neighbourhoods'),
    'indicator': N_('Indicator'),
    'period': N_('Reference year'),
    'method': N_('Classification'),
    'quantiles': N_('Quantiles (equal counts)'),
    'fisher_jenks': N_('Natural breaks (Fisher-Jenks)'),
    'equal_interval': N_('Equal intervals'),
    'classes': N_('Number of classes'),
    'within': N_('Within'),
    'all_nl': N_('all of the Netherlands'),
    'vulnerability': N_('Vulnerability (composite)'),
    'domain_score': N_('Domain score'),
    'scores': N_('Scores'),
    'value': N_('Value'),
    'no_value': N_('no figure'),
    'suppressed': N_('suppressed (CBS)'),
    'legend': N_('Legend'),
    'reference_area': N_('Reference area'),
    'boundaries': N_('Boundaries'),
    'figures_on': N_('figures on boundaries of'),
    'darker_worse': N_('darker = less favourable'),
    'darker_higher': N_('darker = higher'),
    'matched': N_('on the map'),
    'not_on_map': N_('without a boundary on the map'),
    'drill_hint': N_(
        'Click an area to drill down to the level below; the table under the map holds '
        'the same figures.'),
    'map_label': N_('Map'),
    'table_of_map': N_('The figures on the map'),
    'area': N_('Area'),
    'code': N_('Code'),
    'class': N_('Class'),
    'rank': N_('Rank'),
    'flags': N_('Flags'),
    'flagged_domains': N_('Flagged domains'),
    'population': N_('Residents'),
    'reliability': N_('Reliability'),
    'reliable': N_('reliable'),
    'unreliable': N_('too few residents'),
    'unknown': N_('unknown'),
    'source': N_('Source'),
    'sources': N_('Sources'),
    'unit': N_('Unit'),
    'definition': N_('Definition'),
    'domain': N_('Domain'),
    'direction': N_('Direction'),
    'higher_is_better': N_('higher is better'),
    'higher_is_worse': N_('higher is worse'),
    'neutral': N_('neutral'),
    'perspective': N_('Perspective'),
    'objective': N_('objective (registration)'),
    'subjective': N_("subjective (residents' answers)"),
    'vintage': N_('Boundary vintage'),
    'licence': N_('Licence'),
    'publisher': N_('Publisher'),
    'download_csv': N_('Download as CSV'),
    'print': N_('Print'),
    'trend': N_('Trend over the years'),
    'all_figures': N_('All figures'),
    'domain_scores': N_('Domain scores'),
    'neighbours': N_('Neighbouring areas'),
    'peers': N_('Similar areas (peers)'),
    'transitions': N_('Climbers and fallers'),
    'warning_reasons': N_('Early-warning signals'),
    'not_available': N_('Not available yet in this version.'),
    'this_area': N_('This area'),
    'its_gemeente': N_('Municipality'),
    'higher_more_vulnerable': N_(
        'Higher = more vulnerable. 0 is the average of all areas of this level in the '
        'Netherlands (z-score).'),
    'no_scores': N_('No scores were computed for this area.'),
    'compare_pick': N_('Choose two to five areas (name or code)'),
    'add': N_('Add'),
    'remove': N_('Remove'),
    'filter': N_('Filter'),
    'apply': N_('Apply'),
    'sort_by': N_('Sort by'),
    'results': N_('results'),
    'postcode': N_('Postcode'),
    'postcode_in': N_('lies in'),
    'postcode_unknown': N_(
        "This postcode does not exist or has no area on CBS's postcode map (2020)."),
    'postcode_share': N_(
        "share of the postcode's area in each area (residents are not known within a "
        'postcode)'),
    'boundaries_of': N_('boundaries'),
    'page': N_('Page'),
    'previous': N_('Previous'),
    'next': N_('Next'),
    'none': N_('None'),
    'error': N_('Error'),
    'not_found': N_('Not found'),
    'bad_request': N_('Invalid request'),
    'unavailable': N_('Temporarily unavailable'),
    'server_error': N_('Something went wrong'),
    'database_unavailable': N_(
        'The data cannot be read or written now (the database is not available). Try '
        'again later; the administrator finds the cause in the log.'),
    'unexpected_error': N_(
        'Something went wrong on our side. The administrator finds the cause in the log.'),
    'back_home': N_('Back to the map'),
    'chart_table': N_('Table for the chart'),
    'year': N_('Year'),
    'estimated': N_('estimated'),
    'reasons': N_('Reasons'),
    'api_docs': N_('API documentation (OpenAPI)'),
    'libraries': N_('Software used'),
    'indicators': N_('Indicators'),
    'figures': N_('Figures'),
    'years': N_('Years'),
    'areas': N_('Areas'),
    'open_profile': N_('Open the profile'),
    'drill_down': N_('Drill down'),
    'account': N_('Account'),
    'my_account': N_('My account'),
    'admin': N_('Administration'),
    'users': N_('Users'),
    'username': N_('Username'),
    'display_name': N_('Name'),
    'organisation': N_('Organisation'),
    'role': N_('Role'),
    'editor': N_('Editor'),
    'viewer': N_('Viewer'),
    'administrator': N_('Administrator'),
    'active': N_('Active'),
    'inactive': N_('Deactivated'),
    'yes': N_('yes'),
    'no': N_('no'),
    'plan': N_('Plan'),
    'my_plans': N_('My plans'),
    'no_roles': N_('You have no role on any plan yet. You can read public plans.'),
    'admin_all_plans': N_('As an administrator you may read and change every plan.'),
    'change_password': N_('Change password'),
    'current_password': N_('Current password'),
    'new_password': N_('New password'),
    'repeat_password': N_('New password again'),
    'password': N_('Password'),
    'password_hint': N_(
        'At least 10 characters. A sentence of a few words is strong and easy to '
        'remember.'),
    'password_short': N_('The new password is shorter than 10 characters.'),
    'password_mismatch': N_('The two new passwords are not the same.'),
    'password_wrong': N_('The current password is not right.'),
    'password_changed': N_(
        'Your password has been changed. You have been logged out on other devices.'),
    'no_password_oidc': N_('You log in through your organisation; you have no password here.'),
    'too_many_attempts': N_('Too many failed attempts; try again in a few minutes.'),
    'logout_everywhere': N_('Log out everywhere'),
    'logout_everywhere_text': N_(
        'Ends all your sessions, on every device, this one too. Do this if you used your '
        'password on a shared computer or lost a device.'),
    'new_user': N_('New user'),
    'initial_password': N_('Initial password'),
    'create': N_('Create'),
    'user_created': N_('The user has been created.'),
    'user_exists': N_('That username exists already.'),
    'username_invalid': N_('A username has 1 to 100 characters and no spaces.'),
    'reset_password': N_('Reset password'),
    'password_reset': N_('The password has been set; the user has been logged out everywhere.'),
    'deactivate': N_('Deactivate'),
    'activate': N_('Activate'),
    'make_admin': N_('Make administrator'),
    'unmake_admin': N_('Remove administrator right'),
    'saved': N_('Saved.'),
    'not_yourself': N_(
        'You cannot remove your own administrator right or deactivate yourself; ask '
        'another administrator.'),
    'plan_roles': N_('Roles on plans'),
    'grant': N_('Grant role'),
    'revoke': N_('Revoke'),
    'through_organisation': N_('through the organisation'),
    'organisation_roles': N_('Roles of organisations'),
    'organisation_hint': N_(
        'Exactly as filled in for the users; every active user of that organisation gets '
        'the role.'),
    'visibility': N_('Visibility'),
    'public': N_('Public (everyone)'),
    'private': N_('Private (only with a role)'),
    'unknown_user': N_('That user does not exist.'),
    'unknown_plan': N_('That plan does not exist.'),
    'organisation_invalid': N_('Fill in an organisation (at most 200 characters).'),
    'role_invalid': N_('Choose the role editor or viewer.'),
    'visibility_invalid': N_('Choose public or private.'),
    'choose': N_('Choose'),
    'back_to_users': N_('Back to the users'),
    'login_via': N_('Log in with'),
    'oidc_failed': N_('Logging in with the identity provider failed'),
    'deactivated': N_('Your account has been deactivated. Contact the administrator.'),
    'new_plan': N_('New plan'),
    'new_plan_lead': N_(
        'Pick the plan area on the map or in the list, and give the plan an id, title and'
        ' horizon. The plan is private at first; you are its editor.'),
    'pick_gemeente': N_('Choose the municipality and the level'),
    'show_areas': N_('Show areas'),
    'pick_map': N_('Map to pick the plan area'),
    'pick_hint': N_(
        'Click an area to add it to or remove it from the plan area. The list beside it '
        'does the same with the keyboard.'),
    'pick_list': N_("choose the plan's areas"),
    'pick_filter': N_('Search the list'),
    'pick_none': N_('No areas of this level and vintage in this municipality.'),
    'codes_typed': N_('Or type the area codes'),
    'codes_hint': N_(
        'CBS wijk or buurt codes, separated by spaces or commas (for example WK051836 '
        'WK051833).'),
    'plan_general': N_('General'),
    'plan_id': N_('Plan id'),
    'id_hint': N_(
        'Lower-case letters, digits, - and _ (for example zuidwest-2030); becomes part of'
        ' the web address.'),
    'plan_title': N_('Plan title'),
    'area_name': N_('Name of the plan area'),
    'area_name_hint': N_('For example Den Haag Zuidwest.'),
    'plan_area': N_('Plan area'),
    'codes_other': N_('Other area codes of the plan area'),
    'horizon_start': N_('First year'),
    'horizon_end': N_('Last year'),
    'create_plan': N_('Create plan'),
    'cancel': N_('Cancel'),
    'save': N_('Save'),
    'required': N_('required'),
    'edit_plan': N_('Edit plan'),
    'to_plan': N_('To the plan'),
    'versions_link': N_('Versions and changes'),
    'version': N_('Version'),
    'saved_as': N_('Saved as version'),
    'vision': N_('Vision'),
    'not_saved': N_('The plan was not saved'),
    'conflict_title': N_('Someone else changed the plan in the meantime'),
    'conflict_who': N_('Your form was based on an older version. Saved as version'),
    'conflict_kept': N_(
        'Your input is still below. Send the form again to apply it to the current '
        'version, or discard your input.'),
    'conflict_see': N_('See what changed'),
    'conflict_discard': N_('Discard my input'),
    'conflict_apply': N_('Apply to the current version'),
    'actions': N_('Actions'),
    'change': N_('Change'),
    'title': N_('Title'),
    'name': N_('Name'),
    'kind': N_('Kind'),
    'pillar': N_('Pillar'),
    'status': N_('Status'),
    'description': N_('Description'),
    'part_goals': N_('Goals'),
    'part_measures': N_('Measures'),
    'part_partners': N_('Partners'),
    'part_participation': N_('How residents take part'),
    'participation_form': N_('Form'),
    'add_goals': N_('Add a goal'),
    'add_measures': N_('Add a measure'),
    'add_partners': N_('Add a partner'),
    'add_participation': N_('Add a form of participation'),
    'change_goals': N_('Change a goal'),
    'change_measures': N_('Change a measure'),
    'change_partners': N_('Change a partner'),
    'change_participation': N_('Change participation'),
    'back_to_edit': N_('Back to editing'),
    'indicator_hint': N_('From the indicator catalog, with its unit in brackets.'),
    'chart_reference': N_('Comparison group in the chart'),
    'baseline': N_('Baseline'),
    'baseline_period': N_('Baseline year'),
    'baseline_value': N_('Baseline value'),
    'baseline_value_hint': N_('Leave empty: the value comes from the figures.'),
    'end_target': N_('End target'),
    'target_kind': N_('Kind of target'),
    'target_amount': N_('Number'),
    'target_reference': N_('Reference group'),
    'target_reference_hint': N_('Only when closing a gap.'),
    'kind_value': N_('Absolute value'),
    'kind_change_pct': N_('Change from the baseline (%)'),
    'kind_close_gap': N_('Close part of the gap to the reference group (%)'),
    'kind_way': N_('Part of the way to the end target (%)'),
    'milestones': N_('Milestones'),
    'milestone': N_('Milestone'),
    'milestones_hint': N_('Empty rows are skipped; after saving new empty rows appear.'),
    'ref_g4': N_('G4 (Amsterdam, Rotterdam, The Hague, Utrecht)'),
    'ref_gemeente': N_("the area's own municipality"),
    'ref_land': N_('The Netherlands'),
    'lead': N_('Lead partner'),
    'measure_goals': N_('Contributes to the goals'),
    'start_year': N_('Start year'),
    'end_year': N_('End year'),
    'budget': N_('Budget per year (euro)'),
    'budget_hint': N_(
        'Amounts in euro, for example 250000 or 1.250.000; empty is no budget that year.'),
    'versions_of': N_('Versions of'),
    'versions_lead': N_(
        'Every save is a version; nothing is lost. Restoring saves an old version as a '
        'new version.'),
    'current': N_('current version'),
    'restore': N_('Restore version'),
    'diff_first': N_('The plan as created'),
    'diff_against': N_('Changes against version'),
    'lines_changed': N_('lines changed'),
    'to_field': N_('Go to the field with the error'),
    'confirm_remove': _C("confirm", 'Remove'),
    'goal_charts': N_('Progress per goal'),
    'newer_versions': N_('Newer versions'),
    'older_versions': N_('Older versions'),
    'versions_count': N_('versions'),
    'no_composite_lead': N_(
        'No composite score for the {areas} in {period}: no area has all {k} domains of '
        'the yardstick ({domains}).'),
    'no_composite_shown': N_('The domain scores are shown below, without a ranking.'),
    'partial_composite_lead': N_(
        '{scored} of the {n} {areas} have a composite score (all {k} domains and at least'
        ' {min} residents); the other {rest} do not, and have no rank:'),
    'domain_missing_for': N_('{domain} is missing for {count} of the {n} {areas}'),
    'below_min_population_n': N_('{count} have fewer than {min} residents'),
    'population_unknown_n': N_('{count} have no known population'),
    'left_out_coverage': N_(
        'Left out because they have a figure for too few areas (fewer than {share}): '
        '{indicators}.'),
    'engine_detail': N_('Detail from the scoring engine'),
    'reason_missing_domains': N_('no composite: {domains} missing'),
    'reason_below_min_population': N_('no composite: fewer than {min} residents'),
    'reason_population_unknown': N_('no composite: population unknown'),
    'map_shows_domain': N_('The map therefore shows the domain score {domain}.'),
    'map_no_composite_areas': N_('{count} areas without a composite score (grey)'),
    'figure_years': N_('Year of each figure in the score'),
    'no_rank': N_('no rank'),
    'and': N_('and'),
    'national': N_('National classes (tenths of the Netherlands)'),
    'relative_methods': N_('Relative to the areas shown'),
    'national_method': N_(
        'National classes: against {group}; they stay the same when drilling down'),
    'classes_shown': N_('{n} classes over the areas shown (not national)'),
    'group_indicator': N_('all {n} {areas} of the Netherlands with a figure in {period}'),
    'group_scored': N_(
        'the {n} {areas} of the Netherlands with a composite score in {period} (the '
        "yardstick's reference group)"),
    'group_score': N_('all {n} {areas} of the Netherlands with this score in {period}'),
    'highest': N_('highest'),
    'lowest': N_('lowest'),
    'most_vulnerable': N_('most vulnerable'),
    'least_vulnerable': N_('least vulnerable'),
    'band_top': N_('{words} {share} % of the Netherlands'),
    'band_bottom': N_('{words} {share} % of the Netherlands'),
    'band_high': N_('{words} {a}–{b} %'),
    'band_low': N_('{words} {a}–{b} %'),
    'band_middle': N_('around the middle ({a}–{b} %)'),
    'all_areas_class': N_('all areas'),
    'national_values': N_('national values in this class'),
    'map_no_data': N_(
        'No data: there are no figures of {indicator} for the {areas} in {area}, in any '
        'year. Choose another indicator or level.'),
    'map_period_fallback': N_(
        'There are no figures of {indicator} for the {areas} in {area} in {requested}. '
        'The map shows {shown}, the latest year with figures.'),
    'map_colours': N_("The map's colours"),
    'about_map_classes': N_(
        "The map's colours are national: an area gets the class of its place among all "
        'areas of the same level in the Netherlands in that year (for a score: the '
        "yardstick's reference group). The legend says it in words, such as ‘highest 10 %"
        " of the Netherlands’, ‘highest 20–40 %’ or ‘around the middle’, with the class's"
        ' national values beside it. Drilling down keeps the classes: a buurt in the '
        'national top 10 % is as dark on every map. To see the contrasts within one '
        'municipality, choose a classification relative to the areas shown under '
        '‘Classification’; the legend then says those classes are not national.'),
    'about_map_periods': N_(
        'The form beside the map offers only indicators and years for which the areas '
        'shown have figures. A year without figures for them shows the latest year with '
        'figures, and says so; without any figure the page says ‘No data’ instead of '
        'showing a map.'),
    'no_data_short': N_('no data'),
    'map_shows_period': N_('The map shows {period}.'),
    'partial_failed': N_(
        'This part could not be updated (error {status}). What you see still belongs to '
        'your previous choice; reload the page.'),
    'position_axis': N_(
        'position among the areas of the same level in the Netherlands (% with a lower '
        'score; higher = more vulnerable)'),
    'among_level': N_('among the {areas}'),
    'position_note': N_(
        'Reference year {period}. Each area against the areas of its own level: {name} '
        'against all {areas}{gm}. 50 % = the middle (dashed line).'),
    'position_gm': N_(', the municipality against all municipalities'),
    'higher_than': N_('higher than {share} % of the {areas}'),
    'scale_of': N_('Scale'),
    'scale_text': N_('z-score among the {areas} of the Netherlands ({period})'),
}


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


def translate(key: str, language: str) -> str:
    """The named message ``key`` (see ``MESSAGES``) in ``language``; unknown keys as they are."""
    message = MESSAGES.get(key)
    if message is None:
        return key
    return gettext(language, message)


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


PLURAL_KEYS = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}


def plural(level: str, language: str) -> str:
    """``gemeente`` -> ``Gemeenten`` (nl) or ``Municipalities`` (en)."""
    return translate(PLURAL_KEYS.get(level, "buurten"), language)


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
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(_rounded(number, digits), format=pattern, locale=LOCALES.get(language, "nl_NL"))


def _is_number_like(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def fmt_money(value, language: str = "nl", digits: int = 0) -> str:
    """``25726.5`` -> ``€ 25.727`` (nl) or ``€25,727`` (en); blank for missing values."""
    number = _finite(value)
    if number is None:
        return ""
    pattern = "¤ #,##0" if language == "nl" else "¤#,##0"
    if digits:
        pattern += "." + "0" * digits
    return format_currency(_rounded(number, digits), "EUR", format=pattern, currency_digits=False,
                           locale=LOCALES.get(language, "nl_NL"))


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
        return format_date(value, format="long", locale=LOCALES.get(language, "nl_NL"))
    return format_datetime(value, format="d MMMM y, HH:mm",
                           locale=LOCALES.get(language, "nl_NL"))
