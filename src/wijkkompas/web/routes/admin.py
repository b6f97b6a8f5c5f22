"""Administration (``/beheer/...``, admins only): users (create, reset a password,
(de)activate, make or unmake admin, their plan roles) and plans (visibility, roles of
organisations).

Anonymous visitors are sent to the login page, logged-in users who are not admins get
403 (:data:`wijkkompas.web.auth.Admin`). Every change is a POST with the CSRF token,
answered with a redirect to the page it came from (POST-redirect-GET) that says what was
done through a fixed word in the query (``?gedaan=...``): no text travels in the URL. A
refused change shows the page again with the reason and status 422. An admin cannot
deactivate themselves or take their own admin right: the last admin could otherwise lock
everyone out of this page.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...plans.accounts import MIN_PASSWORD_LENGTH, ROLES, VISIBILITIES, AccountError
from .. import views
from ..auth import ROLE_NAMES, VISIBILITY_NAMES, Admin, accounts_of
from ..deps import DataDep, LangDep, render
from ..errors import NotFound
from ..i18n import N_, gettext
from .account import message_of
from .plans import PlanId

router = APIRouter(include_in_schema=False)
Username = Annotated[str, Path(max_length=100)]
Field = Annotated[str, Form(max_length=200)]
DONE = {"aangemaakt": N_("The user has been created."),
        "wachtwoord": N_("The password has been set; the user has been logged out everywhere."),
        "opgeslagen": N_("Saved.")}
USERS = "/beheer/gebruikers"
PLANS = "/beheer/plannen"


def _done(gedaan: str | None, lang: str) -> str | None:
    return gettext(lang, DONE[gedaan]) if gedaan in DONE else None


def _user_url(username: str) -> str:
    return f"{USERS}/{quote(username, safe='')}"


async def _change(request: Request, lang: str, change: Callable, done_url: str,
                  page: Callable) -> object:
    """Run ``change(accounts)``; on success redirect to ``done_url``, else show
    ``page(errors)`` again with the reason (422)."""
    try:
        await run_in_threadpool(change, accounts_of(request))
    except AccountError as exc:
        return await run_in_threadpool(page, [message_of(exc, lang)])
    return RedirectResponse(done_url, status_code=303)


# -- users --------------------------------------------------------------------------------

def _users_page(request: Request, lang: str, *, errors=(), form=None, done=None):
    accounts = accounts_of(request)
    return render(request, "admin_users.html", {
        "users": accounts.list_users(), "organisations": accounts.organisations(),
        "errors": list(errors), "form": form or {}, "done": done,
        "min_length": MIN_PASSWORD_LENGTH}, status_code=422 if errors else 200,
        language=lang)


@router.get(USERS)
def users_page(request: Request, lang: LangDep, admin: Admin, gedaan: str | None = None):
    return _users_page(request, lang, done=_done(gedaan, lang))


@router.post(USERS)
async def create_user(request: Request, lang: LangDep, admin: Admin,
                      username: Annotated[str, Form(max_length=100)],
                      password: Annotated[str, Form(max_length=1000)],
                      display_name: Field = "", organisation: Field = "",
                      is_admin: Annotated[bool, Form()] = False):
    form = {"username": username, "display_name": display_name,
            "organisation": organisation, "is_admin": is_admin}
    return await _change(
        request, lang,
        lambda accounts: accounts.create_user(username, password, display_name=display_name,
                                              organisation=organisation.strip(),
                                              is_admin=is_admin),
        _user_url(username.strip().lower()) + "?gedaan=aangemaakt",
        lambda errors: _users_page(request, lang, errors=errors, form=form))


def _user_page(request: Request, data, lang: str, username: str, *, errors=(), done=None):
    accounts = accounts_of(request)
    user = accounts.get_user(username)
    if user is None:
        raise NotFound(gettext(lang, N_("That user does not exist.")))
    plans = views.plans_list(data)
    titles = {p["id"]: p["title"] for p in plans}
    personal = accounts.personal_roles(user.username)
    through = accounts.roles_of_organisation(user.organisation) if user.organisation else {}
    rows = [{"id": plan_id, "title": titles.get(plan_id, plan_id),
             "personal": personal.get(plan_id), "through": through.get(plan_id)}
            for plan_id in personal.keys() | through.keys()]
    return render(request, "admin_user.html", {
        "person": user, "roles": sorted(rows, key=lambda r: r["title"]), "plans": plans,
        "role_names": ROLES, "role_labels": ROLE_NAMES, "errors": list(errors), "done": done,
        "min_length": MIN_PASSWORD_LENGTH}, status_code=422 if errors else 200,
        language=lang)


@router.get(USERS + "/{username}")
def user_page(request: Request, data: DataDep, lang: LangDep, admin: Admin,
              username: Username, gedaan: str | None = None):
    return _user_page(request, data, lang, username, done=_done(gedaan, lang))


def _user_change(request: Request, data, lang: str, username: str, change: Callable,
                 done: str = "opgeslagen"):
    return _change(request, lang, change, f"{_user_url(username)}?gedaan={done}",
                   lambda errors: _user_page(request, data, lang, username, errors=errors))


def _not_to_yourself(admin, username: str, keeps: bool, change: Callable) -> Callable:
    """``change``, refused when it would take the acting admin's own right away."""
    def guarded(accounts):
        if not keeps and admin.username == username.strip().lower():
            raise AccountError("an admin cannot do this to themselves", code="not_yourself")
        change(accounts)

    return guarded


@router.post(USERS + "/{username}/wachtwoord")
async def reset_password(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                         username: Username,
                         password: Annotated[str, Form(max_length=1000)]):
    return await _user_change(request, data, lang, username,
                              lambda accounts: accounts.set_password(username, password),
                              done="wachtwoord")


@router.post(USERS + "/{username}/actief")
async def set_active(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                     username: Username, active: Annotated[bool, Form()]):
    return await _user_change(request, data, lang, username, _not_to_yourself(
        admin, username, active, lambda accounts: accounts.set_active(username, active)))


@router.post(USERS + "/{username}/beheerder")
async def set_admin(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                    username: Username, is_admin: Annotated[bool, Form()]):
    return await _user_change(request, data, lang, username, _not_to_yourself(
        admin, username, is_admin, lambda accounts: accounts.set_admin(username, is_admin)))


@router.post(USERS + "/{username}/rollen")
async def grant(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                username: Username, plan_id: Field, role: Field):
    return await _user_change(request, data, lang, username,
                              lambda accounts: accounts.grant(username, plan_id, role))


@router.post(USERS + "/{username}/rollen/intrekken")
async def revoke(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                 username: Username, plan_id: Field):
    return await _user_change(request, data, lang, username,
                              lambda accounts: accounts.revoke(username, plan_id))


# -- plans --------------------------------------------------------------------------------

def _plans_page(request: Request, data, lang: str, *, errors=(), done=None):
    accounts = accounts_of(request)
    visibility = accounts.visibilities()
    plans = [{**p, "visibility": visibility.get(p["id"], "public"),
              "users": accounts.roles(p["id"]),
              "organisations": accounts.organisation_roles(p["id"])}
             for p in views.plans_list(data)]
    return render(request, "admin_plans.html", {
        "plans": plans, "organisations": accounts.organisations(), "role_names": ROLES,
        "role_labels": ROLE_NAMES, "visibilities": VISIBILITIES,
        "visibility_labels": VISIBILITY_NAMES, "errors": list(errors), "done": done},
        status_code=422 if errors else 200, language=lang)


@router.get(PLANS)
def plans_page(request: Request, data: DataDep, lang: LangDep, admin: Admin,
               gedaan: str | None = None):
    return _plans_page(request, data, lang, done=_done(gedaan, lang))


def _plan_change(request: Request, data, lang: str, plan_id: str, change: Callable):
    return _change(request, lang, change, f"{PLANS}?gedaan=opgeslagen#plan-{plan_id}",
                   lambda errors: _plans_page(request, data, lang, errors=errors))


@router.post(PLANS + "/{plan_id}/zichtbaarheid")
async def set_visibility(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                         plan_id: PlanId, visibility: Field):
    return await _plan_change(request, data, lang, plan_id,
                              lambda accounts: accounts.set_visibility(plan_id, visibility))


@router.post(PLANS + "/{plan_id}/organisaties")
async def grant_organisation(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                             plan_id: PlanId, organisation: Field, role: Field):
    return await _plan_change(
        request, data, lang, plan_id,
        lambda accounts: accounts.grant_organisation(organisation, plan_id, role))


@router.post(PLANS + "/{plan_id}/organisaties/intrekken")
async def revoke_organisation(request: Request, data: DataDep, lang: LangDep, admin: Admin,
                              plan_id: PlanId, organisation: Field):
    return await _plan_change(
        request, data, lang, plan_id,
        lambda accounts: accounts.revoke_organisation(organisation, plan_id))
