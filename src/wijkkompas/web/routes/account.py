"""Log in (``/inloggen``, or through an OpenID Connect provider: ``/inloggen/oidc`` and
its callback, see :mod:`wijkkompas.web.oidc`), log out (``/uitloggen``) and the user's
own account page (``/account``: their plans and roles, changing the password, logging
out everywhere); see :mod:`wijkkompas.web.auth`. Logging out ends the session on the
server: it moves the user's session epoch on, so a saved copy of the cookie no longer
works (and the user's sessions on other devices end with it).

A failed login says only "wrong username or password" (never which of the two), and the
6th failure within 5 minutes for one username and address is refused with 429 before
the password is even checked. A wrong current password when changing it counts as a
failed login too: a session left open must not become a way to guess the password.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...plans.accounts import MIN_PASSWORD_LENGTH, AccountError, WrongPasswordError
from .. import views
from ..auth import (
    ROLE_NAMES,
    CurrentUser,
    LoggedIn,
    accounts_of,
    keep_session,
    log_in,
    log_out,
    session_of,
)
from ..deps import DataDep, LangDep, render
from ..errors import NotFound
from ..i18n import N_, gettext
from ..oidc import OIDCRefused

router = APIRouter(include_in_schema=False)
Password = Annotated[str, Form(max_length=1000)]
# what a POST-redirect-GET may announce: a fixed set, so no text is reflected from the URL
DONE = {"wachtwoord": N_("Your password has been changed. You have been logged out on other "
                        "devices.")}
TOO_MANY = N_("Too many failed attempts; try again in a few minutes.")
OIDC_FAILED = N_("Logging in with the identity provider failed")
# the reasons of plans/accounts.py's AccountError, by its code
ACCOUNT_ERRORS = {
    "organisation_invalid": N_("Fill in an organisation (at most 200 characters)."),
    "role_invalid": N_("Choose the role editor or viewer."),
    "not_yourself": N_("You cannot remove your own administrator right or deactivate yourself;"
                       " ask another administrator."),
    "username_invalid": N_("A username has 1 to 100 characters and no spaces."),
    "password_short": N_("The new password is shorter than 10 characters."),
    "user_exists": N_("That username exists already."),
    "password_wrong": N_("The current password is not right."),
    "deactivated": N_("Your account has been deactivated. Contact the administrator."),
    "unknown_user": N_("That user does not exist."),
    "unknown_plan": N_("That plan does not exist."),
    "visibility_invalid": N_("Choose public or private."),
}


def _safe_next(target: str | None) -> str:
    # only paths on this site: no open redirect to //evil.example or https://...
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/plannen"


def message_of(exc: AccountError, lang: str) -> str:
    """The reason an account change was refused, in the user's language when known."""
    return gettext(lang, ACCOUNT_ERRORS[exc.code]) if exc.code in ACCOUNT_ERRORS else str(exc)


def limiter_key(request: Request, username: str) -> tuple[str, str]:
    return username.strip().lower(), request.client.host if request.client else "?"


@router.get("/inloggen")
def login_page(request: Request, lang: LangDep, user: CurrentUser, next: str | None = None):
    return render(request, "login.html", {"next": _safe_next(next), "error": None,
                                          "user": user}, language=lang)


@router.post("/inloggen")
async def login(request: Request, lang: LangDep,
                username: Annotated[str, Form(max_length=100)],
                password: Password,
                next: Annotated[str | None, Form(max_length=500)] = None):
    limiter = request.app.state.login_limiter
    key = limiter_key(request, username)
    context = {"next": _safe_next(next), "user": None, "username": username}
    if await run_in_threadpool(limiter.blocked, key):
        return render(request, "login.html",
                      {**context, "error": gettext(lang, TOO_MANY)},
                      status_code=429, language=lang)
    # argon2 takes tens of milliseconds: off the event loop
    user = await run_in_threadpool(accounts_of(request).authenticate, username, password)
    if user is None:
        await run_in_threadpool(limiter.failed, key)
        message = gettext(lang, N_("Wrong username or password."))
        return render(request, "login.html", {**context, "error": message},
                      status_code=401, language=lang)
    await run_in_threadpool(limiter.succeeded, key)
    log_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


def _oidc(request: Request):
    oidc = request.app.state.oidc
    if oidc is None:
        raise NotFound("no OpenID Connect login is configured")
    return oidc


def _refused(request: Request, lang: str, message: str, status_code: int = 400):
    return render(request, "login.html", {"next": "/plannen", "user": None, "error": message},
                  status_code=status_code, language=lang)


@router.get("/inloggen/oidc")
async def oidc_login(request: Request, lang: LangDep, next: str | None = None):
    oidc = _oidc(request)
    try:
        response = await oidc.redirect(request, str(request.url_for("oidc_callback")))
    except OIDCRefused as exc:
        return _refused(request, lang, f"{gettext(lang, OIDC_FAILED)}: {exc}")
    session_of(request)["oidc_next"] = _safe_next(next)
    return response


@router.get("/inloggen/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request, lang: LangDep):
    oidc = _oidc(request)
    target = _safe_next(session_of(request).get("oidc_next"))
    try:
        claims = await oidc.claims(request)
        user = await run_in_threadpool(accounts_of(request).external_login,
                                       **oidc.account(claims))
    except OIDCRefused as exc:
        return _refused(request, lang, f"{gettext(lang, OIDC_FAILED)}: {exc}")
    except AccountError as exc:
        return _refused(request, lang, message_of(exc, lang),
                        403 if exc.code == "deactivated" else 400)
    log_in(request, user)
    return RedirectResponse(target, status_code=303)


@router.post("/uitloggen")
def logout(request: Request, user: CurrentUser):
    # a signed cookie cannot be taken back: moving the epoch on makes a saved copy of it
    # (and every other session of this user) worthless on the server
    if user is not None:
        accounts_of(request).end_sessions(user.username)
    log_out(request)
    return RedirectResponse("/", status_code=303)


def _account_page(request: Request, data, lang: str, user, *, errors=(), done=None,
                  status_code: int = 200):
    titles = {p["id"]: p["title"] for p in views.plans_list(data)}
    roles = [{"id": plan_id, "title": titles.get(plan_id, plan_id), "role": role}
             for plan_id, role in accounts_of(request).roles_of(user).items()]
    return render(request, "account.html", {
        "user": user, "roles": roles, "role_labels": ROLE_NAMES, "errors": list(errors), "done": done,
        "min_length": MIN_PASSWORD_LENGTH}, status_code=status_code, language=lang)


@router.get("/account")
def account_page(request: Request, data: DataDep, lang: LangDep, user: LoggedIn,
                 gedaan: str | None = None):
    done = gettext(lang, DONE[gedaan]) if gedaan in DONE else None
    return _account_page(request, data, lang, user, done=done)


@router.post("/account/wachtwoord")
async def change_password(request: Request, data: DataDep, lang: LangDep, user: LoggedIn,
                          current: Password, new: Password, repeat: Password):
    errors = []
    if len(new) < MIN_PASSWORD_LENGTH:
        errors.append(ACCOUNT_ERRORS["password_short"])
    if new != repeat:
        errors.append(N_("The two new passwords are not the same."))
    limiter = request.app.state.login_limiter
    key = limiter_key(request, user.username)
    status = 422
    if not errors and await run_in_threadpool(limiter.blocked, key):
        errors, status = [TOO_MANY], 429
    if not errors:
        try:
            epoch = await run_in_threadpool(accounts_of(request).change_password,
                                            user.username, current, new)
        except WrongPasswordError:
            await run_in_threadpool(limiter.failed, key)
            errors = [ACCOUNT_ERRORS["password_wrong"]]
        else:
            keep_session(request, epoch)
            return RedirectResponse("/account?gedaan=wachtwoord", status_code=303)
    return await run_in_threadpool(
        _account_page, request, data, lang, user,
        errors=[gettext(lang, e) for e in errors], status_code=status)


@router.post("/account/overal-uitloggen")
def logout_everywhere(request: Request, user: LoggedIn):
    accounts_of(request).end_sessions(user.username)
    log_out(request)
    return RedirectResponse("/inloggen", status_code=303)
