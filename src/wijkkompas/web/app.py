"""The FastAPI app factory: middleware, error pages, static files, routers."""
from __future__ import annotations

import contextlib
import logging
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import __version__
from ..errors import UnknownAreaError, WijkkompasError
from ..geo.codes import COUNTRY
from ..settings import settings
from .answers import Answers
from .auth import (
    LoginLimiter,
    LoginRequired,
    SessionMiddleware,
    accounts_for,
    csrf_guard,
    get_current_user,
    secret_key,
)
from .deps import render
from .errors import BadRequest, Busy, NotFound
from .i18n import N_, error_message, gettext, install_gettext, pick_language
from .partials import VaryOnHtmx
from .security import BodyLimit, SecurityHeaders, allowed_hosts, http_url
from .state import Ahead, WebData

log = logging.getLogger("wijkkompas.web")

HERE = Path(__file__).parent

API_DESCRIPTION = """
Everything the wijkkompas pages show, as JSON: areas, area profiles, indicators, map data
(boundary geometry per level and vintage, cached apart from the values), scores,
rankings, comparisons, early warning, sources, and the areas of a postcode.

Conventions: codes are CBS codes (`GM0518`, `WK051836`, `BU05183620`, `NL01`); periods are
years as text (`"2020"`); every figure carries its `period` and boundary `vintage`;
suppressed figures are `null` with status `suppressed`, never zero. Scores: higher =
more vulnerable. Unknown codes, periods or indicators give 404, unusable parameters 422,
both with a `detail` message.
"""


class StaticCached(StaticFiles):
    """Static files with a long cache: vendored files carry their version in the name,
    our own CSS/JS are linked with ``?v=<version>``."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


class WijkkompasApp(FastAPI):
    """FastAPI with :class:`~wijkkompas.web.security.SecurityHeaders` and
    :class:`~wijkkompas.web.partials.VaryOnHtmx` around everything, outside Starlette's
    own error middleware too (so that a 500 carries the headers), and outside those the
    answers kept for visitors who are not logged in
    (:class:`~wijkkompas.web.answers.Answers`: a kept answer is sent as it was, headers
    and all)."""

    def build_middleware_stack(self):
        from .views import plan_states, shared_answers

        inner = SecurityHeaders(VaryOnHtmx(BodyLimit(super().build_middleware_stack())),
                                docs_url=DOCS_URL)
        return Answers(inner, data_of=lambda: self.state.data, plan_states=plan_states,
                       shared_of=shared_answers, plan_paths=PLAN_PAGES)


# a public plan's answers made once after a save and shared by the workers (answers.py):
# its page and its document, what its readers ask most
PLAN_PAGES = ("/plannen/{}", "/api/plans/{}")
DOCS_URL = "/api/docs"
DOCS_STATIC = "/api/docs/static"


def _api_docs(app: FastAPI) -> None:
    """Swagger UI at :data:`DOCS_URL` with its script and style served by the app itself
    (the files the fastapi-offline package ships), not from a CDN: the page works offline
    and its Content-Security-Policy allows this site only."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    files = resources.files("fastapi_offline") / "static"
    app.mount(DOCS_STATIC, StaticCached(directory=str(files)), name="api-docs-static")

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url), title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg")


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    import anyio.to_thread

    # per event loop: the routes and dependencies that block run on these threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings().web_threads
    yield
    ahead = app.state.data.ahead
    if ahead is not None:  # at shutdown: the background work ends before the process
        ahead.stop()


def create_app(store_dir: Path | str | None = None, *, warm: bool = False,
               scheme_file: Path | str | None = None, secret: str | None = None,
               hosts: list[str] | None = None) -> FastAPI:
    """Build the web app over the store in ``store_dir`` (see :class:`WebData`).

    ``warm`` fills the caches (scores, early warning and boundary layers of every level)
    before the app is returned, so that the first visitors wait for none of them: from
    the results ``wijkkompas build`` stored, a few seconds of reading; where they are not
    built, in a background thread while the app serves (computing takes longer). ``secret`` signs
    the session cookie (default ``$WIJKKOMPAS_SECRET_KEY``, else random for this process;
    ``app.state.secret_configured`` says which). Every non-GET request must carry the
    session's CSRF token (:mod:`wijkkompas.web.auth`). ``hosts`` are the host names the
    app answers to (default ``$WIJKKOMPAS_ALLOWED_HOSTS``, else loopback; any other
    ``Host`` gets 400); every response carries the security headers
    (:mod:`wijkkompas.web.security`).
    """
    data = WebData(store_dir, scheme_file=scheme_file)
    key, configured = secret_key(secret)
    app = WijkkompasApp(title="wijkkompas API", version=__version__, description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  dependencies=[Depends(csrf_guard), Depends(get_current_user)],
                  lifespan=_lifespan)
    app.state.data = data
    app.state.secret_configured = configured
    app.state.login_limiter = LoginLimiter(lambda: accounts_for(data), attempts=5, window=300)
    app.state.oidc = _oidc_login()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    install_gettext(templates.env)
    templates.env.globals["version"] = __version__
    templates.env.filters["http_url"] = http_url
    app.state.templates = templates
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(SessionMiddleware, secret=key)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(hosts),
                       www_redirect=False)
    app.mount("/static", StaticCached(directory=str(HERE / "static")), name="static")
    _api_docs(app)

    from .routes import (
        about,
        account,
        admin,
        api,
        areas,
        compare,
        edit,
        maps,
        plans,
        rankings,
        warning,
    )

    app.include_router(api.router)
    # edit before plans: /plannen/nieuw is not the plan with id "nieuw"
    for module in (maps, areas, rankings, compare, warning, edit, plans, about, account, admin):
        app.include_router(module.router)
    _errors(app)
    _document_errors(app)
    if warm:
        ahead = data.ahead = Ahead(idle=data.check_fresh)
        # new data while serving: their results read (or computed) and the reports
        # rendered in the background, unless newer data came before it began
        data.on_new_data = lambda: ahead.submit(warm_caches, data, data.generation)
        if data.stored_results() is not None:
            warm_caches(data)  # reads what ``build`` stored: seconds, before serving
        else:  # nothing built: computing takes a while, serve meanwhile
            ahead.submit(warm_caches, data)
    return app


def _oidc_login():
    """The OpenID Connect login when the environment configures one (web/oidc.py)."""
    from .oidc import OIDCConfig, OIDCLogin

    config = OIDCConfig.from_env()
    if config is None:
        return None
    try:
        return OIDCLogin(config)
    except ImportError as exc:
        raise WijkkompasError("WIJKKOMPAS_OIDC_ISSUER is set, but Authlib is not installed: "
                              "pip install 'wijkkompas[oidc]'") from exc


def app_from_env() -> FastAPI:
    """The app as ``wijkkompas serve --workers N`` starts it in each worker process.

    uvicorn can only start several workers from an import string, so the settings travel
    in the environment: the store (``$WIJKKOMPAS_STORE``), the scoring scheme
    (``$WIJKKOMPAS_SCHEME``), the plans database (``$WIJKKOMPAS_PLANS_DB``), the
    secret key (``$WIJKKOMPAS_SECRET_KEY``), which every worker must share, and the
    allowed host names (``$WIJKKOMPAS_ALLOWED_HOSTS``).
    """
    return create_app(None, warm=True, scheme_file=settings().scheme)


def warm_caches(data: WebData, generation: int | None = None) -> None:
    """Read (or compute) what the first page views need: per level the pages offer (grid
    levels with cells too) the scores, boundary layers, early warning and the figures
    peers are found on, and the area index; then queue the reports not rendered for these
    data. Nothing when ``generation`` is given and the data changed since (a newer
    warm-up is queued)."""
    from ..analysis.explain import detailed
    from ..geo import postcodes
    from . import views

    if generation is not None and generation != data.generation:
        return
    try:
        data.availability()
        data.areas_index()
        for level in data.levels():
            # the score of the period shown first; a level the scheme cannot score (the
            # vierkant scheme's gemeenten, the default's cells) says why on its pages
            with contextlib.suppress(WijkkompasError):
                detailed(data.scores(level))  # the profiles' "what drives this score"
            data.level_figures(level)  # the profiles' figures of the level
            for vintage in sorted(data.boundary_index().get(level, {})):
                data.layer(level, vintage)
        data.reference_values(COUNTRY)  # and every gemeente's, the profiles' references
        postcodes.prepare(data.store)  # the search's places, a postcode's boundaries
        for level in data.levels():
            try:
                views.warning_result(data, level)
                views.level_peer_tables(data, level)
            except WijkkompasError:  # the level has no panel: its pages say why
                continue
        views.render_reports_ahead(data)  # in the background: serving starts meanwhile
    except Exception:  # pragma: no cover - warming is best effort, requests still work
        pass


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _database_unavailable(exc: BaseException) -> bool:
    """Whether an error means a database cannot be used now (the figures store or the plans
    database: damaged, read-only, full, gone), rather than a bug."""
    module = type(exc).__module__
    return (module.startswith(("duckdb", "_duckdb", "sqlalchemy", "sqlite3", "psycopg"))
            or isinstance(exc, OSError))


def _error(request: Request, status: int, message: str, errors: list | None = None):
    if _is_api(request):
        body: dict[str, object] = {"detail": message}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status)
    title = {404: N_("Not found"), 422: N_("Invalid request"), 500: N_("Something went wrong"),
             503: N_("Temporarily unavailable")}.get(status, N_("Error"))
    language = pick_language(request.query_params.get("lang"), request.cookies.get("lang"))
    message, detail = error_message(message, language)
    # the error page is rendered outside the route: give it the user for the nav
    request.scope.setdefault("wk_user", None)
    return render(request, "error.html", {"status": status, "title": title,
                                          "message": message, "detail": detail,
                                          "errors": errors or []},
                  status_code=status)


ERROR_BODY = {
    "title": "Error", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What is wrong, in words"},
        "errors": {"type": "array", "description": "Per unusable parameter",
                   "items": {"type": "object", "properties": {
                       "parameter": {"type": "string"}, "message": {"type": "string"}}}}}}


def _document_errors(app: FastAPI) -> None:
    """Make the spec's 422 body the one :func:`_error` sends (FastAPI documents its own,
    with ``detail`` a list), so that clients generated from the spec can read it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # also kept as app.openapi_schema
        schemas = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = ERROR_BODY
            schemas.pop("ValidationError", None)
        return schema

    # replacing the method is FastAPI's documented way to change the generated schema
    app.openapi = openapi  # type: ignore[method-assign]


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        # back to the page after logging in; a form's target cannot be fetched with GET
        query = ""
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query = "?" + urlencode({"next": here})
        return RedirectResponse("/inloggen" + query, status_code=303)

    @app.exception_handler(NotFound)
    @app.exception_handler(UnknownAreaError)
    async def not_found(request: Request, exc: Exception):
        return _error(request, 404, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        # the boundary of the web: one page in the user's language (503 when a database
        # is not available: a damaged or read-only file, a server gone), details to the log
        unavailable = _database_unavailable(exc)
        log.error("%s %s: %s", request.method, request.url.path, type(exc).__name__,
                  exc_info=exc)
        language = pick_language(request.query_params.get("lang"),
                                 request.cookies.get("lang"))
        message = N_("The data cannot be read or written now (the database is not available). "
                     "Try again later; the administrator finds the cause in the log.") \
            if unavailable else N_("Something went wrong on our side. The administrator finds "
                                   "the cause in the log.")
        return _error(request, 503 if unavailable else 500, gettext(language, message))

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        response = _error(request, 503, str(exc))
        response.headers["Retry-After"] = "30"
        return response

    @app.exception_handler(BadRequest)
    @app.exception_handler(WijkkompasError)
    async def bad_request(request: Request, exc: Exception):
        return _error(request, 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"parameter": ".".join(str(p) for p in e.get("loc", ())[1:]) or "?",
                   "message": e.get("msg", "")} for e in exc.errors()]
        text = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
        return _error(request, 422, f"invalid parameters: {text}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        return _error(request, exc.status_code, message)
