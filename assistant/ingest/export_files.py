"""Reading an export's files from a folder or a zip without reaching outside it: symbolic links are not
followed, unsafe zip entries are refused, every file is read with a byte cap (and a zip as a whole with a
budget), and JSON is decoded with its depth checked. A file that cannot be read is a problem, not an error.

Kept apart from the export reader (``slack_export``), which only interprets what these files hold.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from assistant.errors import ExportError
from assistant.ingest.export_records import MAX_PROBLEMS_PER_FILE, ExportProblem

#: No single file of an export is read beyond this many bytes (a day file of a busy channel is a few MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: A zip's entries together are not unpacked beyond this many bytes.
MAX_TOTAL_BYTES = 16 * 1024 * 1024 * 1024
#: Slack's JSON compresses about 10:1; an entry above this ratio (and above ``RATIO_CHECK_BYTES``) is a zip bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_BYTES = 1024 * 1024
#: Slack records nest a handful of levels; a record nested deeper than this is refused.
MAX_JSON_DEPTH = 64

LISTINGS = ("channels.json", "groups.json", "dms.json", "mpims.json")


class Unreadable(Exception):
    """A file that is skipped; the message is the problem line."""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _unsafe_entry(name: str) -> bool:
    """Zip entry names that could reach outside the export: absolute, ``..``, ``.``, empty parts, backslashes."""
    path = name[:-1] if name.endswith("/") else name
    return (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or (len(path) > 1 and path[1] == ":")
        or any(part in ("", ".", "..") for part in path.split("/"))
    )


class ExportFiles:
    """Uniform access to files of an export folder or zip, relative to the folder holding channels.json."""

    def __init__(
        self, path: Path, *, max_file_bytes: int = MAX_FILE_BYTES, max_total_bytes: int = MAX_TOTAL_BYTES
    ) -> None:
        self.path = path
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self._zip: zipfile.ZipFile | None = None
        self._entries: dict[str, zipfile.ZipInfo] = {}
        self._budget = max_total_bytes
        #: Problems found while opening (unsafe zip entries); ``read_export`` reports them first.
        self.problems: list[ExportProblem] = []
        if not os.path.lexists(path):
            raise ExportError(f"The export {path} does not exist.")
        if path.is_file():
            self._open_zip(path)
        elif not path.is_dir():
            raise ExportError(f"{path} is neither a folder nor a valid .zip Slack export.")
        elif not os.path.lexists(path / "channels.json"):
            raise ExportError(f"{path} has no channels.json: it is not a Slack workspace export.")

    def _open_zip(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            raise ExportError(f"{path} is neither a folder nor a valid .zip Slack export.") from None
        safe: dict[str, zipfile.ZipInfo] = {}
        unsafe: list[str] = []
        for info in infos:
            if _unsafe_entry(info.filename):
                unsafe.append(info.filename)
            elif not info.is_dir():
                safe[info.filename] = info
        roots = [n for n in safe if PurePosixPath(n).name == "channels.json"]
        if not roots:
            raise ExportError(f"{path.name} has no channels.json: it is not a Slack workspace export.")
        parent = str(PurePosixPath(min(roots, key=lambda n: (len(n), n))).parent)
        prefix = "" if parent == "." else parent + "/"
        self._entries = {n[len(prefix) :]: info for n, info in safe.items() if n.startswith(prefix)}
        for name in unsafe[:MAX_PROBLEMS_PER_FILE]:
            shown = name if len(name) <= 200 else name[:197] + "..."
            self.problems.append(
                ExportProblem(shown, "zip entry path reaches outside the export (.., ., absolute or \\); skipped")
            )
        if len(unsafe) > MAX_PROBLEMS_PER_FILE:
            more = len(unsafe) - MAX_PROBLEMS_PER_FILE
            self.problems.append(ExportProblem(path.name, f"{more} more unsafe zip entries skipped"))

    def exists(self, rel: str) -> bool:
        if self._zip:
            return rel in self._entries
        return os.path.lexists(self.path / rel)

    def read(self, rel: str) -> bytes:
        """The file's bytes, or ``Unreadable`` saying why it is skipped."""
        if self._zip:
            return self._read_entry(rel)
        return self._read_file(rel)

    def _read_file(self, rel: str) -> bytes:
        parts = rel.split("/")
        for i in range(1, len(parts)):  # a folder on the way must not be a link either
            if os.path.islink(self.path.joinpath(*parts[:i])):
                raise Unreadable("is inside a symbolic link; not followed")
        target = self.path.joinpath(*parts)
        try:
            if stat.S_ISLNK(os.lstat(target).st_mode):
                raise Unreadable("is a symbolic link; not followed (an export only reads its own files)")
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(target, flags)
        except OSError as exc:
            raise Unreadable(f"could not be opened ({exc.strerror or type(exc).__name__})") from None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Unreadable("is not a regular file; skipped")
            if info.st_size > self.max_file_bytes:
                raise Unreadable(
                    f"is {_mb(info.st_size)}, over the {_mb(self.max_file_bytes)} limit per file; skipped"
                )
            try:
                data = fh.read(self.max_file_bytes + 1)
            except OSError as exc:
                raise Unreadable(f"could not be read ({exc.strerror or type(exc).__name__})") from None
        if len(data) > self.max_file_bytes:
            raise Unreadable(f"is over the {_mb(self.max_file_bytes)} limit per file; skipped")
        return data

    def _read_entry(self, rel: str) -> bytes:
        assert self._zip is not None
        info = self._entries[rel]
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise Unreadable("is a symbolic link inside the zip; not followed")
        if info.file_size > self.max_file_bytes:
            raise Unreadable(
                f"unpacks to {_mb(info.file_size)}, over the {_mb(self.max_file_bytes)} limit per file; skipped"
            )
        if info.file_size >= RATIO_CHECK_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise Unreadable(
                f"compresses {ratio:,}:1, beyond the {MAX_COMPRESSION_RATIO}:1 a Slack export has; "
                "skipped as a likely zip bomb"
            )
        cap = min(self.max_file_bytes, self._budget)
        chunks: list[bytes] = []
        size = 0
        try:
            # The declared size is not trusted: the entry is streamed and cut at the cap.
            with self._zip.open(info) as fh:
                while chunk := fh.read(min(1024 * 1024, cap + 1 - size)):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > cap:
                        break
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
            raise Unreadable(f"could not be unpacked ({exc})") from None
        except Exception as exc:  # zlib.error and friends: a damaged entry is that entry's problem only
            raise Unreadable(f"could not be unpacked ({type(exc).__name__})") from None
        if size > cap:
            if cap < self.max_file_bytes:
                raise Unreadable(f"skipped: the zip already unpacked {_mb(self.max_total_bytes)}, its limit")
            raise Unreadable(f"unpacks to over the {_mb(self.max_file_bytes)} limit per file; skipped")
        self._budget -= size
        return b"".join(chunks)

    def channel_files(self, problems: list[ExportProblem]) -> dict[str, list[str]]:
        """Folder name -> its ``*.json`` files (relative), in name order (day files sort by date)."""
        out: dict[str, list[str]] = {}
        if self._zip:
            for rel in self._entries:
                parts = rel.split("/")
                if len(parts) == 2 and parts[1].endswith(".json"):
                    out.setdefault(parts[0], []).append(rel)
        else:
            self._folder_files(out, problems)
        return {k: sorted(v) for k, v in sorted(out.items())}

    def _folder_files(self, out: dict[str, list[str]], problems: list[ExportProblem]) -> None:
        try:
            top = sorted(os.scandir(self.path), key=lambda e: e.name)
        except OSError as exc:
            raise ExportError(f"{self.path} could not be listed ({exc.strerror or exc}).") from None
        for entry in top:
            if entry.is_symlink():
                if entry.name not in LISTINGS and entry.name != "users.json":  # those are reported when read
                    problems.append(ExportProblem(entry.name, "is a symbolic link; not followed"))
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            try:
                inner = sorted(os.scandir(entry.path), key=lambda e: e.name)
            except OSError as exc:
                problems.append(ExportProblem(f"{entry.name}/", f"could not be listed ({exc.strerror or exc})"))
                continue
            files: list[str] = []
            for item in inner:
                if not item.name.endswith(".json"):
                    continue
                rel = f"{entry.name}/{item.name}"
                if item.is_symlink():
                    problems.append(ExportProblem(rel, "is a symbolic link; not followed"))
                elif item.is_file(follow_symlinks=False):
                    files.append(rel)
                else:
                    problems.append(ExportProblem(rel, "is not a regular file; skipped"))
            if files:
                out[entry.name] = files

    def close(self) -> None:
        if self._zip:
            self._zip.close()


def _decode(blob: bytes) -> tuple[str, int]:
    """Text of a file (a UTF-8 byte-order mark is dropped) and how many undecodable bytes were replaced."""
    try:
        return blob.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        text = blob.decode("utf-8-sig", errors="replace")
        return text, max(text.count("\ufffd") - blob.count(b"\xef\xbf\xbd"), 1)


def load_json(source: ExportFiles, rel: str, problems: list[ExportProblem]) -> Any:
    try:
        blob = source.read(rel)
    except Unreadable as exc:
        problems.append(ExportProblem(rel, str(exc)))
        return None
    text, replaced = _decode(blob)
    del blob
    if replaced:
        problems.append(
            ExportProblem(
                rel, f"had {replaced} undecodable byte(s) (not UTF-8), replaced with U+FFFD; the rest was read"
            )
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(ExportProblem(rel, f"is not valid JSON ({exc.msg} at line {exc.lineno})"))
    except RecursionError:
        problems.append(ExportProblem(rel, "is nested too deeply to read; skipped"))
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        problems.append(ExportProblem(rel, f"is not valid JSON ({str(exc)[:120]})"))
    return None


def _too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests deeper than ``limit`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def json_records(data: Any, rel: str, what: str, problems: list[ExportProblem]) -> Iterator[tuple[int, Any]]:
    """The entries of a JSON list, each (index, value); entries nested absurdly deep are named and skipped."""
    if not isinstance(data, list):
        problems.append(ExportProblem(rel, f"should be a JSON list of {what}s"))
        return
    for i, item in enumerate(data):
        if _too_deep(item):
            problems.append(ExportProblem(rel, f"{what} {i} skipped: nested over {MAX_JSON_DEPTH} levels"))
            continue
        yield i, item
