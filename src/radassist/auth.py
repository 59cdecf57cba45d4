"""Who is asking, and with which role: the access role decides which confidentiality levels retrieval may return.

`settings.auth.mode` picks how a user is identified:

    none     one local user "lokaal" with `auth.default_role` (a laptop; the UI says so)
    users    a local users file (argon2id hashes, 0600), managed with `radassist users add|remove|list`
             (the file, password checks and that command: users.py)
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

import ipaddress
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from radassist.settings import Settings
from radassist.users import (  # noqa: F401  (re-exported: callers use auth.add_user, auth.verify_password, ...)
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    USERS_FILE_NAME,
    USERS_FORMAT,
    UserRecord,
    add_user,
    cmd_users_add,
    cmd_users_list,
    cmd_users_remove,
    list_users,
    lookup_user,
    register_cli,
    remove_user,
    users_path,
    verify_password,
)

log = logging.getLogger("radassist.auth")

LOCAL_USER = "lokaal"
MAX_NAME_CHARS = 200
OIDC_GROUP_CLAIMS = ("groups", "roles")
OIDC_NAME_CLAIMS = ("email", "preferred_username", "name", "sub")
FREE_LOGIN_ATTEMPTS = 3  # failed logins per session before each further attempt must wait

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
