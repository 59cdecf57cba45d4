"""The local users file of auth mode 'users' and the `radassist users add|remove|list` command.

Users are stored in <data dir>/users.json (mode 0600, replaced atomically under a lock) with salted
argon2id hashes; `verify_password` checks a login and `lookup_user` re-reads a user's role on every
request. `User` itself and request resolution are in auth.py, which re-exports everything here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import getpass
import json
import logging
import os
import re
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from radassist.settings import Settings
from radassist.types import ConfigError, RadassistError

if TYPE_CHECKING:
    from radassist.auth import User  # auth.py imports this module; at run time User is imported where it is built

log = logging.getLogger("radassist.auth")

USERS_FILE_NAME = "users.json"
USERS_FORMAT = 1
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024

_USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class UserRecord:
    """A user in the users file, without the password hash."""

    name: str
    role: str
    created: str
    updated: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "created": self.created, "updated": self.updated}


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
    from radassist.auth import User

    info = _read(users_path(settings)).get((name or "").strip().lower())
    if info is None or info.get("role") not in settings.auth.role_access:
        return None
    return User(name.strip().lower(), info["role"], "users")


def verify_password(settings: Settings, name: str, password: str) -> User | None:
    """The user when `password` is theirs, else None. Unknown names cost the same time as wrong passwords."""
    from argon2.exceptions import InvalidHashError, VerificationError

    from radassist.auth import User

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
