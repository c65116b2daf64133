"""WebDAV for phones' backup apps, served by WsgiDAV (4.3.5 or later: earlier versions let
a crafted path escape a share).

Two mounts reach the same folders, as on Nextcloud: ``/remote.php/dav/files/<user>/``
(the user in the path must be the signed-in one) and ``/remote.php/webdav/``. A request
signs in with HTTP Basic: the member's user name and one phone's app password; that
phone's own folder is what it sees. A file PUT there becomes an import job
(`phones.receive`) and stays listed (`catalog.phone_listing`); GET of a listed file serves the
library's copy once imported. Nothing here reaches the file system but through those two.
"""

from __future__ import annotations

import logging
import mimetypes
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsgidav.dav_error import (
    HTTP_BAD_REQUEST,
    HTTP_FORBIDDEN,
    HTTP_INSUFFICIENT_STORAGE,
    HTTP_NOT_FOUND,
    HTTP_REQUEST_ENTITY_TOO_LARGE,
    DAVError,
)
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider
from wsgidav.dc.base_dc import BaseDomainController
from wsgidav.wsgidav_app import WsgiDAVApp

from appliance.catalog import phone_listing as listing
from appliance.catalog import phones as phone_rows
from appliance.errors import DiskFull, is_disk_full
from appliance.library import Library
from appliance.phones import chunks, devices, login_flow, nextcloud
from appliance.phones.receive import Receiver, TooLarge
from appliance.web.security import LoginLimiter

log = logging.getLogger(__name__)

DAV_SHARE = "/remote.php/dav"  # files/<user>/ (the folder), uploads/<user>/ (chunks)
WEBDAV_SHARE = "/remote.php/webdav"
PREFIX = "/remote.php/"
PHONE_KEY = "shoebox.phone"  # environ: the signed-in phone's id
OWNER_KEY = "shoebox.phone_owner"  # environ: its member's user id (the photos it sends are theirs)
ANSWER_KEY = "shoebox.answer_headers"  # environ: headers a stored file's answer carries
MAX_DEPTH, MAX_NAME = 32, 255
ROOT_IDS = 1_000_000_000  # a phone's root folder: oc:fileid ROOT_IDS + the phone's id


def _safe_name(name: str) -> str:
    from appliance.web.uploads import safe_name

    return safe_name(name)


class Context:
    """What the resources need: the library and the upload limit."""

    def __init__(self, library: Library, upload_limit: int) -> None:
        self.library, self.upload_limit = library, upload_limit


def _locate(provider: PhoneProvider, path: str, environ: dict) -> tuple[str, str] | None:
    """(area, path inside it): ``files`` (the phone's folder, "/" or "/a/b") or
    ``uploads`` (its chunked transfers); None when the path names no area."""
    parts = [p for p in path.split("/") if p]
    area = "files"
    if provider.areas_in_path:  # /remote.php/dav/<area>/<user>/...
        if len(parts) < 2 or parts[0] not in ("files", "uploads"):
            return None
        area, parts = parts[0], parts[1:]
        if parts[0] != environ.get("wsgidav.auth.user_name"):
            raise DAVError(HTTP_FORBIDDEN, "this is another member's folder")
        parts = parts[1:]
    if len(parts) > MAX_DEPTH or any(
        p in (".", "..") or len(p.encode("utf-8", "surrogateescape")) > MAX_NAME or "\\" in p
        for p in parts
    ):
        raise DAVError(HTTP_FORBIDDEN, "not a path in your backup folder")
    return area, "/" + "/".join(parts)


OC = "{http://owncloud.org/ns}"
INSTANCE = "ocshoebox"  # the instance part of Nextcloud's oc:id
FILE_PERMISSIONS, FOLDER_PERMISSIONS = "GDNVW", "GDNVCK"  # read, delete, rename, move, write


class NextcloudProperties:
    """The ownCloud properties Nextcloud's clients need in a listing: ``oc:id``,
    ``oc:fileid``, ``oc:permissions``, ``oc:size`` (a folder without them is not synced)."""

    def _file_id(self) -> int:
        raise NotImplementedError

    def _size(self) -> int:
        raise NotImplementedError

    def get_property_names(self, *, is_allprop: bool) -> list[str]:
        names = super().get_property_names(is_allprop=is_allprop)  # type: ignore[misc]
        return names + [f"{OC}id", f"{OC}fileid", f"{OC}permissions", f"{OC}size"]

    def get_property_value(self, name: str) -> Any:
        if name == f"{OC}fileid":
            return str(self._file_id())
        if name == f"{OC}id":
            return f"{self._file_id():08d}{INSTANCE}"
        if name == f"{OC}permissions":
            return FOLDER_PERMISSIONS if self.is_collection else FILE_PERMISSIONS  # type: ignore[attr-defined]
        if name == f"{OC}size":
            return str(self._size())
        return super().get_property_value(name)  # type: ignore[misc]


class ListedMoves:
    """MOVE and COPY of a listed name: the listing changes, never the library."""

    def handle_move(self, dest_path: str) -> bool:
        _move(self, dest_path, keep_source=False)  # type: ignore[arg-type]
        return True

    def handle_copy(self, dest_path: str, *, depth_infinity: bool) -> bool:
        _move(self, dest_path, keep_source=True)  # type: ignore[arg-type]
        return True


class PhoneFolder(ListedMoves, NextcloudProperties, DAVCollection):
    """A folder of the phone's backup (its root, or one it made)."""

    def __init__(
        self, path: str, environ: dict, rel: str, mtime: float, entry_id: int | None = None
    ) -> None:
        super().__init__(path, environ)
        self.rel, self.mtime, self.entry_id = rel, mtime, entry_id
        self.phone_id = environ[PHONE_KEY]

    def get_member_names(self) -> list[str]:
        return [e.path.rsplit("/", 1)[-1] for e in listing.children(self.phone_id, self.rel)]

    def _file_id(self) -> int:
        return self.entry_id if self.entry_id else ROOT_IDS + self.phone_id

    def _size(self) -> int:
        return listing.summary(self.phone_id, self.rel)[1]

    def get_etag(self) -> str:
        """Changes whenever anything below changes (clients then list it again)."""
        count, size, newest = listing.summary(self.phone_id, self.rel)
        return f"{count:x}-{size:x}-{newest:x}"

    def support_etag(self) -> bool:
        return True

    def get_last_modified(self) -> float:
        return self.mtime

    def get_creation_date(self) -> float:
        return self.mtime

    def create_empty_resource(self, name: str) -> PhoneFile:
        rel = _child(self.rel, name)
        return PhoneFile(self.path.rstrip("/") + "/" + name, self.environ, rel, None)

    def create_collection(self, name: str) -> None:
        listing.make_folder(self.phone_id, _child(self.rel, name))

    def support_recursive_delete(self) -> bool:
        return True

    def handle_delete(self) -> bool:
        if self.rel == "/":
            raise DAVError(HTTP_FORBIDDEN, "the backup folder itself stays")
        listing.remove(self.phone_id, self.rel)
        return True


class PhoneFile(ListedMoves, NextcloudProperties, DAVNonCollection):
    """A file the phone sent (or is sending: ``entry`` None until it arrived)."""

    def __init__(self, path: str, environ: dict, rel: str, entry: Any) -> None:
        super().__init__(path, environ)
        self.rel, self.entry = rel, entry
        self.phone_id = environ[PHONE_KEY]
        self.context: Context = environ["shoebox.context"]
        self.receiver: Receiver | None = None

    def get_content_length(self) -> int:
        return self.entry.size if self.entry else 0

    def _file_id(self) -> int:
        return self.entry.id if self.entry else 0

    def _size(self) -> int:
        return self.get_content_length()

    def get_content_type(self) -> str:
        return mimetypes.guess_type(self.rel)[0] or "application/octet-stream"

    def get_last_modified(self) -> float:
        return self.entry.mtime if self.entry else time.time()

    def get_creation_date(self) -> float:
        return self.get_last_modified()

    def get_etag(self) -> str | None:
        return self.entry.sha256[:32] if self.entry and self.entry.sha256 else None

    def support_etag(self) -> bool:
        return True

    def support_ranges(self) -> bool:
        return True

    def get_content(self) -> Any:
        """The library's copy of what the phone sent, or, while it waits to be imported
        (or was refused as no photo), the file the phone sent in ``uploads/``."""
        library = self.context.library
        candidates = []
        stored = phone_rows.stored_path(self.entry.sha256 if self.entry else None)
        if stored:
            candidates.append(library.originals / stored)
        waiting = phone_rows.job_path(self.entry.job if self.entry else None)
        if waiting and Path(waiting).parent.parent == library.uploads:
            candidates.append(Path(waiting))
        for path in candidates:
            try:
                return path.open("rb")
            except OSError:
                continue
        raise DAVError(HTTP_NOT_FOUND, "not in the library")

    def begin_write(self, *, content_type: str | None = None) -> Any:
        name = _safe_name(self.rel.rsplit("/", 1)[-1])
        try:
            self.receiver = Receiver(
                self.context.library.uploads,
                name,
                self.context.upload_limit,
                self.environ[OWNER_KEY],
            )
        except DiskFull as exc:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, str(exc)) from exc
        return _Body(self.receiver)

    def end_write(self, *, with_errors: bool) -> None:
        receiver, self.receiver = self.receiver, None
        if receiver is None:
            return
        if with_errors:
            receiver.abort()
            return
        try:
            job_id = receiver.finish()
        except DiskFull as exc:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, str(exc)) from exc
        mtime = time.time()
        listing.record_file(self.phone_id, self.rel, receiver.size, receiver.sha256, job_id, mtime)
        devices.count_backup(self.phone_id, receiver.size)
        self.entry = listing.get(self.phone_id, self.rel)
        _stored_headers(self.environ, self.phone_id, self.rel)

    def set_last_modified(self, dest_path: str, time_stamp: float, *, dry_run: bool) -> bool:
        if not dry_run:
            listing.set_mtime(self.phone_id, self.rel, float(time_stamp))
        return True

    def handle_delete(self) -> bool:
        listing.remove(self.phone_id, self.rel)
        return True


class _Body:
    """What WsgiDAV writes the body into: the receiver, with its refusals as DAV errors."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    def write(self, chunk: bytes) -> None:
        try:
            self.receiver.write(chunk)
        except TooLarge as exc:
            raise DAVError(HTTP_REQUEST_ENTITY_TOO_LARGE, str(exc)) from exc
        except DiskFull as exc:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, str(exc)) from exc

    def close(self) -> None:
        try:
            self.receiver.close()
        except DiskFull as exc:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, str(exc)) from exc


def _child(rel: str, name: str) -> str:
    if name in (".", "..") or "/" in name or "\\" in name or not name:
        raise DAVError(HTTP_FORBIDDEN, "not a name in your backup folder")
    return rel.rstrip("/") + "/" + name


def _target(resource: Any, dest_path: str) -> str:
    """The phone-folder path a MOVE or COPY goes to (refused outside the phone's folder)."""
    located = _locate(resource.provider, dest_path, resource.environ)
    if located is None or located[0] != "files" or located[1] == "/":
        raise DAVError(HTTP_FORBIDDEN, "not a path in your backup folder")
    return located[1]


def _move(resource: PhoneFolder | PhoneFile, dest_path: str, keep_source: bool) -> None:
    listing.move(resource.phone_id, resource.rel, _target(resource, dest_path), keep_source)


class PhoneProvider(DAVProvider):
    """The signed-in phone's backup folder. ``areas_in_path``: Nextcloud's
    ``/remote.php/dav/files/<user>/`` and ``/remote.php/dav/uploads/<user>/`` (one provider,
    so that a MOVE from a transfer to the folder stays inside it); else
    ``/remote.php/webdav/`` (the folder only)."""

    def __init__(self, context: Context, areas_in_path: bool) -> None:
        super().__init__()
        self.context, self.areas_in_path = context, areas_in_path

    def get_resource_inst(self, path: str, environ: dict) -> Any:
        self._count_get_resource_inst += 1
        environ["shoebox.context"] = self.context
        located = _locate(self, path, environ)
        if located is None:
            raise DAVError(HTTP_FORBIDDEN, "sign in, then open /remote.php/dav/files/<you>/")
        phone_id = environ.get(PHONE_KEY)
        if phone_id is None:
            raise DAVError(HTTP_FORBIDDEN)
        area, rel = located
        if area == "uploads":
            return _transfer_resource(path, environ, rel)
        if rel == "/":
            return PhoneFolder(path, environ, rel, time.time())
        entry = listing.get(phone_id, rel)
        if entry is None:
            return None
        if entry.is_folder:
            return PhoneFolder(path, environ, rel, entry.mtime, entry.id)
        return PhoneFile(path, environ, rel, entry)


def _transfer_resource(path: str, environ: dict, rel: str) -> Any:
    """The uploads area: its root, a transfer, a part, or a transfer's ``.file``."""
    context: Context = environ["shoebox.context"]
    root = chunks.transfers_of(context.library.uploads, environ[PHONE_KEY])
    names = [p for p in rel.split("/") if p]
    try:
        names = [chunks.checked(n) if n != ".file" else n for n in names]
    except chunks.ChunkError as exc:
        raise DAVError(HTTP_FORBIDDEN, str(exc)) from exc
    if not names:
        return TransferArea(path, environ, root)
    transfer = root / names[0]
    if not transfer.is_dir() or len(names) > 2:
        return None
    if len(names) == 1:
        return Transfer(path, environ, transfer)
    if names[1] == ".file":
        return JoinedFile(path, environ, transfer)
    part = transfer / names[1]
    return Part(path, environ, part) if part.is_file() else None


class TransferArea(DAVCollection):
    """``/remote.php/dav/uploads/<user>/``: the phone's transfers."""

    def __init__(self, path: str, environ: dict, root: Path) -> None:
        super().__init__(path, environ)
        self.root = root

    def get_member_names(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir()) if self.root.is_dir() else []

    def create_collection(self, name: str) -> None:
        try:
            (self.root / chunks.checked(name)).mkdir(parents=True, exist_ok=True)
        except chunks.ChunkError as exc:
            raise DAVError(HTTP_FORBIDDEN, str(exc)) from exc
        except OSError as exc:
            raise _storage_error(exc) from exc


class Transfer(DAVCollection):
    """One chunked upload: its parts so far (the client lists them to resume)."""

    def __init__(self, path: str, environ: dict, folder: Path) -> None:
        super().__init__(path, environ)
        self.folder = folder

    def get_member_names(self) -> list[str]:
        return [p.name for p in chunks.parts(self.folder)]

    def create_empty_resource(self, name: str) -> Part:
        return Part(self.path.rstrip("/") + "/" + name, self.environ, self.folder / name)

    def support_recursive_delete(self) -> bool:
        return True

    def handle_delete(self) -> bool:
        chunks.remove(self.folder)
        return True


class Part(DAVNonCollection):
    """One part of a transfer, written to a hidden partial file and renamed when whole."""

    def __init__(self, path: str, environ: dict, file: Path) -> None:
        super().__init__(path, environ)
        self.file = file
        self.limit = environ["shoebox.context"].upload_limit
        self._out: Any = None

    def get_content_length(self) -> int:
        return self.file.stat().st_size if self.file.is_file() else 0

    def get_content(self) -> Any:
        return self.file.open("rb")

    def get_etag(self) -> None:
        return None

    def support_etag(self) -> bool:
        return False

    def begin_write(self, *, content_type: str | None = None) -> Any:
        try:
            self.partial, _ = chunks.write_part(self.file.parent, self.file.name)
            self._out = _LimitedFile(open(self.partial, "wb"), self.limit)  # noqa: SIM115
        except chunks.ChunkError as exc:
            raise DAVError(HTTP_FORBIDDEN, str(exc)) from exc
        except OSError as exc:
            raise _storage_error(exc) from exc
        return self._out

    def end_write(self, *, with_errors: bool) -> None:
        if self._out is not None:
            self._out.file.close()
        if with_errors:
            self.partial.unlink(missing_ok=True)
            return
        try:
            chunks.finish_part(self.partial, self.file)
        except OSError as exc:
            self.partial.unlink(missing_ok=True)
            raise _storage_error(exc) from exc

    def handle_delete(self) -> bool:
        self.file.unlink(missing_ok=True)
        return True


class _LimitedFile:
    """A part's file: refuses to grow past the upload limit, a full disk is 507."""

    def __init__(self, file: Any, limit: int) -> None:
        self.file, self.limit, self.size = file, limit, 0

    def write(self, block: bytes) -> None:
        self.size += len(block)
        if self.size > self.limit:
            raise DAVError(HTTP_REQUEST_ENTITY_TOO_LARGE, "larger than the upload limit")
        try:
            self.file.write(block)
        except OSError as exc:
            raise _storage_error(exc) from exc

    def close(self) -> None:
        try:
            self.file.flush()
        except OSError as exc:
            raise _storage_error(exc) from exc


class JoinedFile(DAVNonCollection):
    """``<transfer>/.file``: MOVE it to its place in the phone's folder to join the parts
    into one upload, imported like any other."""

    def __init__(self, path: str, environ: dict, transfer: Path) -> None:
        super().__init__(path, environ)
        self.transfer = transfer

    def get_content_length(self) -> int:
        return sum(p.stat().st_size for p in chunks.parts(self.transfer))

    def get_content(self) -> Any:
        raise DAVError(HTTP_FORBIDDEN, "MOVE .file to its place to finish the upload")

    def get_etag(self) -> None:
        return None

    def support_etag(self) -> bool:
        return False

    def handle_move(self, dest_path: str) -> bool:
        environ = self.environ
        target = _target(self, dest_path)
        context: Context = environ["shoebox.context"]
        total = environ.get("HTTP_OC_TOTAL_LENGTH")
        if total is not None and not total.isdigit():
            raise DAVError(HTTP_BAD_REQUEST, "OC-Total-Length is not a number")
        try:
            receiver = Receiver(
                context.library.uploads,
                _safe_name(target.rsplit("/", 1)[-1]),
                context.upload_limit,
                environ[OWNER_KEY],
            )
        except DiskFull as exc:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, str(exc)) from exc
        try:
            chunks.join(self.transfer, receiver, int(total) if total else None)
            job_id = receiver.finish()
        except chunks.ChunkError as exc:
            receiver.abort()
            raise DAVError(HTTP_BAD_REQUEST, str(exc)) from exc
        except TooLarge as exc:
            receiver.abort()
            raise DAVError(HTTP_REQUEST_ENTITY_TOO_LARGE, str(exc)) from exc
        except DiskFull as exc:
            receiver.abort()
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, str(exc)) from exc
        mtime_header = environ.get("HTTP_X_OC_MTIME", "")
        mtime = float(mtime_header) if mtime_header.isdigit() else time.time()
        phone_id = environ[PHONE_KEY]
        listing.record_file(phone_id, target, receiver.size, receiver.sha256, job_id, mtime)
        devices.count_backup(phone_id, receiver.size)
        chunks.remove(self.transfer)
        _stored_headers(environ, phone_id, target)
        return True


def _stored_headers(environ: dict, phone_id: int, path: str) -> None:
    """What Nextcloud answers for a stored file (its clients require the file id)."""
    entry = listing.get(phone_id, path)
    if entry is not None:
        etag = f'"{entry.sha256[:32]}"'
        environ[ANSWER_KEY] = [
            ("OC-FileId", f"{entry.id:08d}{INSTANCE}"),
            ("OC-ETag", etag),
            ("ETag", etag),
        ]


def _storage_error(exc: OSError) -> DAVError:
    if is_disk_full(exc):
        return DAVError(HTTP_INSUFFICIENT_STORAGE, "the library disk is full")
    return DAVError(HTTP_FORBIDDEN, "cannot store that here")


class PhoneSignIn(BaseDomainController):
    """HTTP Basic with the member's user name and a phone's app password (never the web
    password); failed tries are limited per client like the web login's."""

    def __init__(self, wsgidav_app: Any, config: dict) -> None:
        super().__init__(wsgidav_app, config)

    def get_domain_realm(self, path_info: str, environ: dict) -> str:
        return "Shoebox"

    def require_authentication(self, realm: str, environ: dict) -> bool:
        return True

    def supports_http_digest_auth(self) -> bool:
        return False

    def basic_auth_user(self, realm: str, user_name: str, password: str, environ: dict) -> bool:
        return sign_in(user_name, password, environ)


_limiter = LoginLimiter()


def sign_in(user_name: str, password: str, environ: dict) -> bool:
    """Check a user name and app password (failed tries limited per client like the web
    login's); on success the phone's id is in ``environ[PHONE_KEY]``."""
    client = environ.get("REMOTE_ADDR", "unknown")
    if _limiter.attempt(client):
        return False
    phone = devices.phone_for(user_name, password)
    if phone is None:
        return False
    _limiter.succeeded(client)
    environ[PHONE_KEY] = phone.id
    environ[OWNER_KEY] = phone.user_id
    devices.remember_verified(password)
    return True


def dav_app(library: Library, upload_limit: int) -> WsgiDAVApp:
    """The WsgiDAV application behind ``/remote.php/``."""
    context = Context(library, upload_limit)
    config = {
        "provider_mapping": {
            DAV_SHARE: PhoneProvider(context, areas_in_path=True),
            WEBDAV_SHARE: PhoneProvider(context, areas_in_path=False),
        },
        "http_authenticator": {
            "domain_controller": PhoneSignIn,
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
        },
        "dir_browser": {"enable": False},
        "lock_storage": True,  # in memory: some clients lock before they write
        "property_manager": None,
        "honor_mtime_header": True,  # X-OC-Mtime: the phone's own modification time
        "verbose": 1,
        "logging": {"enable_loggers": []},
        "block_size": 1024 * 1024,
    }
    return WsgiDAVApp(config)


class PhoneBackupDispatch:
    """The web app's WSGI entry: ``/remote.php/...`` goes to WebDAV, Nextcloud's
    ``/status.php`` and OCS paths to `phones.nextcloud`, the app's half of Login Flow v2
    to `phones.login_flow`, the rest to Flask.
    ``available`` says whether the library disk is (still) there: if not, 503."""

    def __init__(self, web: Any, dav: Any, available: Callable[[], bool] | None) -> None:
        self.web, self.dav, self.available = web, dav, available
        self.nextcloud = nextcloud.app(sign_in)
        self.login_flow = login_flow.app()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if nextcloud.handles(path):
            return self.nextcloud(environ, start_response)
        if path in login_flow.PATHS:
            return self.login_flow(environ, start_response)
        if not path.startswith(PREFIX):
            return self.web(environ, start_response)
        if any(part in (".", "..") for part in path.split("/")):
            return _plain(start_response, "400 Bad Request", "no . or .. in a path here")
        if self.available is not None and not self.available():
            return _plain(
                start_response,
                "503 Service Unavailable",
                "the library disk is not there; try again later",
                [("Retry-After", "60")],
            )
        return self.dav(environ, _answer_headers(environ, start_response))


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer"}


def _answer_headers(environ: dict, start_response: Any) -> Any:
    """WsgiDAV sends ``Connection: close`` with some errors; a WSGI app may not (PEP 3333,
    and waitress answers 500 instead): the server decides about the connection. A PUT
    that carried the phone's modification time (``X-OC-Mtime``) says it was kept, as
    Nextcloud does (its clients otherwise send the time again)."""
    kept_mtime = environ.get("REQUEST_METHOD") == "PUT" and "HTTP_X_OC_MTIME" in environ

    def filtered(status: str, headers: list, exc_info: Any = None) -> Any:
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        if status.startswith(("201", "204")):
            if kept_mtime:
                kept.append(("X-OC-MTime", "accepted"))
            names = {k.lower() for k, _ in kept}
            kept += [(k, v) for k, v in environ.get(ANSWER_KEY, []) if k.lower() not in names]
        return start_response(status, kept, exc_info)

    return filtered


def _plain(
    start_response: Any, status: str, message: str, extra: list | None = None
) -> list[bytes]:
    body = (message + "\n").encode()
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


def mount(
    app: Any, library: Library, upload_limit: int, available: Callable[[], bool] | None = None
) -> None:
    """Serve phone backup beside the Flask ``app`` (its ``wsgi_app`` is wrapped)."""
    app.wsgi_app = PhoneBackupDispatch(app.wsgi_app, dav_app(library, upload_limit), available)
