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
    "postcode": {"nl": "Postcode", "en": "Postcode"},
    "postcode_in": {"nl": "ligt in", "en": "lies in"},
    "postcode_unknown": {"nl": "Deze postcode bestaat niet of heeft geen gebied op de "
                               "postcodekaart van CBS (2020).",
                         "en": "This postcode does not exist or has no area on CBS's "
                               "postcode map (2020)."},
    "postcode_share": {"nl": "aandeel van de oppervlakte van de postcode in elk gebied "
                                "(inwoners zijn binnen een postcode niet bekend)",
                       "en": "share of the postcode's area in each area (residents are not "
                             "known within a postcode)"},
    "boundaries_of": {"nl": "grenzen", "en": "boundaries"},
    "page": {"nl": "Pagina", "en": "Page"},
    "previous": {"nl": "Vorige", "en": "Previous"},
    "next": {"nl": "Volgende", "en": "Next"},
    "none": {"nl": "Geen", "en": "None"},
    "error": {"nl": "Foutmelding", "en": "Error"},
    "not_found": {"nl": "Niet gevonden", "en": "Not found"},
    "bad_request": {"nl": "Ongeldige vraag", "en": "Invalid request"},
    "unavailable": {"nl": "Tijdelijk niet beschikbaar", "en": "Temporarily unavailable"},
    "server_error": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    "database_unavailable": {
        "nl": "De gegevens zijn nu niet te lezen of te schrijven (de database is niet "
              "beschikbaar). Probeer het later opnieuw; de beheerder vindt de oorzaak in "
              "het logboek.",
        "en": "The data cannot be read or written now (the database is not available). "
              "Try again later; the administrator finds the cause in the log."},
    "unexpected_error": {
        "nl": "Er ging iets mis aan onze kant. De beheerder vindt de oorzaak in het "
              "logboek.",
        "en": "Something went wrong on our side. The administrator finds the cause in "
              "the log."},
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
    # plan editing (issue 7)
    "new_plan": {"nl": "Nieuw plan", "en": "New plan"},
    "new_plan_lead": {"nl": "Kies het plangebied op de kaart of in de lijst, en geef het plan "
                            "een id, titel en looptijd. Het plan is eerst alleen voor u "
                            "zichtbaar; u bent de redacteur.",
                      "en": "Pick the plan area on the map or in the list, and give the plan "
                            "an id, title and horizon. The plan is private at first; you are "
                            "its editor."},
    "pick_gemeente": {"nl": "Kies de gemeente en het niveau", "en": "Choose the municipality "
                                                                   "and the level"},
    "show_areas": {"nl": "Toon gebieden", "en": "Show areas"},
    "pick_map": {"nl": "Kaart om het plangebied te kiezen", "en": "Map to pick the plan area"},
    "pick_hint": {"nl": "Klik op een gebied om het aan het plangebied toe te voegen of eruit "
                        "te halen. De lijst ernaast doet hetzelfde met het toetsenbord.",
                  "en": "Click an area to add it to or remove it from the plan area. The "
                        "list beside it does the same with the keyboard."},
    "pick_list": {"nl": "kies de gebieden van het plan", "en": "choose the plan's areas"},
    "pick_filter": {"nl": "Zoek in de lijst", "en": "Search the list"},
    "pick_none": {"nl": "Geen gebieden van dit niveau en deze indeling in deze gemeente.",
                  "en": "No areas of this level and vintage in this municipality."},
    "codes_typed": {"nl": "Of typ de gebiedscodes", "en": "Or type the area codes"},
    "codes_hint": {"nl": "Wijk- of buurtcodes van CBS, gescheiden door spaties of komma's "
                         "(bijvoorbeeld WK051836 WK051833).",
                   "en": "CBS wijk or buurt codes, separated by spaces or commas (for "
                         "example WK051836 WK051833)."},
    "plan_general": {"nl": "Algemeen", "en": "General"},
    "plan_id": {"nl": "Id van het plan", "en": "Plan id"},
    "id_hint": {"nl": "Kleine letters, cijfers, - en _ (bijvoorbeeld zuidwest-2030); wordt "
                      "deel van het webadres.",
                "en": "Lower-case letters, digits, - and _ (for example zuidwest-2030); "
                      "becomes part of the web address."},
    "plan_title": {"nl": "Titel van het plan", "en": "Plan title"},
    "area_name": {"nl": "Naam van het plangebied", "en": "Name of the plan area"},
    "area_name_hint": {"nl": "Bijvoorbeeld Den Haag Zuidwest.",
                       "en": "For example Den Haag Zuidwest."},
    "plan_area": {"nl": "Plangebied", "en": "Plan area"},
    "codes_other": {"nl": "Andere gebiedscodes van het plangebied",
                    "en": "Other area codes of the plan area"},
    "horizon_start": {"nl": "Beginjaar", "en": "First year"},
    "horizon_end": {"nl": "Eindjaar", "en": "Last year"},
    "create_plan": {"nl": "Plan aanmaken", "en": "Create plan"},
    "cancel": {"nl": "Annuleren", "en": "Cancel"},
    "save": {"nl": "Opslaan", "en": "Save"},
    "required": {"nl": "verplicht", "en": "required"},
    "edit_plan": {"nl": "Plan bewerken", "en": "Edit plan"},
    "to_plan": {"nl": "Naar het plan", "en": "To the plan"},
    "versions_link": {"nl": "Versies en wijzigingen", "en": "Versions and changes"},
    "version": {"nl": "Versie", "en": "Version"},
    "saved_as": {"nl": "Opgeslagen als versie", "en": "Saved as version"},
    "vision": {"nl": "Visie", "en": "Vision"},
    "not_saved": {"nl": "Het plan is niet opgeslagen", "en": "The plan was not saved"},
    "conflict_title": {"nl": "Iemand anders heeft het plan intussen gewijzigd",
                       "en": "Someone else changed the plan in the meantime"},
    "conflict_who": {"nl": "Uw formulier was gebaseerd op een oudere versie. Opgeslagen als "
                           "versie", "en": "Your form was based on an older version. Saved as "
                                            "version"},
    "conflict_kept": {"nl": "Uw invoer staat hieronder nog. Verstuur het formulier opnieuw om "
                            "uw invoer op de huidige versie toe te passen, of gooi uw invoer weg.",
                      "en": "Your input is still below. Send the form again to apply it to the "
                            "current version, or discard your input."},
    "conflict_see": {"nl": "Bekijk wat er veranderd is", "en": "See what changed"},
    "conflict_discard": {"nl": "Mijn invoer weggooien", "en": "Discard my input"},
    "conflict_apply": {"nl": "Toepassen op de huidige versie", "en": "Apply to the current version"},
    "actions": {"nl": "Acties", "en": "Actions"},
    "change": {"nl": "Wijzig", "en": "Change"},
    "title": {"nl": "Titel", "en": "Title"},
    "name": {"nl": "Naam", "en": "Name"},
    "kind": {"nl": "Soort", "en": "Kind"},
    "pillar": {"nl": "Pijler", "en": "Pillar"},
    "status": {"nl": "Status", "en": "Status"},
    "description": {"nl": "Beschrijving", "en": "Description"},
    "part_goals": {"nl": "Doelen", "en": "Goals"},
    "part_measures": {"nl": "Maatregelen", "en": "Measures"},
    "part_partners": {"nl": "Partners", "en": "Partners"},
    "part_participation": {"nl": "Zo doen bewoners mee", "en": "How residents take part"},
    "participation_form": {"nl": "Vorm", "en": "Form"},
    "add_goals": {"nl": "Doel toevoegen", "en": "Add a goal"},
    "add_measures": {"nl": "Maatregel toevoegen", "en": "Add a measure"},
    "add_partners": {"nl": "Partner toevoegen", "en": "Add a partner"},
    "add_participation": {"nl": "Vorm van bewonersdeelname toevoegen",
                          "en": "Add a form of participation"},
    "change_goals": {"nl": "Doel wijzigen", "en": "Change a goal"},
    "change_measures": {"nl": "Maatregel wijzigen", "en": "Change a measure"},
    "change_partners": {"nl": "Partner wijzigen", "en": "Change a partner"},
    "change_participation": {"nl": "Bewonersdeelname wijzigen", "en": "Change participation"},
    "back_to_edit": {"nl": "Terug naar bewerken", "en": "Back to editing"},
    "indicator_hint": {"nl": "Uit de indicatorencatalogus, met de eenheid tussen haakjes.",
                       "en": "From the indicator catalog, with its unit in brackets."},
    "chart_reference": {"nl": "Vergelijkingsgroep in de grafiek", "en": "Comparison group in "
                                                                        "the chart"},
    "baseline": {"nl": "Nulmeting", "en": "Baseline"},
    "baseline_period": {"nl": "Jaar van de nulmeting", "en": "Baseline year"},
    "baseline_value": {"nl": "Waarde van de nulmeting", "en": "Baseline value"},
    "baseline_value_hint": {"nl": "Leeg laten: de waarde komt uit de cijfers.",
                            "en": "Leave empty: the value comes from the figures."},
    "end_target": {"nl": "Einddoel", "en": "End target"},
    "target_kind": {"nl": "Soort doel", "en": "Kind of target"},
    "target_amount": {"nl": "Getal", "en": "Number"},
    "target_reference": {"nl": "Referentiegroep", "en": "Reference group"},
    "target_reference_hint": {"nl": "Alleen bij achterstand inlopen.",
                              "en": "Only when closing a gap."},
    "kind_value": {"nl": "Absolute waarde", "en": "Absolute value"},
    "kind_change_pct": {"nl": "Verandering t.o.v. de nulmeting (%)",
                        "en": "Change from the baseline (%)"},
    "kind_close_gap": {"nl": "Deel van de achterstand op de referentiegroep inlopen (%)",
                       "en": "Close part of the gap to the reference group (%)"},
    "kind_way": {"nl": "Deel van de weg naar het einddoel (%)",
                 "en": "Part of the way to the end target (%)"},
    "milestones": {"nl": "Tussendoelen", "en": "Milestones"},
    "milestone": {"nl": "Tussendoel", "en": "Milestone"},
    "milestones_hint": {"nl": "Lege regels worden overgeslagen; na opslaan komen er nieuwe "
                              "lege regels bij.",
                        "en": "Empty rows are skipped; after saving new empty rows appear."},
    "ref_g4": {"nl": "G4 (Amsterdam, Rotterdam, Den Haag, Utrecht)",
               "en": "G4 (Amsterdam, Rotterdam, The Hague, Utrecht)"},
    "ref_gemeente": {"nl": "de eigen gemeente", "en": "the area's own municipality"},
    "ref_land": {"nl": "Nederland", "en": "The Netherlands"},
    "lead": {"nl": "Trekker", "en": "Lead partner"},
    "measure_goals": {"nl": "Draagt bij aan de doelen", "en": "Contributes to the goals"},
    "start_year": {"nl": "Startjaar", "en": "Start year"},
    "end_year": {"nl": "Eindjaar", "en": "End year"},
    "budget": {"nl": "Budget per jaar (euro)", "en": "Budget per year (euro)"},
    "budget_hint": {"nl": "Bedragen in euro, bijvoorbeeld 250000 of 1.250.000; leeg is geen "
                          "budget in dat jaar.",
                    "en": "Amounts in euro, for example 250000 or 1.250.000; empty is no "
                          "budget that year."},
    "versions_of": {"nl": "Versies van", "en": "Versions of"},
    "versions_lead": {"nl": "Elke opslag is een versie; niets gaat verloren. Terugzetten "
                            "slaat een oude versie op als nieuwe versie.",
                      "en": "Every save is a version; nothing is lost. Restoring saves an old "
                            "version as a new version."},
    "current": {"nl": "huidige versie", "en": "current version"},
    "restore": {"nl": "Zet terug: versie", "en": "Restore version"},
    "diff_first": {"nl": "Het plan zoals het is aangemaakt", "en": "The plan as created"},
    "diff_against": {"nl": "Wijzigingen ten opzichte van versie",
                     "en": "Changes against version"},
    "lines_changed": {"nl": "regels gewijzigd", "en": "lines changed"},
    "to_field": {"nl": "Naar het veld met de fout", "en": "Go to the field with the error"},
    "confirm_remove": {"nl": "Verwijderen", "en": "Remove"},
    "goal_charts": {"nl": "Voortgang per doel", "en": "Progress per goal"},
    "newer_versions": {"nl": "Nieuwere versies", "en": "Newer versions"},
    "older_versions": {"nl": "Oudere versies", "en": "Older versions"},
    "versions_count": {"nl": "versies", "en": "versions"},
    # one yardstick (issue 13): why an area, or a whole level and period, has no composite
    "no_composite_lead": {
        "nl": "Geen samengestelde score voor de {areas} in {period}: geen enkel gebied heeft "
              "alle {k} domeinen van de maatstaf ({domains}).",
        "en": "No composite score for the {areas} in {period}: no area has all {k} domains "
              "of the yardstick ({domains})."},
    "no_composite_shown": {"nl": "Hieronder staan de domeinscores, zonder rangorde.",
                           "en": "The domain scores are shown below, without a ranking."},
    "partial_composite_lead": {
        "nl": "{scored} van de {n} {areas} hebben een samengestelde score (alle {k} domeinen "
              "en minstens {min} inwoners); de andere {rest} niet, en hebben geen rang:",
        "en": "{scored} of the {n} {areas} have a composite score (all {k} domains and at "
              "least {min} residents); the other {rest} do not, and have no rank:"},
    "domain_missing_for": {"nl": "{domain} ontbreekt bij {count} van de {n} {areas}",
                           "en": "{domain} is missing for {count} of the {n} {areas}"},
    "below_min_population_n": {"nl": "{count} hebben minder dan {min} inwoners",
                               "en": "{count} have fewer than {min} residents"},
    "population_unknown_n": {"nl": "{count} hebben geen bekend inwonertal",
                             "en": "{count} have no known population"},
    "left_out_coverage": {
        "nl": "Niet meegenomen omdat ze voor te weinig gebieden een cijfer hebben (minder dan "
              "{share}): {indicators}.",
        "en": "Left out because they have a figure for too few areas (fewer than {share}): "
              "{indicators}."},
    "engine_detail": {"nl": "Toelichting van de rekenkern (Engels)",
                      "en": "Detail from the scoring engine"},
    "reason_missing_domains": {"nl": "geen samengestelde score: {domains} ontbreekt",
                               "en": "no composite: {domains} missing"},
    "reason_below_min_population": {
        "nl": "geen samengestelde score: minder dan {min} inwoners",
        "en": "no composite: fewer than {min} residents"},
    "reason_population_unknown": {"nl": "geen samengestelde score: inwonertal onbekend",
                                  "en": "no composite: population unknown"},
    "map_shows_domain": {"nl": "De kaart toont daarom de domeinscore {domain}.",
                         "en": "The map therefore shows the domain score {domain}."},
    "map_no_composite_areas": {"nl": "{count} gebieden zonder samengestelde score (grijs)",
                               "en": "{count} areas without a composite score (grey)"},
    "figure_years": {"nl": "Jaar van elk cijfer in de score",
                     "en": "Year of each figure in the score"},
    "no_rank": {"nl": "geen rang", "en": "no rank"},
    "and": {"nl": "en", "en": "and"},
    # the map tells what it shows (issue 17): national classes, no silent stale map
    "national": {"nl": "Landelijke klassen (tienden van Nederland)",
                 "en": "National classes (tenths of the Netherlands)"},
    "relative_methods": {"nl": "Ten opzichte van de getoonde gebieden",
                         "en": "Relative to the areas shown"},
    "national_method": {
        "nl": "Landelijke klassen: ten opzichte van {group}; ze blijven gelijk bij inzoomen",
        "en": "National classes: against {group}; they stay the same when drilling down"},
    "classes_shown": {"nl": "{n} klassen over de getoonde gebieden (niet landelijk)",
                      "en": "{n} classes over the areas shown (not national)"},
    "group_indicator": {"nl": "alle {n} {areas} van Nederland met een cijfer in {period}",
                        "en": "all {n} {areas} of the Netherlands with a figure in {period}"},
    "group_scored": {"nl": "de {n} {areas} van Nederland met een samengestelde score in "
                           "{period} (de referentiegroep van de maatstaf)",
                     "en": "the {n} {areas} of the Netherlands with a composite score in "
                           "{period} (the yardstick's reference group)"},
    "group_score": {"nl": "alle {n} {areas} van Nederland met deze score in {period}",
                    "en": "all {n} {areas} of the Netherlands with this score in {period}"},
    "highest": {"nl": "hoogste", "en": "highest"},
    "lowest": {"nl": "laagste", "en": "lowest"},
    "most_vulnerable": {"nl": "kwetsbaarste", "en": "most vulnerable"},
    "least_vulnerable": {"nl": "minst kwetsbare", "en": "least vulnerable"},
    "band_top": {"nl": "{share} % {words} van Nederland",
                 "en": "{words} {share} % of the Netherlands"},
    "band_bottom": {"nl": "{share} % {words} van Nederland",
                    "en": "{words} {share} % of the Netherlands"},
    "band_high": {"nl": "{a}–{b} % {words}", "en": "{words} {a}–{b} %"},
    "band_low": {"nl": "{a}–{b} % {words}", "en": "{words} {a}–{b} %"},
    "band_middle": {"nl": "rond het midden ({a}–{b} %)", "en": "around the middle ({a}–{b} %)"},
    "all_areas_class": {"nl": "alle gebieden", "en": "all areas"},
    "national_values": {"nl": "landelijke waarden in deze klasse",
                        "en": "national values in this class"},
    "map_no_data": {
        "nl": "Geen gegevens: voor {indicator} zijn er geen cijfers van de {areas} in {area}, "
              "in geen enkel jaar. Kies een andere indicator of een ander niveau.",
        "en": "No data: there are no figures of {indicator} for the {areas} in {area}, in "
              "any year. Choose another indicator or level."},
    "map_period_fallback": {
        "nl": "Voor {requested} zijn er geen cijfers van {indicator} voor de {areas} in "
              "{area}. De kaart toont {shown}, het laatste jaar met cijfers.",
        "en": "There are no figures of {indicator} for the {areas} in {area} in "
              "{requested}. The map shows {shown}, the latest year with figures."},
    "map_colours": {"nl": "De kleuren van de kaart", "en": "The map's colours"},
    "about_map_classes": {
        "nl": "De kleuren van de kaart zijn landelijk: een gebied krijgt de klasse van zijn "
              "plaats tussen alle gebieden van hetzelfde niveau in Nederland in dat jaar (bij "
              "een score: de referentiegroep van de maatstaf). De legenda zegt het in woorden, "
              "zoals \u201810 % hoogste van Nederland\u2019, \u201820\u201340 % hoogste\u2019 "
              "of \u2018rond het midden\u2019, met de landelijke waarden van de klasse "
              "erachter. Bij inzoomen blijven de klassen hetzelfde: een buurt die landelijk "
              "bij de 10 % hoogste hoort, is op elke kaart even donker. Wie de verschillen "
              "binnen een gemeente wil zien, kiest onder \u2018Indeling in klassen\u2019 een "
              "indeling ten opzichte van de getoonde gebieden; de legenda zegt dan dat die "
              "klassen niet landelijk zijn.",
        "en": "The map's colours are national: an area gets the class of its place among all "
              "areas of the same level in the Netherlands in that year (for a score: the "
              "yardstick's reference group). The legend says it in words, such as \u2018highest "
              "10 % of the Netherlands\u2019, \u2018highest 20\u201340 %\u2019 or "
              "\u2018around the middle\u2019, with the class's national values beside it. "
              "Drilling down keeps the classes: a buurt in the national top 10 % is as dark "
              "on every map. To see the contrasts within one municipality, choose a "
              "classification relative to the areas shown under \u2018Classification\u2019; "
              "the legend then says those classes are not national."},
    "about_map_periods": {
        "nl": "Het formulier bij de kaart biedt alleen indicatoren en jaren aan waarvoor de "
              "getoonde gebieden cijfers hebben. Kiest u een jaar zonder cijfers voor die "
              "gebieden, dan toont de kaart het laatste jaar met cijfers en zegt dat; zonder "
              "enig cijfer staat er \u2018Geen gegevens\u2019 in plaats van een kaart.",
        "en": "The form beside the map offers only indicators and years for which the areas "
              "shown have figures. A year without figures for them shows the latest year "
              "with figures, and says so; without any figure the page says \u2018No data\u2019 "
              "instead of showing a map."},
    "no_data_short": {"nl": "geen gegevens", "en": "no data"},
    "map_shows_period": {"nl": "De kaart toont {period}.", "en": "The map shows {period}."},
    "partial_failed": {
        "nl": "Dit onderdeel kon niet worden bijgewerkt (fout {status}). Wat u ziet, hoort "
              "nog bij uw vorige keuze; laad de pagina opnieuw.",
        "en": "This part could not be updated (error {status}). What you see still belongs "
              "to your previous choice; reload the page."},
    # scores against their own level (issue 17): never a gemeente on the wijk axis
    "position_axis": {"nl": "positie onder de gebieden van het eigen niveau in Nederland "
                            "(% met een lagere score; hoger = kwetsbaarder)",
                      "en": "position among the areas of the same level in the Netherlands "
                            "(% with a lower score; higher = more vulnerable)"},
    "among_level": {"nl": "onder de {areas}", "en": "among the {areas}"},
    "position_note": {
        "nl": "Peiljaar {period}. Elk gebied staat tegenover de gebieden van zijn eigen "
              "niveau: {name} tegenover alle {areas}{gm}. 50 % = het midden (stippellijn).",
        "en": "Reference year {period}. Each area against the areas of its own level: "
              "{name} against all {areas}{gm}. 50 % = the middle (dashed line)."},
    "position_gm": {"nl": ", de gemeente tegenover alle gemeenten",
                    "en": ", the municipality against all municipalities"},
    "higher_than": {"nl": "hoger dan {share} % van de {areas}",
                    "en": "higher than {share} % of the {areas}"},
    "scale_of": {"nl": "Schaal", "en": "Scale"},
    "scale_text": {"nl": "z-score onder de {areas} van Nederland ({period})",
                   "en": "z-score among the {areas} of the Netherlands ({period})"},
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


def fmt_number(value, language: str = "nl", digits: int | None = 1) -> str:
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
