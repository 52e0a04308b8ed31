"""Erasing deleted records from an embedded Chroma's ``chroma.sqlite3``: its write-ahead log, its full-text index
and its free pages. Standard library only, so the index runs it in a child process (see below).

Why a direct purge of the log (``embeddings_queue``). Chroma 1.5 does purge its log itself (``automatically_purge``,
and the ``chroma vacuum`` CLI), but only up to the sequence number every segment of the collection has persisted.
The HNSW segment persists once per ``hnsw:sync_threshold`` writes (1,000 by default), so the log rows of a deleted
record, with its document, metadata (the author) and vector, stay for up to a thousand more writes, which in a
quiet workspace is forever (chroma-core/chroma#7659, open on 1.5.9). ``chroma vacuum`` purges at the same
persisted offsets, so it does not help either. What is removed here is therefore narrow and already applied:

* only rows of ids that are deleted now (the caller deleted them through Chroma just before);
* only their ADD / UPDATE / UPSERT rows (the ones carrying document, metadata and vector), and only those older
  than the id's latest DELETE row, so a later re-add of the same id is untouched;
* the DELETE rows (an id and nothing else) stay: a segment that replays the log after a restart still sees the
  deletion, and replaying a delete of an id it never saw is a no-op.

Then the full-text index is merged (FTS5 ``optimize`` drops the deleted documents' tokens, which otherwise stay in
old index segments) and the file is ``VACUUM``-ed so nothing deleted lingers in free pages: Chroma's own SQLite
(bundled in its Rust core) frees rows without ``secure_delete``.

Why a child process. Chroma's Rust core links its own copy of SQLite. Two copies of SQLite in one process do not
see each other's POSIX locks (https://sqlite.org/howtocorrupt.html, 2.2), so writing the file from Python's
``sqlite3`` in the same process could race a Chroma write from another thread. From a child process the locks work
as designed: the child waits for Chroma's transactions and Chroma waits for the child's.

Known residue, not handled here: the HNSW files (``data_level0.bin``) keep a deleted record's vector, unlabelled,
until the slot is reused (chroma-core/chroma#7662). They hold no document, author or id.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

#: ``embeddings_queue.operation`` codes (chromadb: ADD 0, UPDATE 1, UPSERT 2, DELETE 3).
DELETE_OPERATION = 3


def purge(
    db: Path | str,
    collection_id: str,
    ids: list[str] | None,
    *,
    vacuum: bool | None = True,
    timeout: float = 60.0,
) -> int:
    """Remove the superseded log rows of the deleted ``ids`` of one collection (``None``: of every id whose
    latest log row is a DELETE, the sweep that also cleans logs written before this existed), merge the full-text
    index and rewrite the file (``vacuum``: always, never, or ``None`` when rows were removed); returns the number
    of log rows removed.

    Two passes over the log whatever the number of ids (the log has no index on ``id``). Meant to run in a child
    process (``main``)."""
    con = sqlite3.connect(str(db), timeout=timeout, isolation_level=None)
    try:
        con.execute("PRAGMA secure_delete=ON")  # our own deletes overwrite their bytes
        removed = 0
        topic = f"%/{collection_id}"  # the log topic is persistent://<tenant>/<database>/<collection id>
        if ids is None or ids:
            con.execute("BEGIN IMMEDIATE")
            try:
                con.execute("CREATE TEMP TABLE IF NOT EXISTS purge_ids (id TEXT PRIMARY KEY)")
                con.execute("DELETE FROM purge_ids")
                con.executemany("INSERT OR IGNORE INTO purge_ids (id) VALUES (?)", [(i,) for i in ids or []])
                wanted = "" if ids is None else "AND q.id IN (SELECT id FROM purge_ids)"
                # the latest DELETE of each id: everything it supersedes goes
                con.execute("CREATE TEMP TABLE IF NOT EXISTS purge_upto (id TEXT PRIMARY KEY, seq INTEGER)")
                con.execute("DELETE FROM purge_upto")
                con.execute(
                    f"""INSERT INTO purge_upto (id, seq)
                        SELECT q.id, MAX(q.seq_id) FROM embeddings_queue AS q
                        WHERE q.topic LIKE ? AND q.operation = {DELETE_OPERATION} {wanted}
                        GROUP BY q.id""",
                    (topic,),
                )
                cur = con.execute(
                    f"""DELETE FROM embeddings_queue WHERE seq_id IN (
                        SELECT q.seq_id FROM embeddings_queue AS q JOIN purge_upto AS u ON u.id = q.id
                        WHERE q.topic LIKE ? AND q.operation != {DELETE_OPERATION} AND q.seq_id < u.seq)""",
                    (topic,),
                )
                removed = max(cur.rowcount, 0)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        if vacuum or (vacuum is None and removed):
            _optimize_fulltext(con)
            con.execute("VACUUM")
        return removed
    finally:
        con.close()


def vacuum(db: Path | str, *, timeout: float = 60.0) -> None:
    """Merge the full-text index and rewrite the file (no log rows removed)."""
    purge(db, "", [], vacuum=True, timeout=timeout)


def _optimize_fulltext(con: sqlite3.Connection) -> None:
    exists = con.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'embedding_fulltext_search' AND sql LIKE '%fts5%'"
    ).fetchone()
    if exists:
        con.execute("INSERT INTO embedding_fulltext_search(embedding_fulltext_search) VALUES ('optimize')")


def main(argv: list[str]) -> int:
    """``python chroma_log.py <chroma.sqlite3> <collection id> <always|never|if-removed>`` with a JSON list of ids
    (or ``null`` for every deleted id) on stdin; prints the number of log rows removed."""
    raw = json.loads(sys.stdin.read() or "[]")
    ids = None if raw is None else [str(i) for i in raw]
    vacuum = {"always": True, "never": False, "if-removed": None}[argv[2]]
    removed = purge(argv[0], argv[1], ids, vacuum=vacuum)
    print(removed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
