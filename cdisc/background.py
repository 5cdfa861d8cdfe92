"""Work in a forked process beside this one: the second core of a run (CPU-bound pandas work holds the GIL, so
threads would not help)."""
from __future__ import annotations

import ctypes
import io
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

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


class Waiting(Generic[T]):
    """A forked process that has prepared itself and waits for the arguments of its work."""

    def __init__(self, inbox: Connection, result: Callable[[], T]) -> None:
        self._inbox = inbox
        self._result = result

    def start(self, *args: object) -> Callable[[], T]:
        """Send `args` and return the function that waits for the result. They are pickled straight into the
        pipe, a message per pickle frame and an empty one last (pages written after the fork are not shared; no
        copy of the whole pickle is held here); the child takes the messages as fast as they come and unpickles
        them once all are in."""
        try:
            pickle.dump(args, _Messages(self._inbox), protocol=pickle.HIGHEST_PROTOCOL)
            self._inbox.send_bytes(b"")
        except BrokenPipeError:  # the child ended before it read them: its result says why
            pass
        self._inbox.close()
        return self._result


class _Messages:
    """A file-like writer sending each write as one message of a connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def write(self, data: bytes | pickle.PickleBuffer) -> int:
        view = memoryview(data)
        self._connection.send_bytes(view)
        return view.nbytes


@contextmanager
def waiting_in_background(fn: Callable[..., T], prepare: Callable[[], object]) -> Iterator[Waiting[T]]:
    """Fork a process now that runs `prepare()` at once (imports and set-up, on a core this one leaves idle) and
    then waits for the arguments of `fn`, given later to `Waiting.start`; otherwise as `in_background`."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def arguments() -> tuple | None:
        send.close()  # the child's copy
        prepare()
        sent = io.BytesIO()
        try:
            while message := receive.recv_bytes():
                sent.write(message)
        except EOFError:  # the parent left without sending the work
            return None
        return pickle.loads(sent.getbuffer())

    with _forked(fn, arguments) as result:
        receive.close()
        yield Waiting(send, result)
        send.close()


@contextmanager
def _forked(fn: Callable[..., T], arguments: Callable[[], tuple | None]) -> Iterator[Callable[[], T]]:
    """A forked process that runs `fn(*arguments())` (nothing when `arguments` gives None), and the function
    that waits for its result."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    parent = os.getpid()

    def child() -> None:
        _die_with(parent)
        try:
            args = arguments()
            if args is not None:
                send.send((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
            send.send((False, exc))

    process = context.Process(target=child, daemon=True)
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
