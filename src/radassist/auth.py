"""Who is asking, and with which role: the access role decides which confidentiality levels retrieval may return.

`settings.auth.mode` picks how a user is identified:

    none     one local user "lokaal" with `auth.default_role` (a laptop; the UI says so)
    users    a local users file (argon2id hashes, 0600), managed with `radassist users add|remove|list`
    headers  an SSO reverse proxy sets `auth.user_header` and `auth.groups_header`; honoured only when the
             connection comes from an address in `auth.trusted_proxies`
    oidc     Streamlit's own login (st.login / st.user), configured in .streamlit/secrets.toml [auth]

Groups (headers) and the `groups`/`roles` claims (oidc) map to a role by name: the user gets the
highest-privilege role whose name is one of the groups, case-insensitively. Roles are ranked by how
many confidentiality levels `auth.role_access` lets them see; on a tie the role listed later wins
(the default lists gast < medewerker < beheerder). No matching group means no access, never a default.

`resolve_user` is pure (headers, address and claims in, `User` or `Denied` out); the Streamlit glue
that reads them lives in the ui package (ui/__init__.py). Nothing here imports Streamlit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import getpass
import ipaddress
import json
import logging
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from radassist.settings import Settings
from radassist.types import ConfigError, RadassistError

log = logging.getLogger("radassist.auth")

LOCAL_USER = "lokaal"
USERS_FILE_NAME = "users.json"
USERS_FORMAT = 1
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
MAX_NAME_CHARS = 200
OIDC_GROUP_CLAIMS = ("groups", "roles")
OIDC_NAME_CLAIMS = ("email", "preferred_username", "name", "sub")
FREE_LOGIN_ATTEMPTS = 3  # failed logins per session before each further attempt must wait

_USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NOT_SIGNED_IN_TEXT = (
    "U bent niet aangemeld. Open radassist via de portal van uw organisatie; "
    "zonder aanmelding toont radassist geen documenten."
)
NO_ROLE_TEXT = (
    "U bent aangemeld als {name}, maar uw account heeft geen rol in radassist. Vraag de beheerder om u "
    "toe te voegen aan een van deze groepen: {roles}."
)
LOGIN_TEXT = "Log in om vragen te stellen aan de kennisbank."
OIDC_LOGIN_TEXT = "Log in met het account van uw organisatie om vragen te stellen aan de kennisbank."
CONFIG_TEXT = "Het inloggen van radassist is niet goed ingesteld. Neem contact op met de beheerder."
FAILED_LOGIN_TEXT = "Inloggen is niet gelukt. Controleer uw gebruikersnaam en wachtwoord."
BLOCKED_TEXT = "Te veel mislukte pogingen. Probeer het over {seconds} seconden opnieuw."


@dataclass(frozen=True)
class User:
    """An identified user and the role that decides what they may see."""

    name: str
    role: str
    source: str  # the auth mode that identified them: none, users, headers, oidc

    @property
    def key(self) -> str:
        """Identity and role in one string: a conversation belongs to exactly one of these."""
        return f"{self.source}:{self.name}:{self.role}"


@dataclass(frozen=True)
class Denied:
    """No access, with the Dutch text to show. `kind`: login (may sign in), no_role, untrusted, config."""

    kind: str
    reason: str


@dataclass(frozen=True)
class UserRecord:
    """A user in the users file, without the password hash."""

    name: str
    role: str
    created: str
    updated: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "created": self.created, "updated": self.updated}


# ----------------------------------------------------------------------------- resolving a request

def resolve_user(
    settings: Settings,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    remote_addr: str | None = None,
    st_user: Mapping[str, Any] | None = None,
) -> User | Denied:
    """The user behind a request, from what the request carries (mode 'users' needs the login form)."""
    auth = settings.auth
    if auth.mode == "none":
        if auth.default_role not in auth.role_access:
            log.error("auth.default_role %r is not in auth.role_access", auth.default_role)
            return Denied("config", CONFIG_TEXT)
        return User(LOCAL_USER, auth.default_role, "none")
    if auth.mode == "users":
        return Denied("login", LOGIN_TEXT)
    if auth.mode == "headers":
        return _from_headers(settings, _header_values(headers), remote_addr)
    if auth.mode == "oidc":
        return _from_oidc(settings, st_user)
    return Denied("config", CONFIG_TEXT)  # pragma: no cover - settings allow no other mode


def _from_headers(settings: Settings, headers: dict[str, list[str]], remote_addr: str | None) -> User | Denied:
    auth = settings.auth
    user_values = headers.get(auth.user_header.lower(), [])
    if not is_trusted_proxy(remote_addr, auth.trusted_proxies):
        if user_values:
            log.warning("identity header from untrusted address %s ignored", remote_addr)
        return Denied("untrusted", NOT_SIGNED_IN_TEXT)
    group_values = headers.get(auth.groups_header.lower(), [])
    if len(user_values) > 1 or len(group_values) > 1:
        # A proxy that appends instead of replaces lets a client smuggle in its own value.
        log.warning("identity header sent more than once; request treated as anonymous")
        return Denied("untrusted", NOT_SIGNED_IN_TEXT)
    name = clean_name(user_values[0] if user_values else "")
    if not name:
        return Denied("login", NOT_SIGNED_IN_TEXT)
    role = role_for_groups(split_groups(group_values[0] if group_values else ""), auth.role_access)
    if role is None:
        return Denied("no_role", NO_ROLE_TEXT.format(name=name, roles=", ".join(auth.role_access)))
    return User(name, role, "headers")


def _from_oidc(settings: Settings, st_user: Mapping[str, Any] | None) -> User | Denied:
    if not st_user or "is_logged_in" not in st_user:
        # st.user only carries is_logged_in when secrets.toml has an [auth] section.
        log.error("auth.mode is 'oidc' but .streamlit/secrets.toml has no [auth] section")
        return Denied("config", CONFIG_TEXT)
    if not st_user.get("is_logged_in"):
        return Denied("login", OIDC_LOGIN_TEXT)
    name = next((clean_name(str(st_user[c])) for c in OIDC_NAME_CLAIMS if st_user.get(c)), "")
    groups: list[str] = []
    for claim in OIDC_GROUP_CLAIMS:
        value = st_user.get(claim)
        if isinstance(value, str):
            groups += split_groups(value)
        elif isinstance(value, (list, tuple)):
            groups += [str(v).strip().lower() for v in value if str(v).strip()]
    role = role_for_groups(groups, settings.auth.role_access)
    if not name or role is None:
        return Denied("no_role", NO_ROLE_TEXT.format(name=name or "?", roles=", ".join(settings.auth.role_access)))
    return User(name, role, "oidc")


def _header_values(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> dict[str, list[str]]:
    """Header name (lower case) -> every value sent, so a repeated header can be noticed."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or [])
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(str(name).lower(), []).append(str(value))
    return values


def is_trusted_proxy(remote_addr: str | None, trusted: Iterable[str]) -> bool:
    """Whether `remote_addr` is one of `trusted` (exact addresses or CIDR networks)."""
    if not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for entry in trusted:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            log.warning("auth.trusted_proxies entry %r is not an address or network; ignored", entry)
            continue
        if address.version == network.version and address in network:
            return True
    return False


def split_groups(value: str) -> list[str]:
    return [g.strip().lower() for g in value.split(",") if g.strip()]


def role_for_groups(groups: Iterable[str], role_access: Mapping[str, list[str]]) -> str | None:
    """The highest-privilege role named in `groups` (see the module docstring for the ranking)."""
    wanted = {g.strip().lower() for g in groups}
    ranked = sorted(enumerate(role_access.items()), key=lambda item: (len(set(item[1][1])), item[0]))
    best = None
    for _position, (role, _levels) in ranked:
        if role.lower() in wanted:
            best = role
    return best


def clean_name(value: str) -> str:
    """A display name from a header or claim: no control characters, bounded length."""
    value = _CONTROL.sub("", value).strip()
    return value if len(value) <= MAX_NAME_CHARS else ""


def login_delay(failures: int) -> float:
    """Seconds a session must wait before its next login attempt after `failures` failed ones."""
    if failures < FREE_LOGIN_ATTEMPTS:
        return 0.0
    return float(min(5 * 2 ** (failures - FREE_LOGIN_ATTEMPTS), 300))


# ----------------------------------------------------------------------------- the users file

def users_path(settings: Settings) -> Path:
    return settings.auth.users_file or settings.var_dir / USERS_FILE_NAME


@lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended cost


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(os.urandom(16).hex())


def _check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not _USER_NAME.match(name):
        raise ConfigError(
            f"ongeldige gebruikersnaam '{name}': gebruik 1-64 tekens a-z, 0-9, punt, _, @ of - (begin met letter of cijfer)"
        )
    return name


def _check_role(settings: Settings, role: str) -> str:
    if role not in settings.auth.role_access:
        raise ConfigError(f"onbekende rol '{role}' (bekende rollen: {', '.join(settings.auth.role_access)})")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(f"het wachtwoord moet minstens {MIN_PASSWORD_CHARS} tekens hebben")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ConfigError(f"het wachtwoord mag hoogstens {MAX_PASSWORD_CHARS} tekens hebben")
    return password


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time: the CLI and a web app that rehashes on login may race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"gebruikersbestand {path} is niet leesbaar: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        users = data["users"]
        if not isinstance(users, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"gebruikersbestand {path} is beschadigd (geen geldige JSON met 'users')") from None
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("users file %s is accessible to other accounts; it should be mode 0600", path)
    return users


def _write(path: Path, users: dict[str, dict[str, str]]) -> None:
    """Replace the file atomically; it is created 0600 and never exists with wider permissions."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"format": USERS_FORMAT, "users": users}, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def add_user(settings: Settings, name: str, password: str, role: str, replace: bool = False) -> UserRecord:
    """Add a user (or, with `replace`, set a new password and role for an existing one)."""
    name, role, password = _check_name(name), _check_role(settings, role), _check_password(password)
    path = users_path(settings)
    digest = _hasher().hash(password)
    with _locked(path):
        users = _read(path)
        if name in users and not replace:
            raise RadassistError(f"gebruiker '{name}' bestaat al; gebruik --replace om wachtwoord en rol te wijzigen")
        now = _now()
        created = users.get(name, {}).get("created", now)
        users[name] = {"hash": digest, "role": role, "created": created, "updated": now}
        _write(path, users)
    return UserRecord(name, role, created, now)


def remove_user(settings: Settings, name: str) -> None:
    path = users_path(settings)
    name = (name or "").strip().lower()
    with _locked(path):
        users = _read(path)
        if name not in users:
            raise RadassistError(f"gebruiker '{name}' bestaat niet")
        del users[name]
        _write(path, users)


def list_users(settings: Settings) -> list[UserRecord]:
    users = _read(users_path(settings))
    return [
        UserRecord(name, info.get("role", ""), info.get("created", ""), info.get("updated", ""))
        for name, info in sorted(users.items())
    ]


def lookup_user(settings: Settings, name: str) -> User | None:
    """The user as the file has them now (no password check): removals and role changes apply at once."""
    info = _read(users_path(settings)).get((name or "").strip().lower())
    if info is None or info.get("role") not in settings.auth.role_access:
        return None
    return User(name.strip().lower(), info["role"], "users")


def verify_password(settings: Settings, name: str, password: str) -> User | None:
    """The user when `password` is theirs, else None. Unknown names cost the same time as wrong passwords."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    path = users_path(settings)
    key = (name or "").strip().lower()
    info = _read(path).get(key)
    if info is None or not isinstance(info.get("hash"), str) or len(password or "") > MAX_PASSWORD_CHARS:
        try:
            hasher.verify(_dummy_hash(), password or "")
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(info["hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    if info.get("role") not in settings.auth.role_access:
        log.warning("user %s has role %r, which auth.role_access does not know; login refused", key, info.get("role"))
        return None
    if hasher.check_needs_rehash(info["hash"]):
        _rehash(path, key, info["hash"], hasher.hash(password))
    return User(key, info["role"], "users")


def _rehash(path: Path, name: str, old: str, new: str) -> None:
    with _locked(path):
        users = _read(path)
        if users.get(name, {}).get("hash") == old:  # unless the password changed meanwhile
            users[name]["hash"] = new
            _write(path, users)


# ----------------------------------------------------------------------------- command line

def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ConfigError("geen terminal om het wachtwoord te vragen: geef het via --password-stdin")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Herhaal het wachtwoord: ") != first:
        raise ConfigError("de twee wachtwoorden zijn niet gelijk")
    return first


def _mode_note(settings: Settings) -> None:
    if settings.auth.mode != "users":
        print(f"let op: auth.mode is '{settings.auth.mode}'; dit gebruikersbestand telt pas met auth.mode = \"users\"",
              file=sys.stderr)


def cmd_users_add(args: argparse.Namespace) -> int:
    from radassist.cli import _settings

    settings = _settings(args)
    _check_name(args.name)
    _check_role(settings, args.role)
    record = add_user(settings, args.name, _read_password(args), args.role, replace=args.replace)
    print(f"Gebruiker {record.name} {'bijgewerkt' if args.replace else 'toegevoegd'} met rol {record.role} "
          f"({users_path(settings)}).")
    _mode_note(settings)
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    from radassist.cli import _settings

    settings = _settings(args)
    remove_user(settings, args.name)
    print(f"Gebruiker {args.name.strip().lower()} verwijderd.")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from radassist.cli import _settings

    settings = _settings(args)
    records = list_users(settings)
    if args.json:
        print(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=1))
        return 0
    if not records:
        print(f"Nog geen gebruikers in {users_path(settings)}. Voeg er een toe met: radassist users add NAAM --role ROL")
    for r in records:
        print(f"{r.name:<24} {r.role:<12} aangemaakt {r.created}  gewijzigd {r.updated}")
    _mode_note(settings)
    return 0


def register_cli(sub) -> None:
    p = sub.add_parser(
        "users", help="manage the local users file (auth mode 'users')",
        description="Manage the users who may log in to the web app when auth.mode is 'users'. Passwords are "
        "stored as salted argon2id hashes in <data dir>/users.json (mode 0600); hashes are never printed.",
    )
    actions = p.add_subparsers(dest="users_command", metavar="ACTION")

    add = actions.add_parser("add", help="add a user (asks the password twice)",
                             description="Add a user with a role from auth.role_access. The password is asked "
                             "twice on a terminal, or read as one line from stdin with --password-stdin.")
    add.add_argument("name", help="user name: a-z, 0-9, . _ @ - (stored in lower case)")
    add.add_argument("--role", required=True, help="access role, e.g. gast, medewerker or beheerder")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--replace", action="store_true", help="the user exists: set a new password and role")
    add.add_argument("--index", metavar="DIR", help="index folder; the users file lives in its data dir")
    add.set_defaults(func=cmd_users_add)

    remove = actions.add_parser("remove", help="remove a user (open sessions lose access on their next click)")
    remove.add_argument("name")
    remove.add_argument("--index", metavar="DIR")
    remove.set_defaults(func=cmd_users_remove)

    listing = actions.add_parser("list", help="list users and roles (never the hashes)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--index", metavar="DIR")
    listing.set_defaults(func=cmd_users_list)

    def usage(_args) -> int:
        p.print_help()
        return 2

    p.set_defaults(func=usage)
