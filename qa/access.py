"""Who may use the archive: an admin token for changes, and (login on) users with passwords and API tokens.

users.toml, written by `qa users add` and readable by a person:

    [users.alice]
    password = "scrypt$16384$8$1$<salt hex>$<key hex>"
    tokens = ["<sha256 hex of an API token>"]

Passwords go through scrypt with a salt of their own; API tokens are 256 random bits, so a
sha256 of each is enough to store. Every comparison is constant-time (hmac.compare_digest).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_atomically
from .errors import AccessError

__all__ = ["User", "Users", "Access", "hash_password", "verify_password", "new_token", "token_digest",
           "read_users", "add_user", "read_admin_token", "ADMIN_TOKEN_ENV", "USERS_ENV", "MIN_ADMIN_TOKEN_CHARS"]

ADMIN_TOKEN_ENV = "QA_ADMIN_TOKEN"
USERS_ENV = "QA_AUTH"
MIN_ADMIN_TOKEN_CHARS = 16
# scrypt's cost: 16 MiB and about 50 ms a check here; slow for a guesser, quick for a login.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class User:
    name: str
    password: str  # "scrypt$n$r$p$salt$key", hex salt and key
    tokens: tuple[str, ...]  # sha256 hex of each API token


@dataclass(frozen=True)
class Users:
    """The users of users.toml; checks a login or an API token."""

    path: Path
    users: tuple[User, ...]

    def check_password(self, name: str, password: str) -> bool:
        user = next((u for u in self.users if hmac.compare_digest(u.name.encode(), str(name).encode())), None)
        # An unknown name costs the same scrypt as a known one, so timing does not tell names apart.
        return verify_password(str(password), user.password if user else _decoy()) and user is not None

    def token_owner(self, token: str) -> str | None:
        """The user holding API token `token`, or None; every stored digest is compared."""
        digest = token_digest(token)
        owner = None
        for user in self.users:
            for stored in user.tokens:
                if hmac.compare_digest(stored, digest):
                    owner = user.name
        return owner


@dataclass(frozen=True)
class Access:
    """What the server lets through: changes with the admin token; reads with a user's token when login is on."""

    admin_token: str | None = None
    users: Users | None = None

    def is_admin(self, token: str | None) -> bool:
        return bool(self.admin_token and token) and hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), self.admin_token.encode("utf-8"))

    def may_read(self, token: str | None) -> bool:
        if self.users is None:
            return True
        return bool(token) and (self.users.token_owner(token) is not None or self.is_admin(token))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_password(password: str, stored: str) -> bool:
    _, n, r, p, salt, key = stored.split("$")
    return hmac.compare_digest(_scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p)), bytes.fromhex(key))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * r * n + 2**20, dklen=32)


@functools.cache
def _decoy() -> str:
    return hash_password(secrets.token_hex(8))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def read_users(path: Path) -> Users:
    """users.toml, checked key by key; AccessError names the file and the key at fault."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AccessError(f"{path}: cannot read the users file ({exc.strerror}); create it with `qa users add NAME`") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AccessError(f"{path}: not valid TOML ({exc})") from exc
    unknown = set(raw) - {"users"}
    if unknown:
        raise AccessError(f"{path}: unknown top-level keys {sorted(unknown)}; only [users.NAME] tables belong here")
    table = raw.get("users", {})
    if not isinstance(table, dict):
        raise AccessError(f"{path}: users: must be tables [users.NAME]")
    return Users(Path(path), tuple(_user(path, name, facts) for name, facts in table.items()))


def _user(path: Path, name: str, facts: object) -> User:
    where = f"{path}: users.{name}"
    if not _NAME.fullmatch(name):
        raise AccessError(f"{where}: a name is 1 to 64 letters, digits, '_' or '-'")
    if not isinstance(facts, dict):
        raise AccessError(f"{where}: must be a table with 'password' and 'tokens'")
    unknown = set(facts) - {"password", "tokens"}
    if unknown:
        raise AccessError(f"{where}: unknown keys {sorted(unknown)}; allowed: password, tokens")
    password = facts.get("password")
    parts = password.split("$") if isinstance(password, str) else []
    if (len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4])
            or not all(_HEX.fullmatch(p) and len(p) % 2 == 0 for p in parts[4:])):
        raise AccessError(f"{where}.password: expected scrypt$N$r$p$salt$key as `qa users add` writes it")
    tokens = facts.get("tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) and len(t) == 64 and _HEX.fullmatch(t) for t in tokens):
        raise AccessError(f"{where}.tokens: expected a list of sha256 hex digests as `qa users add` writes them")
    return User(name, password, tuple(tokens))


def add_user(path: Path, name: str, password: str) -> str:
    """Add `name` (or give an existing user a new password and token); returns the new API token, shown once."""
    if not _NAME.fullmatch(name):
        raise AccessError(f"user name {name!r}: use 1 to 64 letters, digits, '_' or '-'")
    if len(password) < 8:
        raise AccessError("the password is shorter than 8 characters; choose a longer one")
    users = {u.name: u for u in read_users(path).users} if Path(path).exists() else {}
    token = new_token()
    users[name] = User(name, hash_password(password), (token_digest(token),))
    lines = ["# Archive QA users, written by `qa users add`: passwords and API tokens are stored hashed only.", ""]
    for user in users.values():
        tokens = ", ".join(f'"{t}"' for t in user.tokens)
        lines += [f"[users.{user.name}]", f'password = "{user.password}"', f"tokens = [{tokens}]", ""]
    write_atomically(Path(path), "\n".join(lines).encode("utf-8"))
    os.chmod(path, 0o600)
    return token


def read_admin_token(file: Path | None = None) -> str | None:
    """The admin token: the first line of `file` when given, else $QA_ADMIN_TOKEN; None when neither is set."""
    if file is not None:
        try:
            token = Path(file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise AccessError(f"{file}: cannot read the admin token file ({exc})") from exc
        where = str(file)
    else:
        token = os.environ.get(ADMIN_TOKEN_ENV, "").strip()
        where = f"${ADMIN_TOKEN_ENV}"
        if not token:
            return None
    if len(token) < MIN_ADMIN_TOKEN_CHARS:
        raise AccessError(f"{where}: the admin token is {len(token)} characters; use at least "
                          f"{MIN_ADMIN_TOKEN_CHARS}, e.g. from `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")
    return token
