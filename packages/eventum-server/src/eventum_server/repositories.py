"""Connected generator repositories (Eventum 2.8): git repositories whose `generators/<name>/`
folders holding a generator config are a catalog of generators to install.

The list lives in `path.repositories` (default `repositories.yml` beside the startup file) as a
YAML list of `{name, url, ref, username, password}`. A repository is fetched with the `git`
command (one commit, shallow when the server can) into a private bare repository, read as git
objects, and a generator is written out of it only when installed. Credentials reach git through
the environment and an inline credential helper, never its arguments; they are kept out of
every answer and log.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from eventum_core.app.application import Application
from eventum_core.archives import UNPACKED_MAX_BYTES, UNPACKED_MAX_FILES, staged_folder
from eventum_core.logging import get_logger
from eventum_server import discovery

log = get_logger(component="server")

GENERATORS_DIR = "generators"
README = "README.md"
SOURCE_FILE = ".eventum-source.yml"  # the origin an installed generator carries with it
MASK = "********"
DEFAULT_USERNAME = "git"  # sent with a password alone: hosts taking a token accept any user
LS_REMOTE_TIMEOUT = 60.0
FETCH_TIMEOUT = 600.0
STALL_SECONDS = 60  # a transfer under 1 byte/s for this long is abandoned
README_MAX_BYTES = 256 * 1024
SUMMARY_MAX = 400
DISCOVERY_TTL = 600.0  # an anonymous GitHub search has a quota of ten a minute
DISCOVERY_CACHE_MAX = 32

_NAME = r"^[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$"
_REF = r"^[a-zA-Z0-9][a-zA-Z0-9._/-]*$"
_SECRET = re.compile(r"\$\{\s*secrets\.([^}\s|]+)\s*\}")
_PASSTHROUGH_ENV = (
    "PATH", "HOME", "http_proxy", "https_proxy", "no_proxy", "all_proxy", "HTTP_PROXY",
    "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
)  # fmt: skip
# The helper answers `get` from two variables: the values never appear in an argument list.
_CREDENTIAL_HELPER = (
    '!f() { test "$1" = get && printf "username=%s\\npassword=%s\\n" '
    '"$EVENTUM_GIT_USERNAME" "$EVENTUM_GIT_PASSWORD"; }; f'
)


class RepositoryError(Exception):
    """A failure with what to show: `message`, the `reason` given, a `hint` for what to do."""

    def __init__(self, message: str, *, reason: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.reason, self.hint = reason, hint

    def detail(self) -> str:
        text = f"{self}: {self.reason}" if self.reason else str(self)
        if not self.hint:
            return text
        return f"{text} {self.hint}" if text.endswith((".", "!", "?")) else f"{text}. {self.hint}"


class RepositoryNotFound(RepositoryError):
    pass


class RepositoryConflict(RepositoryError):
    pass


class RepositoryUnreachable(RepositoryError):
    """The remote cannot be fetched, or publishes nothing this can read."""


class SecretMissing(RepositoryError):
    """What must change is this instance's keyring, not the remote."""


class EntryNotFound(RepositoryError):
    pass


class InstallConflict(RepositoryError):
    pass


class DiscoveryLimited(RepositoryError):
    def __init__(self, message: str, *, seconds: int | None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.seconds = seconds


class Repository(BaseModel, extra="forbid", frozen=True):
    """One entry of repositories.yml. `password` is a value or `${secrets.<name>}` references
    that the keyring answers at every fetch."""

    name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    url: str = Field(min_length=1, max_length=2048)
    ref: str | None = Field(default=None, min_length=1, max_length=255, pattern=_REF)
    username: str | None = Field(default=None, min_length=1, max_length=255)
    password: str | None = Field(default=None, min_length=1, max_length=4096)

    @field_validator("url")
    @classmethod
    def _fetchable(cls, url: str) -> str:
        # Fetched on a caller's request: no transport reaching into this host (file, ssh, ext).
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("URL scheme must be http or https")
        if not parts.hostname:
            raise ValueError("URL must include a host")
        if parts.username is not None or parts.password is not None:
            raise ValueError('URL must not carry credentials: give "username" and "password"')
        return url

    @field_validator("ref")
    @classmethod
    def _ref_name(cls, ref: str | None) -> str | None:
        if ref is not None and (".." in ref or ref.endswith(("/", ".lock"))):
            raise ValueError("not a valid branch or tag name")
        return ref

    def shown(self) -> dict[str, Any]:
        """As answered: a password typed in place is masked, `${secrets.x}` names are kept."""
        data = self.model_dump()
        if self.password is not None and _SECRET.sub("", self.password) != "":
            data["password"] = MASK
        return data


class RepositoryStatus(BaseModel):
    state: Literal["unknown", "available", "unavailable"]
    checked_at: datetime | None = None
    reason: str | None = None


class InstalledProject(BaseModel):
    project: str
    revision: str
    installed_at: datetime
    outdated: bool  # the repository now publishes other content for it


class CatalogEntry(BaseModel):
    name: str
    path: str
    title: str | None
    summary: str | None
    file_count: int
    size: int
    tree: str  # git's hash of the generator folder: changes exactly when its content does
    installed_as: list[InstalledProject] = []


class Catalog(BaseModel):
    revision: str
    refreshed_at: datetime
    committed_at: datetime
    author: str | None
    entries: list[CatalogEntry]


class Source(BaseModel, extra="ignore"):
    """`.eventum-source.yml`: it travels with the folder through renames and exports."""

    repository: str
    url: str
    ref: str | None = None
    entry: str
    revision: str
    tree: str
    installed_at: datetime


def identity(url: str) -> str:
    """Host, port and path without `.git` or a trailing slash: one remote, however written."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port is not None else ""
    path = parts.path.rstrip("/").removesuffix(".git").rstrip("/")
    return f"{(parts.hostname or '').lower()}{port}{path}"


# --- git -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    username: str | None
    password: str | None

    def scrub(self, text: str) -> str:
        return text.replace(self.password, "***") if self.password else text


def _git_env(credentials: Credentials) -> dict[str, str]:
    env = {key: os.environ[key] for key in _PASSTHROUGH_ENV if key in os.environ}
    config = [
        ("protocol.allow", "never"),  # redirects and submodules may not lead to file:// or ssh
        ("protocol.http.allow", "always"),
        ("protocol.https.allow", "always"),
        ("http.lowSpeedLimit", "1"),
        ("http.lowSpeedTime", str(STALL_SECONDS)),
        ("credential.helper", ""),  # no helper of this host's user answers for a repository
    ]
    if credentials.password is not None:
        config.append(("credential.helper", _CREDENTIAL_HELPER))
        env["EVENTUM_GIT_USERNAME"] = credentials.username or DEFAULT_USERNAME
        env["EVENTUM_GIT_PASSWORD"] = credentials.password
    env.update(
        LC_ALL="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_COUNT=str(len(config)),
    )
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key, value
    return env


def git(
    *args: str,
    cwd: Path | None = None,
    credentials: Credentials = Credentials(None, None),
    timeout: float = LS_REMOTE_TIMEOUT,
    what: str = "Failed to fetch the repository",
) -> str:
    """Run git (no shell); a failure is `RepositoryUnreachable` with git's last words."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=_git_env(credentials),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise RepositoryError("the git command is not installed on this server") from None
    except subprocess.TimeoutExpired:
        raise RepositoryUnreachable(what, reason=f"no answer within {timeout:g} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = credentials.scrub(" ".join(lines[-3:]) or f"git exited with {done.returncode}")
        raise RepositoryUnreachable(what, reason=reason)
    return done.stdout.decode("utf-8", "replace")


def _auth_hint(error: RepositoryUnreachable, credentials: Credentials) -> None:
    asked = "could not read Username" in (error.reason or "")
    if asked and credentials.password is None:
        error.hint = (
            "The repository may not exist at this address, or may be private: give a "
            "username and a password to reach it"
        )


def remote_refs(repository: Repository, credentials: Credentials) -> dict[str, str]:
    """`git ls-remote`: every published ref and the object it names."""
    try:
        out = git("ls-remote", "--", repository.url, credentials=credentials,
                  what="Failed to reach the repository")  # fmt: skip
    except RepositoryUnreachable as error:
        _auth_hint(error, credentials)
        raise
    refs = {}
    for line in out.splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    return refs


def wanted_ref(repository: Repository, refs: dict[str, str]) -> str:
    """The full name of the ref to fetch: HEAD, else the branch, else the tag."""
    if repository.ref is None:
        candidates = ["HEAD"]
    elif repository.ref.startswith("refs/"):
        candidates = [repository.ref]
    else:
        candidates = [f"refs/heads/{repository.ref}", f"refs/tags/{repository.ref}"]
    for candidate in candidates:
        if candidate in refs:
            return candidate
    raise RepositoryUnreachable(
        "Repository publishes no such branch or tag", reason=repository.ref or "HEAD"
    )


def fetch(repository: Repository, credentials: Credentials, into: Path) -> str:
    """Fetch the wanted commit into a new bare repository `into`; its hash."""
    ref = wanted_ref(repository, remote_refs(repository, credentials))
    git("init", "--quiet", "--bare", str(into))
    command = ["fetch", "--quiet", "--no-tags", "--depth=1", "--", repository.url, ref]
    try:
        git(*command, cwd=into, credentials=credentials, timeout=FETCH_TIMEOUT)
    except RepositoryUnreachable as error:
        if "shallow" not in (error.reason or ""):
            raise
        command.remove("--depth=1")  # a "dumb" HTTP server serves whole histories only
        git(*command, cwd=into, credentials=credentials, timeout=FETCH_TIMEOUT)
    revision = git("rev-parse", "--verify", "FETCH_HEAD^{commit}", cwd=into).strip()
    git("update-ref", "refs/eventum/fetched", revision, cwd=into)  # kept from any gc
    return revision


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    kind: str
    sha: str
    size: int
    path: str


def ls_tree(repo: Path, treeish: str, *, recursive: bool) -> list[TreeEntry]:
    args = ["ls-tree", "-z", "-l", *(["-r"] if recursive else []), treeish]
    out = git(*args, cwd=repo, what="Failed to read the fetched repository")
    entries = []
    for record in filter(None, out.split("\0")):
        meta, _, path = record.partition("\t")
        mode, kind, sha, size = meta.split()
        entries.append(TreeEntry(mode, kind, sha, int(size) if size.isdigit() else 0, path))
    return entries


def _regular(entry: TreeEntry) -> bool:
    """Only regular files are published: links and submodules stay behind."""
    return entry.kind == "blob" and entry.mode in ("100644", "100755")


@contextlib.contextmanager
def blob_reader(repo: Path) -> Iterator[Any]:
    """`git cat-file --batch`: `read(sha, sink)` copies one blob into a binary file."""
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        env=_git_env(Credentials(None, None)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def read(sha: str, sink: IO[bytes]) -> None:
        stdin.write(f"{sha}\n".encode())
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise RepositoryUnreachable("Failed to read the fetched repository", reason=sha)
        left = int(header[2])
        while left:
            chunk = stdout.read(min(left, 1 << 20))
            if not chunk:
                raise RepositoryUnreachable("Failed to read the fetched repository", reason=sha)
            sink.write(chunk)
            left -= len(chunk)
        stdout.read(1)  # the newline after each blob

    try:
        yield read
    finally:
        stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # left blocked writing what nobody reads any more
            process.kill()
            process.wait()
        stdout.close()


# --- catalog ---------------------------------------------------------------------------------

_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_NOT_PROSE = re.compile(r"^(?:#{1,6}\s|[-*+>|]|\d+\.\s|```|<|!?\[)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def readme_summary(text: str) -> tuple[str | None, str | None]:
    """The first `# ` heading, and the first paragraph of prose after it (markup dropped)."""
    lines = text.splitlines()
    title, start = None, 0
    for index, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            title, start = heading[1], index + 1
            break
    paragraph: list[str] = []
    for line in (raw.strip() for raw in lines[start:]):
        if not line or _NOT_PROSE.match(line):
            if paragraph:
                break
            continue
        paragraph.append(line)
    if not paragraph:
        return title, None
    summary = re.sub(r"\*{1,2}|`", "", _LINK.sub(r"\1", " ".join(paragraph)))
    if len(summary) > SUMMARY_MAX:
        summary = summary[:SUMMARY_MAX].rstrip() + "..."
    return title, summary


def read_catalog(repo: Path, revision: str, config_filename: str) -> Catalog:
    """Each folder of `generators/` with the config file at its top is an entry."""
    committed, _, author = git(
        "show", "-s", "--format=%aI%x00%an", revision, cwd=repo
    ).strip().partition("\0")  # fmt: skip
    try:
        folders = ls_tree(repo, f"{revision}:{GENERATORS_DIR}", recursive=False)
    except RepositoryUnreachable:
        raise RepositoryUnreachable(
            "Repository publishes no generators directory", reason=f"{GENERATORS_DIR}/"
        ) from None
    files = ls_tree(repo, f"{revision}:{GENERATORS_DIR}", recursive=True)
    entries = []
    with blob_reader(repo) as read:
        for folder in folders:
            if folder.kind != "tree":
                continue
            inside = [f for f in files if f.path.startswith(f"{folder.path}/") and _regular(f)]
            top = {f.path.removeprefix(f"{folder.path}/"): f for f in inside}
            if config_filename not in top:
                continue
            title = summary = None
            readme = top.get(README)
            if readme is not None and readme.size <= README_MAX_BYTES:
                with tempfile.SpooledTemporaryFile(README_MAX_BYTES + 1) as text:
                    read(readme.sha, text)
                    text.seek(0)
                    title, summary = readme_summary(text.read().decode("utf-8", "replace"))
            entries.append(
                CatalogEntry(
                    name=folder.path,
                    path=f"{GENERATORS_DIR}/{folder.path}",
                    title=title[:250] if title else None,
                    summary=summary,
                    file_count=len(inside),
                    size=sum(f.size for f in inside),
                    tree=folder.sha,
                )
            )
    return Catalog(
        revision=revision,
        refreshed_at=datetime.now(UTC),
        committed_at=datetime.fromisoformat(committed),
        author=author or None,
        entries=sorted(entries, key=lambda entry: entry.name),
    )


def read_source(folder: Path) -> Source | None:
    path = folder / SOURCE_FILE
    try:
        if not path.is_file() or path.stat().st_size > 64 * 1024:
            return None
        return Source.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError):
        return None


def installed_from(generators_dir: Path, repository: Repository) -> dict[str, list[Any]]:
    """Folders whose origin is this remote at this ref, by catalog entry: a folder that merely
    shares a name is not one, a renamed one still is."""
    found: dict[str, list[Any]] = {}
    try:
        folders = sorted(p for p in generators_dir.iterdir() if p.is_dir())
    except OSError:
        return found
    for folder in folders:
        source = read_source(folder)
        same = source and identity(source.url) == identity(repository.url)
        if source and same and source.ref == repository.ref:
            found.setdefault(source.entry, []).append((folder.name, source))
    return found


# --- install ---------------------------------------------------------------------------------


def install(
    repo: Path, revision: str, entry: CatalogEntry, destination: Path, source: Source
) -> int:
    """Write the entry's regular files as the folder `destination` (staged beside it, then
    renamed: never half a generator); the number of files."""
    files = [f for f in ls_tree(repo, f"{revision}:{entry.path}", recursive=True) if _regular(f)]
    if len(files) > UNPACKED_MAX_FILES:
        raise RepositoryUnreachable(
            "Published generator cannot be installed",
            reason=f"more than {UNPACKED_MAX_FILES} files",
        )
    if sum(f.size for f in files) > UNPACKED_MAX_BYTES:
        raise RepositoryUnreachable(
            "Published generator cannot be installed",
            reason=f"it holds more than {UNPACKED_MAX_BYTES} bytes",
        )
    try:
        with staged_folder(destination) as staging, blob_reader(repo) as read:
            for file in files:
                relative = PurePosixPath(file.path)
                if relative.is_absolute() or any(p in ("", ".", "..") for p in relative.parts):
                    raise RepositoryUnreachable(
                        "Published generator cannot be installed",
                        reason=f"'{file.path[:200]}' would land outside the folder",
                    )
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as sink:
                    read(file.sha, sink)
            (staging / SOURCE_FILE).write_text(
                yaml.safe_dump(source.model_dump(mode="json"), sort_keys=False), encoding="utf-8"
            )
            if destination.exists():
                raise InstallConflict(f"generator '{destination.name}' already exists")
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):  # made meanwhile by another caller
            raise InstallConflict(f"generator '{destination.name}' already exists") from None
        raise RepositoryError(
            "Failed to write the generator", reason=f"{destination}: {error.strerror}"
        ) from None
    return len(files)


# --- the service -----------------------------------------------------------------------------


def _checked(failure: RepositoryUnreachable | None) -> RepositoryStatus:
    if failure is None:
        return RepositoryStatus(state="available", checked_at=datetime.now(UTC))
    return RepositoryStatus(
        state="unavailable", checked_at=datetime.now(UTC), reason=failure.detail()
    )


@dataclass
class _Fetched:
    holder: tempfile.TemporaryDirectory[str]
    repository: Repository
    catalog: Catalog

    @property
    def repo(self) -> Path:
        return Path(self.holder.name) / "repo"


@dataclass
class _Discovered:
    entries: list[dict[str, Any]]
    total_count: int
    etag: str | None
    refreshed_at: datetime
    rate: dict[str, Any]


class Repositories:
    """The connected repositories of one application. Blocking: call from worker threads.

    The file is read on every call (settings may be reloaded, the file edited by hand). Work
    on one repository (fetch, read, install) is serialized by its own lock, so an install
    never reads a clone that a refresh is replacing; other repositories go on meanwhile.
    """

    def __init__(self, application: Application) -> None:
        self._application = application
        self._lock = threading.RLock()
        self._repository_locks: dict[str, threading.Lock] = {}
        self._fetched: dict[str, _Fetched] = {}
        self._statuses: dict[str, RepositoryStatus] = {}
        self._discovery_lock = threading.Lock()
        self._discovered: dict[tuple[str, int], _Discovered] = {}

    @property
    def file(self) -> Path:
        paths = self._application.settings.path
        return paths.repositories or paths.startup.parent / "repositories.yml"

    @property
    def generators_dir(self) -> Path:
        return self._application.settings.path.generators_dir

    # storage

    def _read(self) -> list[Repository]:
        try:
            data = (
                yaml.safe_load(self.file.read_text(encoding="utf-8")) if self.file.exists() else []
            )
        except (OSError, UnicodeDecodeError) as error:
            raise RepositoryError(
                "Cannot read the repositories file", reason=f"{self.file}: {error}"
            ) from None
        except yaml.YAMLError as error:  # told by position: PyYAML quotes the line, a password
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
            problem = getattr(error, "problem", None) or type(error).__name__
            raise RepositoryError(
                "Repositories file is not valid YAML", reason=f"{self.file}{where}: {problem}"
            ) from None
        if data is None:
            return []
        if not isinstance(data, list):
            raise RepositoryError("Repositories file is not a YAML list", reason=str(self.file))
        try:
            return [Repository.model_validate(item) for item in data]
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}"
                for e in error.errors(include_input=False, include_url=False)
            )
            raise RepositoryError(
                "Repositories file fails validation", reason=f"{self.file}: {problems}"
            ) from None

    def _write(self, repositories: list[Repository]) -> None:
        content = yaml.safe_dump(
            [r.model_dump(exclude_none=True) for r in repositories],
            sort_keys=False,
            allow_unicode=True,
        )
        target = self.file.resolve() if self.file.is_symlink() else self.file
        staged = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.write_text(content, encoding="utf-8")
            staged.chmod(0o600)  # it may hold a password typed in place
            staged.replace(target)
        except OSError as error:
            staged.unlink(missing_ok=True)
            raise RepositoryError(
                "Cannot write the repositories file", reason=f"{target}: {error}"
            ) from None

    def _find(self, name: str) -> Repository:
        for repository in self._read():
            if repository.name == name:
                return repository
        raise RepositoryNotFound(f"repository '{name}' is not connected")

    # credentials

    def _credentials(self, repository: Repository) -> Credentials:
        password = repository.password
        if password is not None:
            keyring = self._application.keyring

            def value(reference: re.Match[str]) -> str:
                try:
                    return keyring.get(reference[1])
                except KeyError:
                    raise SecretMissing(
                        f"secret '{reference[1]}' of repository '{repository.name}' is missing",
                        hint=f"Add it with eventum-keyring or PUT /api/secrets/{reference[1]}",
                    ) from None

            password = _SECRET.sub(value, password)
        return Credentials(repository.username, password)

    # operations

    def connected(self) -> list[dict[str, Any]]:
        with self._lock:
            unknown = RepositoryStatus(state="unknown")
            return [
                {**r.shown(), "status": self._statuses.get(r.name, unknown).model_dump()}
                for r in self._read()
            ]

    def _duplicate(self, repositories: list[Repository], new: Repository) -> None:
        for item in repositories:
            if item.name == new.name:
                raise RepositoryConflict(f"repository '{new.name}' is already connected")
            if identity(item.url) == identity(new.url) and item.ref == new.ref:
                raise RepositoryConflict(
                    f"this repository is already connected at the same branch or tag as "
                    f"'{item.name}'"
                )

    def add(self, repository: Repository, *, verify: bool) -> None:
        with self._lock:
            self._duplicate(self._read(), repository)
        if verify:
            status = self._probe(repository)
            if status.state == "unavailable":
                raise RepositoryUnreachable(
                    f"Repository '{repository.name}' cannot be connected", reason=status.reason
                )
        with self._lock:
            repositories = self._read()
            self._duplicate(repositories, repository)
            self._write([*repositories, repository])
            if verify:
                self._statuses[repository.name] = status
        log.info("repository connected", repository=repository.name, url=repository.url)

    def remove(self, name: str) -> None:
        with self._lock:
            repositories = self._read()
            self._find(name)
            self._write([r for r in repositories if r.name != name])
            self._statuses.pop(name, None)
            fetched = self._fetched.pop(name, None)
        if fetched is not None:
            with self._repository_lock(name):
                fetched.holder.cleanup()
        log.info("repository disconnected", repository=name)

    def _probe(self, repository: Repository) -> RepositoryStatus:
        credentials = self._credentials(repository)  # a missing secret is raised, not a state
        try:
            wanted_ref(repository, remote_refs(repository, credentials))
        except RepositoryUnreachable as error:
            return _checked(error)
        return _checked(None)

    def check(self, name: str) -> RepositoryStatus:
        repository = self._find(name)
        status = self._probe(repository)
        self._record(name, status)
        return status

    def _record(self, name: str, status: RepositoryStatus) -> None:
        with self._lock:
            if any(r.name == name for r in self._read()):
                self._statuses[name] = status

    def _repository_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._repository_locks.setdefault(name, threading.Lock())

    def _fetch(self, repository: Repository) -> _Fetched:
        """Fetch anew and keep the clone; the one it replaces is removed. Under the repository's
        lock."""
        credentials = self._credentials(repository)
        log.info("fetching repository", repository=repository.name, url=repository.url)
        holder = tempfile.TemporaryDirectory(prefix="eventum-repository-")
        try:
            revision = fetch(repository, credentials, Path(holder.name) / "repo")
            config = self._application.settings.path.generator_config_filename.name
            catalog = read_catalog(Path(holder.name) / "repo", revision, config)
        except RepositoryUnreachable as error:
            holder.cleanup()
            self._record(repository.name, _checked(error))
            raise
        except BaseException:
            holder.cleanup()
            raise
        self._record(repository.name, _checked(None))  # a fetch is the strongest check
        log.info(
            "repository catalog read",
            repository=repository.name,
            revision=revision,
            entries=len(catalog.entries),
        )
        fetched = _Fetched(holder, repository, catalog)
        with self._lock:
            previous = self._fetched.pop(repository.name, None)
            self._fetched[repository.name] = fetched
        if previous is not None:
            previous.holder.cleanup()
        return fetched

    def _current(self, name: str, *, refresh: bool) -> _Fetched:
        """The clone of `name` (fetched when missing, stale or `refresh`); repository lock held."""
        repository = self._find(name)
        with self._lock:
            fetched = self._fetched.get(name)
        if refresh or fetched is None or fetched.repository != repository:
            fetched = self._fetch(repository)
        return fetched

    def _with_installed(self, fetched: _Fetched) -> Catalog:
        installed = installed_from(self.generators_dir, fetched.repository)
        entries = [
            entry.model_copy(
                update={
                    "installed_as": [
                        InstalledProject(
                            project=project,
                            revision=source.revision,
                            installed_at=source.installed_at,
                            outdated=source.tree != entry.tree,
                        )
                        for project, source in installed.get(entry.name, [])
                    ]
                }
            )
            for entry in fetched.catalog.entries
        ]
        return fetched.catalog.model_copy(update={"entries": entries})

    def catalog(self, name: str, *, refresh: bool = False) -> Catalog:
        with self._repository_lock(name):
            return self._with_installed(self._current(name, refresh=refresh))

    def install(self, name: str, entry: str, destination: Path) -> int:
        if destination.exists():
            raise InstallConflict(f"generator '{destination.name}' already exists")
        with self._repository_lock(name):
            fetched = self._current(name, refresh=False)
            published = next((e for e in fetched.catalog.entries if e.name == entry), None)
            if published is None:
                raise EntryNotFound(f"repository '{name}' publishes no generator '{entry}'")
            repository = fetched.repository
            source = Source(
                repository=repository.name,
                url=repository.url,
                ref=repository.ref,
                entry=entry,
                revision=fetched.catalog.revision,
                tree=published.tree,
                installed_at=datetime.now(UTC),
            )
            count = install(fetched.repo, fetched.catalog.revision, published, destination, source)
        log.info(
            "generator installed from repository",
            repository=name,
            entry=entry,
            generator=destination.name,
            files=count,
        )
        return count

    # discovery

    def discover(self, query: str | None, page: int) -> dict[str, Any]:
        words = discovery.normalize(query)
        found = self._search(words, page)
        with self._lock:
            connected = {identity(r.url) for r in self._read()}
        return {
            "topic": discovery.TOPIC,
            "query": words,
            "entries": [
                {**entry, "connected": identity(entry["url"]) in connected}
                for entry in found.entries
            ],
            "total_count": found.total_count,
            "refreshed_at": found.refreshed_at,
            "rate": found.rate,
        }

    def _search(self, words: str, page: int) -> _Discovered:
        """Answers are held for `DISCOVERY_TTL` and then revalidated with their ETag. The lock
        is held across the request: callers asking at once spend one search between them."""
        key = (words, page)
        with self._discovery_lock:
            held = self._discovered.get(key)
            now = datetime.now(UTC)
            if held is not None and (now - held.refreshed_at).total_seconds() < DISCOVERY_TTL:
                return held
            try:
                answer = discovery.search(words, page, etag=held.etag if held else None)
            except discovery.SearchLimited as error:
                raise DiscoveryLimited(
                    "Searching the published repositories is rate limited",
                    seconds=error.seconds,
                    reason=str(error),
                    hint="GitHub allows ten anonymous searches a minute per address",
                ) from None
            except discovery.SearchFailed as error:
                raise RepositoryUnreachable(
                    "Failed to search the published repositories",
                    reason=str(error),
                    hint=f"Is {discovery.api_url()} reachable from this server?",
                ) from None
            if answer.entries is None and held is not None:  # 304: what is held stands
                held = _Discovered(held.entries, held.total_count, held.etag, now, answer.rate)
            else:
                entries = sorted(answer.entries or [], key=lambda e: not e["official"])
                held = _Discovered(entries, answer.total_count, answer.etag, now, answer.rate)
            self._discovered[key] = held
            for stale in sorted(self._discovered, key=lambda k: self._discovered[k].refreshed_at)[
                : max(0, len(self._discovered) - DISCOVERY_CACHE_MAX)
            ]:
                del self._discovered[stale]
            return held
