"""Dutch interface text with an English switch, and Dutch number formats.

Assumptions: the language comes from ``?lang=nl|en`` (which also sets a cookie) or the
``lang`` cookie, default Dutch, because the users are Dutch policy advisers. Texts are
keyed by a short English id; a missing key shows the key itself, so a forgotten
translation is visible rather than an error.
"""
from __future__ import annotations

import math

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

TEXT: dict[str, dict[str, str]] = {
    "site": {"nl": "Wijkkompas", "en": "Wijkkompas"},
    "tagline": {"nl": "Integrale meerjarige wijkaanpak: cijfers per gemeente, wijk en buurt",
                "en": "Integrated multi-year neighbourhood approach: figures per "
                      "municipality, district and neighbourhood"},
    "skip": {"nl": "Direct naar de inhoud", "en": "Skip to content"},
    "nav": {"nl": "Hoofdmenu", "en": "Main menu"},
    "map": {"nl": "Kaart", "en": "Map"},
    "profile": {"nl": "Gebiedsprofiel", "en": "Area profile"},
    "rankings": {"nl": "Ranglijst", "en": "Rankings"},
    "compare": {"nl": "Vergelijken", "en": "Compare"},
    "warning": {"nl": "Vroegsignalering", "en": "Early warning"},
    "plans": {"nl": "Plannen", "en": "Plans"},
    "about": {"nl": "Over de cijfers", "en": "About the data"},
    "language": {"nl": "Taal", "en": "Language"},
    "search": {"nl": "Zoeken", "en": "Search"},
    "search_area": {"nl": "Zoek een gebied (naam of code)",
                    "en": "Find an area (name or code)"},
    "show": {"nl": "Toon", "en": "Show"},
    "level": {"nl": "Niveau", "en": "Level"},
    "gemeente": {"nl": "Gemeente", "en": "Municipality"},
    "wijk": {"nl": "Wijk", "en": "District (wijk)"},
    "buurt": {"nl": "Buurt", "en": "Neighbourhood (buurt)"},
    "land": {"nl": "Nederland", "en": "The Netherlands"},
    "country": {"nl": "Nederland", "en": "The Netherlands"},
    "gemeenten": {"nl": "Gemeenten", "en": "Municipalities"},
    "wijken": {"nl": "Wijken", "en": "Districts"},
    "buurten": {"nl": "Buurten", "en": "Neighbourhoods"},
    "indicator": {"nl": "Indicator", "en": "Indicator"},
    "period": {"nl": "Peiljaar", "en": "Reference year"},
    "method": {"nl": "Indeling in klassen", "en": "Classification"},
    "quantiles": {"nl": "Kwantielen (gelijke aantallen)", "en": "Quantiles (equal counts)"},
    "fisher_jenks": {"nl": "Natuurlijke grenzen (Fisher-Jenks)",
                     "en": "Natural breaks (Fisher-Jenks)"},
    "equal_interval": {"nl": "Gelijke intervallen", "en": "Equal intervals"},
    "classes": {"nl": "Aantal klassen", "en": "Number of classes"},
    "within": {"nl": "Binnen", "en": "Within"},
    "all_nl": {"nl": "heel Nederland", "en": "all of the Netherlands"},
    "vulnerability": {"nl": "Kwetsbaarheid (samengesteld)", "en": "Vulnerability (composite)"},
    "domain_score": {"nl": "Domeinscore", "en": "Domain score"},
    "scores": {"nl": "Scores", "en": "Scores"},
    "value": {"nl": "Waarde", "en": "Value"},
    "no_value": {"nl": "geen cijfer", "en": "no figure"},
    "suppressed": {"nl": "geheim (CBS)", "en": "suppressed (CBS)"},
    "legend": {"nl": "Legenda", "en": "Legend"},
    "reference_area": {"nl": "Referentiegebied", "en": "Reference area"},
    "boundaries": {"nl": "Grenzen", "en": "Boundaries"},
    "figures_on": {"nl": "cijfers op indeling", "en": "figures on boundaries of"},
    "darker_worse": {"nl": "donkerder = ongunstiger", "en": "darker = less favourable"},
    "darker_higher": {"nl": "donkerder = hoger", "en": "darker = higher"},
    "matched": {"nl": "op de kaart", "en": "on the map"},
    "not_on_map": {"nl": "zonder grens op de kaart", "en": "without a boundary on the map"},
    "drill_hint": {"nl": "Klik op een gebied om in te zoomen naar het niveau eronder; "
                         "de tabel onder de kaart bevat dezelfde cijfers.",
                   "en": "Click an area to drill down to the level below; the table "
                         "under the map holds the same figures."},
    "map_label": {"nl": "Kaart", "en": "Map"},
    "table_of_map": {"nl": "De cijfers van de kaart", "en": "The figures on the map"},
    "area": {"nl": "Gebied", "en": "Area"},
    "code": {"nl": "Code", "en": "Code"},
    "class": {"nl": "Klasse", "en": "Class"},
    "rank": {"nl": "Rang", "en": "Rank"},
    "flags": {"nl": "Signalen", "en": "Flags"},
    "flagged_domains": {"nl": "Gesignaleerde domeinen", "en": "Flagged domains"},
    "population": {"nl": "Inwoners", "en": "Residents"},
    "reliability": {"nl": "Betrouwbaarheid", "en": "Reliability"},
    "reliable": {"nl": "betrouwbaar", "en": "reliable"},
    "unreliable": {"nl": "te weinig inwoners", "en": "too few residents"},
    "unknown": {"nl": "onbekend", "en": "unknown"},
    "source": {"nl": "Bron", "en": "Source"},
    "sources": {"nl": "Bronnen", "en": "Sources"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "definition": {"nl": "Definitie", "en": "Definition"},
    "domain": {"nl": "Domein", "en": "Domain"},
    "direction": {"nl": "Richting", "en": "Direction"},
    "higher_is_better": {"nl": "hoger is gunstiger", "en": "higher is better"},
    "higher_is_worse": {"nl": "hoger is ongunstiger", "en": "higher is worse"},
    "neutral": {"nl": "neutraal", "en": "neutral"},
    "perspective": {"nl": "Perspectief", "en": "Perspective"},
    "objective": {"nl": "objectief (registratie)", "en": "objective (registration)"},
    "subjective": {"nl": "subjectief (beleving)", "en": "subjective (residents' answers)"},
    "vintage": {"nl": "Indeling", "en": "Boundary vintage"},
    "licence": {"nl": "Licentie", "en": "Licence"},
    "publisher": {"nl": "Uitgever", "en": "Publisher"},
    "download_csv": {"nl": "Download als CSV", "en": "Download as CSV"},
    "print": {"nl": "Afdrukken", "en": "Print"},
    "trend": {"nl": "Ontwikkeling door de jaren", "en": "Trend over the years"},
    "all_figures": {"nl": "Alle cijfers", "en": "All figures"},
    "domain_scores": {"nl": "Domeinscores", "en": "Domain scores"},
    "neighbours": {"nl": "Buurgebieden", "en": "Neighbouring areas"},
    "peers": {"nl": "Vergelijkbare gebieden", "en": "Similar areas (peers)"},
    "transitions": {"nl": "Stijgers en dalers", "en": "Climbers and fallers"},
    "warning_reasons": {"nl": "Signalen voor vroegsignalering", "en": "Early-warning signals"},
    "not_available": {"nl": "Nog niet beschikbaar in deze versie.",
                      "en": "Not available yet in this version."},
    "this_area": {"nl": "Dit gebied", "en": "This area"},
    "its_gemeente": {"nl": "Gemeente", "en": "Municipality"},
    "higher_more_vulnerable": {
        "nl": "Hoger = kwetsbaarder. 0 is het gemiddelde van alle gebieden van dit niveau "
              "in Nederland (z-score).",
        "en": "Higher = more vulnerable. 0 is the average of all areas of this level in the "
              "Netherlands (z-score)."},
    "no_scores": {"nl": "Voor dit gebied zijn geen scores berekend.",
                  "en": "No scores were computed for this area."},
    "compare_pick": {"nl": "Kies twee tot vijf gebieden (naam of code)",
                     "en": "Choose two to five areas (name or code)"},
    "add": {"nl": "Toevoegen", "en": "Add"},
    "remove": {"nl": "Verwijder", "en": "Remove"},
    "filter": {"nl": "Filter", "en": "Filter"},
    "apply": {"nl": "Toepassen", "en": "Apply"},
    "sort_by": {"nl": "Sorteer op", "en": "Sort by"},
    "results": {"nl": "resultaten", "en": "results"},
    "page": {"nl": "Pagina", "en": "Page"},
    "previous": {"nl": "Vorige", "en": "Previous"},
    "next": {"nl": "Volgende", "en": "Next"},
    "none": {"nl": "Geen", "en": "None"},
    "error": {"nl": "Foutmelding", "en": "Error"},
    "not_found": {"nl": "Niet gevonden", "en": "Not found"},
    "bad_request": {"nl": "Ongeldige vraag", "en": "Invalid request"},
    "back_home": {"nl": "Naar de kaart", "en": "Back to the map"},
    "chart_table": {"nl": "Tabel bij de grafiek", "en": "Table for the chart"},
    "year": {"nl": "Jaar", "en": "Year"},
    "estimated": {"nl": "geschat", "en": "estimated"},
    "reasons": {"nl": "Redenen", "en": "Reasons"},
    "api_docs": {"nl": "API-documentatie (OpenAPI)", "en": "API documentation (OpenAPI)"},
    "libraries": {"nl": "Gebruikte software", "en": "Software used"},
    "indicators": {"nl": "Indicatoren", "en": "Indicators"},
    "figures": {"nl": "Cijfers", "en": "Figures"},
    "years": {"nl": "Jaren", "en": "Years"},
    "areas": {"nl": "Gebieden", "en": "Areas"},
    "open_profile": {"nl": "Open het profiel", "en": "Open the profile"},
    "drill_down": {"nl": "Zoom in", "en": "Drill down"},
    # accounts (issue 7): own account, administration, OpenID Connect
    "account": {"nl": "Account", "en": "Account"},
    "my_account": {"nl": "Mijn account", "en": "My account"},
    "admin": {"nl": "Beheer", "en": "Administration"},
    "users": {"nl": "Gebruikers", "en": "Users"},
    "username": {"nl": "Gebruikersnaam", "en": "Username"},
    "display_name": {"nl": "Naam", "en": "Name"},
    "organisation": {"nl": "Organisatie", "en": "Organisation"},
    "role": {"nl": "Rol", "en": "Role"},
    "editor": {"nl": "Bewerker", "en": "Editor"},
    "viewer": {"nl": "Lezer", "en": "Viewer"},
    "administrator": {"nl": "Beheerder", "en": "Administrator"},
    "active": {"nl": "Actief", "en": "Active"},
    "inactive": {"nl": "Gedeactiveerd", "en": "Deactivated"},
    "yes": {"nl": "ja", "en": "yes"},
    "no": {"nl": "nee", "en": "no"},
    "plan": {"nl": "Plan", "en": "Plan"},
    "my_plans": {"nl": "Mijn plannen", "en": "My plans"},
    "no_roles": {"nl": "U heeft nog geen rol bij een plan. Openbare plannen kunt u wel lezen.",
                 "en": "You have no role on any plan yet. You can read public plans."},
    "admin_all_plans": {"nl": "Als beheerder mag u alle plannen lezen en wijzigen.",
                        "en": "As an administrator you may read and change every plan."},
    "change_password": {"nl": "Wachtwoord wijzigen", "en": "Change password"},
    "current_password": {"nl": "Huidig wachtwoord", "en": "Current password"},
    "new_password": {"nl": "Nieuw wachtwoord", "en": "New password"},
    "repeat_password": {"nl": "Nieuw wachtwoord nogmaals", "en": "New password again"},
    "password": {"nl": "Wachtwoord", "en": "Password"},
    "password_hint": {"nl": "Minstens 10 tekens. Een zin van een paar woorden is sterk en "
                            "goed te onthouden.",
                      "en": "At least 10 characters. A sentence of a few words is strong and "
                            "easy to remember."},
    "password_short": {"nl": "Het nieuwe wachtwoord is korter dan 10 tekens.",
                       "en": "The new password is shorter than 10 characters."},
    "password_mismatch": {"nl": "De twee nieuwe wachtwoorden zijn niet gelijk.",
                          "en": "The two new passwords are not the same."},
    "password_wrong": {"nl": "Het huidige wachtwoord klopt niet.",
                       "en": "The current password is not right."},
    "password_changed": {"nl": "Uw wachtwoord is gewijzigd. Op andere apparaten bent u "
                               "uitgelogd.",
                         "en": "Your password has been changed. You have been logged out on "
                               "other devices."},
    "no_password_oidc": {"nl": "U logt in via uw organisatie; u heeft hier geen wachtwoord.",
                         "en": "You log in through your organisation; you have no password "
                               "here."},
    "too_many_attempts": {"nl": "Te veel mislukte pogingen; probeer het over enkele minuten "
                                "opnieuw.",
                          "en": "Too many failed attempts; try again in a few minutes."},
    "logout_everywhere": {"nl": "Overal uitloggen", "en": "Log out everywhere"},
    "logout_everywhere_text": {"nl": "Beëindigt al uw sessies, op elk apparaat, ook deze. "
                                     "Doe dit als u uw wachtwoord op een gedeelde computer "
                                     "heeft gebruikt of een apparaat kwijt bent.",
                               "en": "Ends all your sessions, on every device, this one "
                                     "too. Do this if you used your password on a shared "
                                     "computer or lost a device."},
    "new_user": {"nl": "Nieuwe gebruiker", "en": "New user"},
    "initial_password": {"nl": "Eerste wachtwoord", "en": "Initial password"},
    "create": {"nl": "Aanmaken", "en": "Create"},
    "user_created": {"nl": "De gebruiker is aangemaakt.", "en": "The user has been created."},
    "user_exists": {"nl": "Die gebruikersnaam bestaat al.", "en": "That username exists already."},
    "username_invalid": {"nl": "Een gebruikersnaam heeft 1 tot 100 tekens en geen spaties.",
                         "en": "A username has 1 to 100 characters and no spaces."},
    "reset_password": {"nl": "Wachtwoord opnieuw instellen", "en": "Reset password"},
    "password_reset": {"nl": "Het wachtwoord is ingesteld; de gebruiker is overal "
                             "uitgelogd.",
                       "en": "The password has been set; the user has been logged out "
                             "everywhere."},
    "deactivate": {"nl": "Deactiveren", "en": "Deactivate"},
    "activate": {"nl": "Activeren", "en": "Activate"},
    "make_admin": {"nl": "Beheerder maken", "en": "Make administrator"},
    "unmake_admin": {"nl": "Beheerrecht intrekken", "en": "Remove administrator right"},
    "saved": {"nl": "Opgeslagen.", "en": "Saved."},
    "not_yourself": {"nl": "U kunt uw eigen beheerrecht niet intrekken en uzelf niet "
                           "deactiveren; laat een andere beheerder dat doen.",
                     "en": "You cannot remove your own administrator right or deactivate "
                           "yourself; ask another administrator."},
    "plan_roles": {"nl": "Rollen bij plannen", "en": "Roles on plans"},
    "grant": {"nl": "Rol geven", "en": "Grant role"},
    "revoke": {"nl": "Intrekken", "en": "Revoke"},
    "through_organisation": {"nl": "via de organisatie", "en": "through the organisation"},
    "organisation_roles": {"nl": "Rollen van organisaties", "en": "Roles of organisations"},
    "organisation_hint": {"nl": "Precies zoals bij de gebruikers ingevuld; elke actieve "
                                "gebruiker van die organisatie krijgt de rol.",
                          "en": "Exactly as filled in for the users; every active user of "
                                "that organisation gets the role."},
    "visibility": {"nl": "Zichtbaarheid", "en": "Visibility"},
    "public": {"nl": "Openbaar (iedereen)", "en": "Public (everyone)"},
    "private": {"nl": "Besloten (alleen met een rol)", "en": "Private (only with a role)"},
    "unknown_user": {"nl": "Die gebruiker bestaat niet.", "en": "That user does not exist."},
    "unknown_plan": {"nl": "Dat plan bestaat niet.", "en": "That plan does not exist."},
    "organisation_invalid": {"nl": "Vul een organisatie in (hoogstens 200 tekens).",
                             "en": "Fill in an organisation (at most 200 characters)."},
    "role_invalid": {"nl": "Kies de rol bewerker of lezer.", "en": "Choose the role editor or viewer."},
    "visibility_invalid": {"nl": "Kies openbaar of besloten.", "en": "Choose public or private."},
    "choose": {"nl": "Kies", "en": "Choose"},
    "back_to_users": {"nl": "Terug naar de gebruikers", "en": "Back to the users"},
    "login_via": {"nl": "Inloggen via", "en": "Log in with"},
    "oidc_failed": {"nl": "Inloggen via de identiteitsprovider is mislukt", "en":
                    "Logging in with the identity provider failed"},
    "deactivated": {"nl": "Uw account is gedeactiveerd. Neem contact op met de "
                               "beheerder.",
                         "en": "Your account has been deactivated. Contact the "
                               "administrator."},
}


def translate(key: str, language: str) -> str:
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(language) or entry.get(DEFAULT_LANGUAGE) or key


def pick_language(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def fmt_number(value, language: str = "nl", digits: int = 1) -> str:
    """``1234.5`` -> ``1.234,5`` (nl) or ``1,234.5`` (en); blank for missing values.

    Large counts lose their decimals when ``digits`` is None (0 for integers).
    """
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number) or math.isinf(number):
        return ""
    if digits is None:
        digits = 0 if number.is_integer() else (1 if abs(number) >= 10 else 2)
    text = f"{number:,.{digits}f}"
    if language == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text
