"""Whether the dev database may run SQLite without its mutexes in this process.

apsw's SQLite is serialized: every call and every allocation takes a mutex, in case another thread
uses the library (3 % of a cold check's instructions on the real corpus). The console script
owns its process and runs SQLite from one thread, so it says so here before the first dev
database opens, and `grove_schema.devdb` then configures SQLite single-threaded. A program that
imports grove-schema as a library keeps SQLite as it found it: its threads may share the library.
Imports nothing, so the console script can say it without loading apsw.
"""

from __future__ import annotations

_one_thread = False


def declare_one_thread() -> None:
    """The process uses SQLite (apsw's) from this thread only, and has opened no connection yet."""
    global _one_thread
    _one_thread = True


def one_thread_declared() -> bool:
    return _one_thread
