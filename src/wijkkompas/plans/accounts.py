"""Accounts in the plans database: users, plan roles, plan visibility, sessions and failed
logins (issue 7).

Rules
-----
- A user has a username (the key, compared case-insensitively: stored lower-case), a
  display name, an organisation, an argon2id password hash, ``is_admin`` and ``active``.
- Roles are per plan: ``editor`` (may change the plan) or ``viewer`` (may read it),
  given to a user or to an organisation: then every user whose ``organisation`` is that
  text (exactly) has the role. A user with both a personal and an organisation role has
  the stronger one. Admins may read and change every plan; an inactive user may do
  nothing.
- Every user has a ``session_epoch``; a web session remembers the epoch it was made in
  and is void once the epoch has moved on. Setting or changing the password,
  deactivating and "log out everywhere" move it on.
- A user made by an OpenID Connect login has no password: they can only log in through
  the provider (or after an admin sets one).
- A plan is ``public`` (anyone, also without login, may read it; nobody without a role
  may change it) or ``private`` (only its viewers, editors and admins see it). Existing
  plans became public with the migration, so nothing changed for their readers.

Security choices
----------------
- Passwords are hashed with argon2-cffi's :class:`~argon2.PasswordHasher` (argon2id with
  the library's current defaults); a hash made with older parameters is replaced at the
  next successful login. Hashes never leave this module except in a backup made with
  ``--with-accounts``.
- :meth:`Accounts.authenticate` spends the same argon2 work for an unknown user as for a
  known one, so that response times do not reveal which usernames exist.
- Minimum password length 10; no other composition rules (NIST SP 800-63B).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import PlanError
from .tables import LoginFailureRow, PlanOrganisationRoleRow, PlanRoleRow, PlanRow, UserRow

ROLES = ("editor", "viewer")  # strongest first
VISIBILITIES = ("public", "private")
MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
# verified against when the user does not exist: equal work, no username oracle
_DUMMY_HASH = _HASHER.hash("wijkkompas-no-such-user")


class AccountError(PlanError):
    """An account operation is not possible (unknown user, weak password, bad role).
    ``code`` says which (``user_exists``, ``password_short``, ...), for the web app's
    messages in the user's language."""

    def __init__(self, message: str, *, code: str = "account") -> None:
        super().__init__(message)
        self.code = code


class WrongPasswordError(AccountError):
    """The current password given to change it is not the user's password."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    organisation: str
    is_admin: bool = False
    active: bool = True
    session_epoch: int = 0
    has_password: bool = True

    def to_dict(self) -> dict:
        return {"username": self.username, "display_name": self.display_name,
                "organisation": self.organisation, "is_admin": self.is_admin,
                "active": self.active}


def _user(row: UserRow) -> User:
    return User(row.username, row.display_name, row.organisation, bool(row.is_admin),
                bool(row.active), row.session_epoch or 0, row.password_hash is not None)


def _rowcount(result: Result) -> int:
    # a DELETE or UPDATE gives a CursorResult, which has the count of rows it touched
    return cast(CursorResult, result).rowcount


def _strongest(roles) -> str | None:
    given = set(roles)
    return next((r for r in ROLES if r in given), None)


def _organisation(organisation: str) -> str:
    name = (organisation or "").strip()
    if not name or len(name) > 200:
        raise AccountError(f"invalid organisation {organisation!r} (1-200 characters)",
                           code="organisation_invalid")
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}",
                           code="role_invalid")


def _end_sessions(session: Session, row: UserRow) -> int:
    # one UPDATE ... + 1 in the database, not read-add-write here: two changes at the
    # same time (an admin's reset, the user's own change) must both move the epoch on
    return session.execute(
        update(UserRow).where(UserRow.username == row.username)
        .values(session_epoch=UserRow.session_epoch + 1).returning(UserRow.session_epoch)
        .execution_options(synchronize_session=False)).scalar_one()


def _norm(username: str) -> str:
    name = (username or "").strip().lower()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise AccountError(f"invalid username {username!r} (1-100 characters, no spaces)",
                           code="username_invalid")
    return name


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
                           code="password_short")


@dataclass(frozen=True)
class PlanAccess:
    """A plan's current version and visibility, and what one user may do with it
    (:meth:`Accounts.access`); ``may_edit`` None: not asked."""

    version: int
    visibility: str
    may_view: bool
    may_edit: bool | None

    @classmethod
    def anonymous(cls, version: int, visibility: str) -> PlanAccess:
        """What a visitor who is not logged in may: see a public plan, edit none."""
        return cls(version, visibility, visibility == "public", False)


class Accounts:
    """Users and roles in the database of a :class:`~wijkkompas.plans.PlanStore`."""

    def __init__(self, plans) -> None:
        self.engine, self.reads = plans.engine, plans.reads

    # -- users --------------------------------------------------------------------------

    def create_user(self, username: str, password: str | None = None, *,
                    display_name: str = "", organisation: str = "",
                    is_admin: bool = False) -> User:
        """A new active user; without ``password`` the user cannot log in until one is set."""
        name = _norm(username)
        if password is not None:
            _check_password(password)
        with Session(self.engine) as session, session.begin():
            if session.get(UserRow, name) is not None:
                raise AccountError(f"a user {name!r} already exists", code="user_exists")
            session.add(UserRow(username=name, display_name=display_name or name,
                                organisation=organisation,
                                password_hash=_HASHER.hash(password) if password else None,
                                is_admin=is_admin, active=True,
                                created_at=datetime.now(UTC)))
        user = self.get_user(name)
        assert user is not None  # committed just above
        return user

    def get_user(self, username: str) -> User | None:
        try:
            name = _norm(username)
        except AccountError:
            return None
        with Session(self.reads) as session:
            row = session.get(UserRow, name)
            return _user(row) if row is not None else None

    def list_users(self) -> list[User]:
        with Session(self.reads) as session:
            return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]

    def set_password(self, username: str, password: str) -> int:
        """Set or reset a password (an admin's reset; the old one need not be known).
        Ends the user's sessions; returns the new session epoch."""
        _check_password(password)
        with Session(self.engine) as session, session.begin():
            row = self._row(session, username)
            row.password_hash = _HASHER.hash(password)
            return _end_sessions(session, row)

    def change_password(self, username: str, old: str, new: str) -> int:
        """The user's own change: :class:`WrongPasswordError` unless ``old`` is right.
        Ends the user's sessions; returns the new session epoch."""
        _check_password(new)
        with Session(self.engine) as session, session.begin():
            row = self._row(session, username)
            try:
                _HASHER.verify(row.password_hash or _DUMMY_HASH, old or "")
                right = row.password_hash is not None  # not when the dummy hash matched
            except (VerificationError, InvalidHashError):
                right = False
            if not right:
                raise WrongPasswordError("the current password is wrong", code="password_wrong")
            row.password_hash = _HASHER.hash(new)
            return _end_sessions(session, row)

    def set_active(self, username: str, active: bool) -> None:
        """(De)activate; deactivating also ends the user's sessions."""
        with Session(self.engine) as session, session.begin():
            row = self._row(session, username)
            row.active = active
            if not active:
                _end_sessions(session, row)

    def set_admin(self, username: str, is_admin: bool) -> None:
        with Session(self.engine) as session, session.begin():
            self._row(session, username).is_admin = is_admin

    def end_sessions(self, username: str) -> int:
        """Log the user out everywhere; returns the new session epoch."""
        with Session(self.engine) as session, session.begin():
            return _end_sessions(session, self._row(session, username))

    def external_login(self, username: str, *, display_name: str = "",
                       organisation: str = "") -> User:
        """The user an identity provider vouched for, made (active, no password, not an
        admin) on the first login. A deactivated user is refused."""
        name = _norm(username)
        user = self.get_user(name)
        if user is None:
            try:
                user = self.create_user(name, display_name=display_name,
                                        organisation=organisation)
            except (AccountError, IntegrityError):  # made by a parallel first login
                user = self.get_user(name)
        if user is None or not user.active:
            raise AccountError(f"the account {name!r} is deactivated", code="deactivated")
        return user

    def organisations(self) -> list[str]:
        """The organisations users belong to, for choosing one."""
        with Session(self.reads) as session:
            return list(session.scalars(select(UserRow.organisation).distinct().where(
                UserRow.organisation != "").order_by(UserRow.organisation)))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right and the account active, else None."""
        try:
            name = _norm(username)
        except AccountError:
            name = None
        with Session(self.engine) as session, session.begin():
            row = session.get(UserRow, name) if name else None
            stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
            try:
                _HASHER.verify(stored, password or "")
            except (VerificationError, InvalidHashError):
                return None
            if row is None or not row.password_hash or not row.active:
                return None
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            return _user(row)

    @staticmethod
    def _row(session: Session, username: str) -> UserRow:
        row = session.get(UserRow, _norm(username))
        if row is None:
            raise AccountError(f"no user {username!r}", code="unknown_user")
        return row

    # -- roles and visibility -----------------------------------------------------------

    def grant(self, username: str, plan_id: str, role: str) -> None:
        """Give ``username`` the role on the plan (replacing a role it had)."""
        _check_role(role)
        with Session(self.engine) as session, session.begin():
            user = self._row(session, username)
            self._put_role(session, PlanRoleRow, {"username": user.username}, plan_id, role)

    def grant_organisation(self, organisation: str, plan_id: str, role: str) -> None:
        """Give every user of ``organisation`` the role on the plan (replacing one it had)."""
        _check_role(role)
        with Session(self.engine) as session, session.begin():
            self._put_role(session, PlanOrganisationRoleRow,
                           {"organisation": _organisation(organisation)}, plan_id, role)

    @staticmethod
    def _put_role(session: Session, model, holder: dict, plan_id: str, role: str) -> None:
        if session.get(PlanRow, plan_id) is None:
            raise AccountError(f"no plan with id {plan_id!r}", code="unknown_plan")
        existing = session.get(model, (*holder.values(), plan_id))
        if existing is None:
            session.add(model(**holder, plan_id=plan_id, role=role))
        else:
            existing.role = role

    def revoke(self, username: str, plan_id: str) -> bool:
        """Remove the user's role on the plan; False when there was none."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(PlanRoleRow).where(
                PlanRoleRow.username == _norm(username), PlanRoleRow.plan_id == plan_id))
            return _rowcount(result) > 0

    def revoke_organisation(self, organisation: str, plan_id: str) -> bool:
        """Remove the organisation's role on the plan; False when there was none."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(delete(PlanOrganisationRoleRow).where(
                PlanOrganisationRoleRow.organisation == (organisation or "").strip(),
                PlanOrganisationRoleRow.plan_id == plan_id))
            return _rowcount(result) > 0

    def roles(self, plan_id: str) -> dict[str, str]:
        """Personal roles on the plan: username -> role."""
        with Session(self.reads) as session:
            return {r.username: r.role for r in session.scalars(
                select(PlanRoleRow).where(PlanRoleRow.plan_id == plan_id))}

    def organisation_roles(self, plan_id: str) -> dict[str, str]:
        """Organisation roles on the plan: organisation -> role."""
        with Session(self.reads) as session:
            return {r.organisation: r.role for r in session.scalars(
                select(PlanOrganisationRoleRow).where(
                    PlanOrganisationRoleRow.plan_id == plan_id))}

    def personal_roles(self, username: str) -> dict[str, str]:
        """The user's own roles (not those through the organisation): plan id -> role."""
        with Session(self.reads) as session:
            return {r.plan_id: r.role for r in session.scalars(
                select(PlanRoleRow).where(PlanRoleRow.username == _norm(username)))}

    def roles_of_organisation(self, organisation: str) -> dict[str, str]:
        """The organisation's roles: plan id -> role."""
        with Session(self.reads) as session:
            return {r.plan_id: r.role for r in session.scalars(
                select(PlanOrganisationRoleRow).where(
                    PlanOrganisationRoleRow.organisation == (organisation or "").strip()))}

    def visibilities(self) -> dict[str, str]:
        """plan id -> public | private, for every plan."""
        with Session(self.reads) as session:
            return dict(session.execute(select(PlanRow.id, PlanRow.visibility)).all())

    def roles_of(self, user: User | None) -> dict[str, str]:
        """plan id -> the user's strongest role, personal or through the organisation
        (admins: only the roles they were given; they may do everything anyway)."""
        with Session(self.reads) as session:
            user = self._live(session, user)
            if user is None:
                return {}
            found: dict[str, list[str]] = {}
            for plan_id, role in self._role_rows(session, user):
                found.setdefault(plan_id, []).append(role)
            strongest = {plan_id: _strongest(roles) for plan_id, roles in sorted(found.items())}
            return {plan_id: role for plan_id, role in strongest.items() if role is not None}

    @staticmethod
    def _role_rows(session: Session, user: User, plan_id: str | None = None):
        personal = select(PlanRoleRow.plan_id, PlanRoleRow.role).where(
            PlanRoleRow.username == user.username)
        through = select(PlanOrganisationRoleRow.plan_id, PlanOrganisationRoleRow.role).where(
            PlanOrganisationRoleRow.organisation == user.organisation)
        if plan_id is not None:
            personal = personal.where(PlanRoleRow.plan_id == plan_id)
            through = through.where(PlanOrganisationRoleRow.plan_id == plan_id)
        rows = list(session.execute(personal))
        if user.organisation:  # "" is no organisation: it must not group strangers
            rows += list(session.execute(through))
        return rows

    def set_visibility(self, plan_id: str, visibility: str) -> None:
        if visibility not in VISIBILITIES:
            raise AccountError(f"visibility must be one of {', '.join(VISIBILITIES)}",
                               code="visibility_invalid")
        with Session(self.engine) as session, session.begin():
            row = session.get(PlanRow, plan_id)
            if row is None:
                raise AccountError(f"no plan with id {plan_id!r}", code="unknown_plan")
            row.visibility = visibility

    def _live(self, session: Session, user: User | None) -> User | None:
        # re-read the user: a deactivation or demotion counts at once, not at next login
        if user is None:
            return None
        row = session.get(UserRow, user.username)
        return _user(row) if row is not None and row.active else None

    def access(self, user: User | None, plan_id: str, *, edit: bool = False) -> PlanAccess | None:
        """What ``user`` may do with the plan, with its current version and visibility,
        in one query (None: no such plan). Public plans: everyone sees them; private
        plans: viewers, editors and admins; editors and admins edit (active ones: the
        user is read again in the same query, so that a deactivation or demotion counts
        at once, with their own and their organisation's role on the plan). ``may_edit``
        is None for a public plan unless ``edit`` asks for it. One round trip: on a busy
        server each one waits its turn for the database (docs/performance.md)."""
        columns: list[Any] = [PlanRow.current_version, PlanRow.visibility]
        if user is not None:
            person = select(UserRow).where(UserRow.username == user.username,
                                           UserRow.active.is_(True)).subquery()
            columns += [
                select(person.c.is_admin).scalar_subquery(),
                select(PlanRoleRow.role).where(
                    PlanRoleRow.plan_id == PlanRow.id, PlanRoleRow.username == person.c.username,
                ).scalar_subquery(),
                select(PlanOrganisationRoleRow.role).where(
                    PlanOrganisationRoleRow.plan_id == PlanRow.id,
                    PlanOrganisationRoleRow.organisation == person.c.organisation,
                    person.c.organisation != "").scalar_subquery()]
        with self.reads.connect() as connection:
            row = connection.execute(select(*columns).where(PlanRow.id == plan_id)).first()
        if row is None:
            return None
        version, visibility = row[0], row[1]
        if user is None:
            return PlanAccess.anonymous(version, visibility)
        public = visibility == "public"
        admin, role = bool(row[2]), _strongest(r for r in row[3:] if r is not None)
        may_edit = admin or role == "editor"
        return PlanAccess(version, visibility, public or admin or role is not None,
                          may_edit if (edit or not public) else None)

    def can_view(self, user: User | None, plan_id: str) -> bool:
        """Public plans: everyone. Private plans: viewers, editors, admins. Unknown: no."""
        access = self.access(user, plan_id)
        return access is not None and access.may_view

    def can_edit(self, user: User | None, plan_id: str) -> bool:
        """Editors and admins (active ones), whatever the visibility."""
        access = self.access(user, plan_id, edit=True)
        return access is not None and bool(access.may_edit)

    def visible_plan_ids(self, user: User | None) -> set[str]:
        """Every plan id the user may see (one query each, not one per plan)."""
        with Session(self.reads) as session:
            public = set(session.scalars(select(PlanRow.id).where(
                PlanRow.visibility == "public")))
            user = self._live(session, user)
            if user is None:
                return public
            if user.is_admin:
                return set(session.scalars(select(PlanRow.id)))
            return public | {plan_id for plan_id, _ in self._role_rows(session, user)}

    # -- failed logins (the rate limit of the web app) ----------------------------------

    def recent_failures(self, key: str, window: float) -> int:
        """How many failed logins ``key`` had in the last ``window`` seconds."""
        since = datetime.now(UTC) - timedelta(seconds=window)
        with Session(self.reads) as session:
            # a count always has a row; `or 0` only tells the type checker
            return session.scalar(select(func.count()).select_from(LoginFailureRow).where(
                LoginFailureRow.key == key, LoginFailureRow.failed_at > since)) or 0

    def record_failure(self, key: str, window: float) -> None:
        """Count a failed login; failures older than ``window`` (of any key) are removed
        in the same transaction, so that the table stays small."""
        now = datetime.now(UTC)
        with Session(self.engine) as session, session.begin():
            session.execute(delete(LoginFailureRow).where(
                LoginFailureRow.failed_at <= now - timedelta(seconds=window)))
            session.add(LoginFailureRow(key=key, failed_at=now))

    def clear_failures(self, key: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))
