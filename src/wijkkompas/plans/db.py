"""The plans database: SQLAlchemy 2 + Alembic, SQLite by default, PostgreSQL by URL.

Where it lives (one rule, :func:`plans_url`): an explicit URL or path >
``$WIJKKOMPAS_PLANS_DB`` (a SQLAlchemy URL such as
``postgresql+psycopg://user@host/db``, ``postgresql://...`` is read as psycopg 3, or a
file path for SQLite) > ``plans.sqlite`` in the store directory.

Guarantees
----------
- **Migrations on open**: the Alembic migrations shipped in ``migrations/`` are run
  programmatically (``upgrade head``) when a :class:`PlanStore` opens the database.
- **Nothing is lost**: every save adds a row to ``plan_versions`` with who, when, what
  and the full plan document as JSON. Versions are never updated or deleted; any old
  version can be read back (``get(plan_id, version=n)``) and restored by saving it again.
- **Atomic**: a save is one transaction (the version, the plan row and the flattened
  goals and measures); when anything fails, nothing is written.
- **No lost updates**: an update names the version it was based on (``plan.version``,
  which ``get`` and an export fill in); when the stored plan has moved on, the update is
  refused with :class:`~wijkkompas.errors.StaleVersionError`. Two writers racing for the
  same version collide on the primary key ``(plan_id, version)`` and the loser gets the
  same error.
- Saving a document identical to the current version adds no version (idempotent import).
"""
from __future__ import annotations

import builtins
import getpass
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import case, create_engine, delete, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from .. import config
from ..catalog import Catalog
from ..errors import PlanError, StaleVersionError
from ..settings import env_name, settings
from .model import Plan
from .tables import GoalRow, MeasureRow, PlanRoleRow, PlanRow, PlanVersionRow

ENV_VAR = env_name("plans_db")
FILE_NAME = "plans.sqlite"


def plans_url(explicit: str | Path | None = None, *, store_dir: str | Path | None = None) -> str:
    """The database URL by the rule in the module docstring."""
    value = str(explicit) if explicit else settings().plans_db
    if not value:
        return f"sqlite:///{config.store_dir(store_dir) / FILE_NAME}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        # SQLAlchemy's default PostgreSQL driver is psycopg2; this project ships psycopg 3
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def default_author() -> str:
    try:
        return settings().user or getpass.getuser()
    except Exception:  # no user name in some containers
        return "onbekend"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("wijkkompas.plans") / "migrations"))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


@dataclass(frozen=True)
class VersionInfo:
    plan_id: str
    version: int
    author: str
    created_at: datetime
    message: str


def _stale(plan_id: str, version: int | None, current: int | None) -> StaleVersionError | None:
    """Why a document of plan ``plan_id`` based on ``version`` cannot be saved over the
    stored ``current`` version (None: there is no stored plan), or None when it fits."""
    if current is None:
        if version is None:
            return None
        return StaleVersionError(
            f"the document says version {version} but the database has no plan "
            f"{plan_id!r}; remove 'version' to create it", file=plan_id, key="version",
            nl=f"het document noemt versie {version}, maar de database heeft geen plan "
               f"{plan_id!r}; laat 'version' weg om het aan te maken")
    if version is None:
        return StaleVersionError(
            f"a plan with id {plan_id!r} exists (version {current}) and this document names "
            "no version: export the stored plan (the export records its version), edit "
            "that file and import it", file=plan_id, key="version", current_version=current,
            nl=f"er bestaat al een plan met id {plan_id!r} (versie {current}) en dit "
               "document noemt geen versie: exporteer het opgeslagen plan (de export legt de "
               "versie vast), bewerk dat bestand en importeer het")
    if version != current:
        return StaleVersionError(
            f"this document is based on version {version or 'none'}, but the stored "
            f"plan is at version {current} (someone saved a change in between): export the "
            "current version and apply your change to it", file=plan_id, key="version",
            current_version=current,
            nl=f"dit document is gebaseerd op versie {version or 'geen'}, maar het "
               f"opgeslagen plan is al bij versie {current} (iemand heeft intussen een "
               "wijziging opgeslagen): exporteer de huidige versie en breng uw wijziging "
               "daarin aan")
    return None


class PlanStore:
    """The plans database. ``PlanStore()`` opens the default SQLite file.

    Parameters
    ----------
    url
        SQLAlchemy URL or SQLite file path (see :func:`plans_url`).
    store_dir
        The observation store directory, for the default location.
    catalog
        Used to validate documents read back from the database.
    """

    def __init__(self, url: str | Path | None = None, *, store_dir: str | Path | None = None,
                 catalog: Catalog | None = None, echo: bool = False) -> None:
        self.url = plans_url(url, store_dir=store_dir)
        self.catalog = catalog
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            # hide_parameters: an error never carries the bound values (a password hash)
            self.engine = create_engine(self.url, echo=echo, future=True,
                                        hide_parameters=True)
        except Exception as exc:  # unknown dialect, missing driver
            raise PlanError(f"cannot use the plans database {self._safe_url}: {exc}",
                            nl=f"de plannendatabase {self._safe_url} is niet te gebruiken: "
                               f"{exc}") from exc
        # for reads, none writing: no BEGIN before and no ROLLBACK after them, two round
        # trips of three on PostgreSQL (under its default READ COMMITTED each statement
        # has its own snapshot either way); the load test's editors and plan pages read
        # the database several times a request
        self.reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif self.engine.dialect.name == "postgresql":
            event.listen(self.engine, "do_connect", _application_name)
        try:
            migrate(self.engine)
        except OperationalError as exc:
            raise PlanError(f"cannot open the plans database {self._safe_url}: "
                            f"{exc.orig}", nl=f"de plannendatabase {self._safe_url} kan niet "
                                              f"worden geopend: {exc.orig}") from exc

    @property
    def _safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"PlanStore({self._safe_url!r})"

    def close(self) -> None:
        self.engine.dispose()

    # -- reading ------------------------------------------------------------------------

    def list(self) -> list[dict]:
        """All plans: id, title, area, horizon, current version, last change."""
        with Session(self.reads) as session:
            rows = session.scalars(select(PlanRow).order_by(PlanRow.id)).all()
            return [{"id": r.id, "title": r.title, "area": r.area_name,
                     "start": r.start_year, "end": r.end_year, "version": r.current_version,
                     "updated_at": r.updated_at} for r in rows]

    def exists(self, plan_id: str) -> bool:
        with Session(self.reads) as session:
            return session.get(PlanRow, plan_id) is not None

    def get(self, plan_id: str, version: int | None = None) -> Plan:
        """The plan (its current version, or ``version``), with ``plan.version`` set."""
        with Session(self.reads) as session:
            row = session.get(PlanRow, plan_id)
            if row is None:
                raise PlanError(f"no plan with id {plan_id!r} in {self._safe_url}",
                                nl=f"geen plan met id {plan_id!r} in {self._safe_url}")
            number = version or row.current_version
            # versions run 1..current and are never deleted: a number outside that range
            # (also one beyond the database's integer type) is answered without a query
            in_range = 1 <= number <= row.current_version
            stored = session.get(PlanVersionRow, (plan_id, number)) if in_range else None
            if stored is None:
                raise PlanError(f"plan {plan_id!r} has no version {number} "
                                f"(versions 1-{row.current_version})",
                                nl=f"plan {plan_id!r} heeft geen versie {number} "
                                   f"(versies 1-{row.current_version})")
            document = dict(stored.document)
        document["version"] = number
        return Plan.from_dict(document, file=f"{plan_id} v{number}", catalog=self.catalog)

    def current_version(self, plan_id: str) -> int | None:
        """The stored plan's current version number (None: no such plan)."""
        state = self.state(plan_id)
        return state[0] if state is not None else None

    def state(self, plan_id: str) -> tuple[int, str] | None:
        """The plan's current version and visibility (None: no such plan), in one query."""
        return self.states([plan_id]).get(plan_id)

    def states(self, plan_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
        """:meth:`state` of several plans in one query, for those that exist: what the
        web app checks before sending plan pages it kept (:mod:`wijkkompas.web.answers`)."""
        with self.reads.connect() as connection:
            rows = connection.execute(
                select(PlanRow.id, PlanRow.current_version, PlanRow.visibility).where(
                    PlanRow.id.in_(sorted(set(plan_ids)))))
            return {row[0]: (row[1], row[2]) for row in rows}

    def check_version(self, plan_id: str, version: int | None,
                      current: int | None = None) -> None:
        """Raise the StaleVersionError that :meth:`save` would for a document of the
        stored plan ``plan_id`` based on ``version`` (another version than the current
        one, or none), from one indexed read, before the costly checks of a save: a stale
        copy (three in four saves in the load test) is refused in a few milliseconds. An
        id that is not stored is left to the save (the document's validation may still
        change or refuse it). :meth:`save` checks again under its lock, so a save racing
        in between is refused there.

        ``current``: the current version the caller read after the document was sent
        (the web app reads it with the editor's rights), read again otherwise. A document
        naming another is stale for certain: versions only grow, and one the sender
        knew existed before that read."""
        if current is None:
            current = self.current_version(plan_id)
        stale = _stale(plan_id, version, current) if current is not None else None
        if stale is not None:
            raise stale

    # `list` in this class is the method above
    def versions(self, plan_id: str) -> builtins.list[VersionInfo]:
        """The plan's versions, oldest first, without their documents: reading the rows
        whole decoded every version's JSON, and a plan edited all day has hundreds (in
        the load test the history of a plan page cost more than the plan)."""
        v = PlanVersionRow
        with self.reads.connect() as connection:
            rows = connection.execute(
                select(v.plan_id, v.version, v.author, v.created_at, v.message)
                .where(v.plan_id == plan_id).order_by(v.version)).all()
        return [VersionInfo(*row) for row in rows]

    def record(self, plan_id: str, version: int) -> tuple[Plan, builtins.list[VersionInfo]]:
        """Version ``version`` of the plan and the versions up to it, oldest first, in one
        query (the document decoded for that version only): what a plan's page and
        document show, made again after every save."""
        v = PlanVersionRow
        with self.reads.connect() as connection:
            rows = connection.execute(
                select(v.plan_id, v.version, v.author, v.created_at, v.message,
                       case((v.version == version, v.document), else_=None))
                .where(v.plan_id == plan_id, v.version <= version)
                .order_by(v.version)).all()
        if not rows or rows[-1][1] != version:  # no such plan or version: get says which
            return self.get(plan_id, version), [
                info for info in self.versions(plan_id) if info.version <= version]
        document = dict(rows[-1][5])
        document["version"] = version
        plan = Plan.from_dict(document, file=f"{plan_id} v{version}", catalog=self.catalog)
        return plan, [VersionInfo(*row[:5]) for row in rows]

    # -- writing ------------------------------------------------------------------------

    def save(self, plan: Plan, *, author: str | None = None, message: str = "",
             create_only: bool = False, visibility: str | None = None,
             owner: str | None = None) -> Plan:
        """Create the plan or add a version; returns the plan with its new version.

        A new plan must not carry a version. An existing plan is updated only when
        ``plan.version`` equals the stored current version (else StaleVersionError);
        ``create_only`` refuses to touch an existing plan. When the plan is created,
        ``visibility`` (default public) and ``owner`` (a username made its editor) are
        written in the same transaction, so a plan made in the browser is never briefly
        public or without an editor.
        """
        author = author or default_author()
        # as JSON will give it back (budget years become text keys), so that an unchanged
        # document compares equal to the stored one
        document = json.loads(json.dumps(plan.to_dict(with_version=False)))
        now = datetime.now(UTC)
        try:
            with Session(self.engine) as session, session.begin():
                query = select(PlanRow).where(PlanRow.id == plan.id)
                if self.engine.dialect.name == "postgresql":
                    query = query.with_for_update()  # serialise writers of one plan
                row = session.scalars(query).first()
                if row is None:
                    stale = _stale(plan.id, plan.version, None)
                    if stale is not None:
                        raise stale
                    number = 1
                    row = PlanRow(id=plan.id, created_at=now,
                                  visibility=visibility or "public")
                    session.add(row)
                else:
                    if create_only:
                        raise PlanError(f"a plan with id {plan.id!r} already exists "
                                        f"(version {row.current_version}); export it, edit "
                                        "and import to change it", file=plan.id, key="id",
                                        nl=f"er bestaat al een plan met id {plan.id!r} (versie "
                                           f"{row.current_version}); kies een andere id, of "
                                           "wijzig het bestaande plan")
                    stale = _stale(plan.id, plan.version, row.current_version)
                    if stale is not None:
                        raise stale
                    current = session.get(PlanVersionRow, (plan.id, row.current_version))
                    if current is not None and current.document == document:
                        return self._with_version(plan, row.current_version)
                    number = row.current_version + 1
                row.title, row.area_name = plan.title, plan.area.name
                row.start_year, row.end_year = plan.start, plan.end
                row.current_version, row.updated_at = number, now
                session.add(PlanVersionRow(plan_id=plan.id, version=number, author=author,
                                           created_at=now, document=document,
                                           message=message or ("aangemaakt" if number == 1
                                                               else "gewijzigd")))
                session.flush()
                if number == 1 and owner:
                    session.add(PlanRoleRow(username=owner, plan_id=plan.id, role="editor"))
                # the flattened current goals and measures are replaced wholesale
                session.execute(delete(GoalRow).where(GoalRow.plan_id == plan.id))
                session.execute(delete(MeasureRow).where(MeasureRow.plan_id == plan.id))
                session.add_all(GoalRow(plan_id=plan.id, goal_id=g.id, pillar=g.pillar,
                                        title=g.title, indicator=g.indicator,
                                        baseline_period=g.baseline.period,
                                        target_year=g.target.year) for g in plan.goals)
                session.add_all(MeasureRow(plan_id=plan.id, measure_id=m.id, pillar=m.pillar,
                                           title=m.title, lead=m.lead, status=m.status,
                                           start_year=m.start, end_year=m.end,
                                           total_budget=m.total_budget) for m in plan.measures)
        except IntegrityError as exc:
            if "plan_versions" in str(exc.orig):   # the (plan_id, version) key: a race
                raise StaleVersionError(f"another writer saved plan {plan.id!r} at the same "
                                        f"time; reload and try again ({exc.orig})",
                                        file=plan.id, key="version",
                                        nl=f"iemand anders heeft plan {plan.id!r} op hetzelfde "
                                           "moment opgeslagen; laad het opnieuw en probeer het "
                                           f"nog eens ({exc.orig})") from exc
            raise _not_saved(plan.id, exc.orig) from exc
        except SQLAlchemyError as exc:
            raise _not_saved(plan.id, exc) from exc
        return self._with_version(plan, number)

    def restore(self, plan_id: str, version: int, author: str | None = None) -> Plan:
        """Make an earlier version current again by saving its document as a *new*
        version (nothing is lost: the versions in between stay in the history).

        The new version's message says which version was restored. Restoring the current
        version adds nothing (the document is unchanged).
        """
        from dataclasses import replace

        old = self.get(plan_id, version=version)
        current = self.get(plan_id)
        return self.save(replace(old, version=current.version), author=author,
                         message=f"versie {version} teruggezet")

    @staticmethod
    def _with_version(plan: Plan, number: int) -> Plan:
        from dataclasses import replace
        return replace(plan, version=number)


def _application_name(_dialect, _record, _cargs, cparams) -> None:
    """Name each PostgreSQL connection after the process that holds it
    (``wijkkompas-<pid>``): ``pg_stat_activity`` then shows which worker of ``serve
    --workers N`` holds which connection. At connect time, not at engine creation, so that
    a forked worker names its own connections. A name in the URL wins."""
    cparams.setdefault("application_name", f"wijkkompas-{os.getpid()}")


def _not_saved(plan_id: str, problem) -> PlanError:
    return PlanError(f"could not save plan {plan_id!r}: {problem}", file=plan_id,
                     nl=f"plan {plan_id!r} kon niet worden opgeslagen: {problem}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # a second process waits for a writer instead of failing at once
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
