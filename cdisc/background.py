"""Work in a forked process beside this one: the second core of a run (CPU-bound pandas work holds the GIL, so
threads would not help)."""
from __future__ import annotations

import ctypes
import fcntl
import io
import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Generic, TypeVar

from cdisc.collector import frozen
from cdisc.errors import MappingError

T = TypeVar("T")


@contextmanager
def in_background(fn: Callable[..., T], *args: object) -> Iterator[Callable[[], T]]:
    """Start `fn(*args)` in a forked process (which shares this one's memory pages) and yield a function that
    waits for its result. An exception in the child is raised again there; a child that dies (killed, out of
    memory) is a MappingError naming the work, never a silent empty result. Leaving the block stops a child
    whose result was never asked for."""
    with _forked(fn, lambda: args) as result:
        yield result


class Feed(Generic[T]):
    """A forked process that has prepared itself and works on what it is sent, item by item, as it comes."""

    def __init__(self, inbox: Connection, result: Callable[[], T]) -> None:
        self._inbox = inbox
        self._result = result

    def send(self, item: object) -> None:
        """Send one item (`send_each`)."""
        send_each(item, [self])

    def close(self) -> Callable[[], T]:
        """Say that nothing more comes (an empty message alone: a pickle is never empty) and return the function
        that waits for the result."""
        try:
            self._inbox.send_bytes(b"")
        except BrokenPipeError:
            pass
        self._inbox.close()
        return self._result


def send_each(item: object, feeds: Sequence[Feed], spool: Path | None = None) -> None:
    """Send one item to each of `feeds`, pickled once. It is pickled straight into the pipes, a message per pickle
    frame and an empty one last (pages written after the fork are not shared; no copy of the whole pickle is held
    here); each child takes the messages as fast as they come and unpickles the item once all are in.

    With a `spool` folder (`spooled`) the item is pickled into a file there instead, and each child is sent only
    its own name for the file (a hard link, which it removes once read): this process never waits for a child,
    whose thread taking messages off a pipe needs the interpreter lock, held for as long as the child's own work
    is inside one long call (unpickling a dataset, factorizing a column)."""
    if spool is None:
        messages = _Messages([feed._inbox for feed in feeds])
        pickle.dump(item, messages, protocol=pickle.HIGHEST_PROTOCOL)
        messages.write(b"")
        return
    handle, name = tempfile.mkstemp(dir=spool, suffix=".pickle")
    with os.fdopen(handle, "wb") as file:
        pickle.dump(item, file, protocol=pickle.HIGHEST_PROTOCOL)
    for n, feed in enumerate(feeds):
        link = f"{name}.{n}"
        os.link(name, link)
        messages = _Messages([feed._inbox])
        messages.write(SPOOLED + os.fsencode(link))
        messages.write(b"")
    os.unlink(name)


SPOOLED = b"@"  # a message naming a spooled file (a pickle starts with its protocol opcode, 0x80)


@contextmanager
def spooled(folder: Path) -> Iterator[Path]:
    """A folder for `send_each` to spool items in, removed with whatever a child has not read (a child that died)
    when the block is left."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Messages:
    """A file-like writer sending each write as one message of each connection; a connection whose child has
    ended (its result says why) is left out of the rest."""

    def __init__(self, connections: list[Connection]) -> None:
        self._connections = connections

    def write(self, data: bytes | pickle.PickleBuffer) -> int:
        view = memoryview(data)
        for connection in list(self._connections):
            try:
                connection.send_bytes(view)
            except BrokenPipeError:
                self._connections.remove(connection)
        return view.nbytes


class _ParentLeft(Exception):
    """The parent closed the feed without saying that nothing more comes: it left the block and wants no result."""


def _received(inbox: Connection) -> Iterator[object]:
    """The items of a feed as they come, until the parent says nothing more comes. A thread takes the messages off
    the pipe as soon as they are sent, so the parent never waits for this process to be done with one item before
    it can send the next; an item is unpickled when it is asked for."""
    arrived: queue.SimpleQueue[io.BytesIO | BaseException | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                item = io.BytesIO()
                while message := inbox.recv_bytes():
                    item.write(message)
                if not item.tell():  # an empty item: nothing more comes
                    arrived.put(None)
                    return
                arrived.put(item)
        except EOFError:
            arrived.put(_ParentLeft())
        except BaseException as exc:  # noqa: BLE001 - raised where the items are taken, never a silent hang
            arrived.put(exc)

    threading.Thread(target=read, daemon=True).start()
    return _unpickled(arrived)


def _unpickled(arrived: queue.SimpleQueue) -> Iterator[object]:
    """The items the reader thread has put in `arrived`, unpickled, until None; an error of its is raised."""
    while (item := arrived.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        data = item.getbuffer()
        if data[:1] == SPOOLED:  # a spooled item: read, then its link removed
            link = Path(os.fsdecode(bytes(data[1:])))
            data = link.read_bytes()
            link.unlink()
        yield pickle.loads(data)


@contextmanager
def fed_in_background(fn: Callable[[Iterator[object]], T], prepare: Callable[[], object], *,
                      nice: int = 0) -> Iterator[Feed[T]]:
    """Fork a process now that runs `prepare()` at once (imports and set-up, on a core this one leaves idle) and
    then `fn(items)`, `items` yielding what is sent to the `Feed` as it comes; otherwise as `in_background`.
    `nice`: how far below this one the child's priority is (os.nice), for work that can wait while this one
    needs the cores."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    _widen(send)

    def arguments() -> tuple:
        send.close()  # the child's copy
        items = _received(receive)
        # after the reader thread has started: Linux sets a priority per thread, so the reader keeps this
        # process's and takes what is sent at once, however low the work's priority
        os.nice(nice)
        prepare()
        return (items,)

    with _forked(fn, arguments) as result:
        receive.close()
        yield Feed(send, result)
        send.close()


F_SETPIPE_SZ = 1031  # Linux fcntl: set a pipe's capacity
PIPE_BYTES = 1 << 20  # Linux's default most for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _widen(connection: Connection) -> None:
    """Give the pipe 1 MB instead of 64 KB where Linux allows it: the child's reader thread must take the GIL for
    each read, so a wide pipe takes fewer reads and the sender waits less (elsewhere nothing changes)."""
    try:
        fcntl.fcntl(connection.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass


@contextmanager
def _forked(fn: Callable[..., T], arguments: Callable[[], tuple]) -> Iterator[Callable[[], T]]:
    """A forked process that runs `fn(*arguments())`, and the function that waits for its result."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    parent = os.getpid()

    def child() -> None:
        _die_with(parent)
        try:
            send.send((True, fn(*arguments())))
        except _ParentLeft:  # nobody waits for a result
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            send.send((False, exc))

    process = context.Process(target=child, daemon=True)
    with frozen():  # the child's collections leave alone what it inherits
        process.start()
    send.close()

    def result() -> T:
        try:
            ok, value = receive.recv()
        except EOFError:
            process.join()
            raise MappingError(f"{fn.__name__} ended without a result (exit code {process.exitcode})") from None
        if not ok:
            raise value
        return value

    try:
        yield result
    finally:
        receive.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux PR_SET_PDEATHSIG), so that a run killed with
    SIGKILL leaves no orphan at work; elsewhere the orphan ends on its own when it finds the pipe closed."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
