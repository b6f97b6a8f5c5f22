"""Log in (``/inloggen``) and log out (``/uitloggen``); see :mod:`wijkkompas.web.auth`.

A failed login says only "wrong username or password" (never which of the two), and the
6th failure within 5 minutes for one username and address is refused with 429 before
the password is even checked.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..auth import CurrentUser, accounts_of, log_in, log_out
from ..deps import LangDep, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # only paths on this site: no open redirect to //evil.example or https://...
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/plannen"


@router.get("/inloggen")
def login_page(request: Request, lang: LangDep, user: CurrentUser, next: str | None = None):
    return render(request, "login.html", {"next": _safe_next(next), "error": None,
                                          "user": user}, language=lang)


@router.post("/inloggen")
async def login(request: Request, lang: LangDep,
                username: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=1000)],
                next: Annotated[str | None, Form(max_length=500)] = None):
    limiter = request.app.state.login_limiter
    key = (username.strip().lower(), request.client.host if request.client else "?")
    context = {"next": _safe_next(next), "user": None, "username": username}
    if limiter.blocked(key):
        message = ("Te veel mislukte pogingen; probeer het over enkele minuten opnieuw."
                   if lang == "nl" else "Too many failed attempts; try again in a few minutes.")
        return render(request, "login.html", {**context, "error": message},
                      status_code=429, language=lang)
    # argon2 takes tens of milliseconds: off the event loop
    user = await run_in_threadpool(accounts_of(request).authenticate, username, password)
    if user is None:
        limiter.failed(key)
        message = ("Onjuiste gebruikersnaam of wachtwoord." if lang == "nl"
                   else "Wrong username or password.")
        return render(request, "login.html", {**context, "error": message},
                      status_code=401, language=lang)
    limiter.succeeded(key)
    log_in(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/uitloggen")
def logout(request: Request):
    log_out(request)
    return RedirectResponse("/", status_code=303)
