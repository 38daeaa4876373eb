"""Raising the stop a signal asks for where Python cannot lose it.

A signal handler that raises KeyboardInterrupt while numba compiles a kernel
may run inside one of llvmlite's ctypes callbacks (it writes the compiled
object to numba's cache through one). An exception raised in a ctypes
callback is printed as "Exception ignored" and dropped, and the command would
run on as if no signal had come. Likewise numba's compiled code calls back
into Python to unpickle the constants a kernel holds (``numba/core/serialize.py``):
an exception raised there comes out as a SystemError ("returned a result with
an exception set", seen when Ctrl-C reached ``sanshe run`` during the tender)
and the command would fail with a traceback. :func:`raise_stop` defers the raise while
such a callback is on the stack and tries again every 50 ms until it is not.
This module imports nothing heavy: the console script uses it from its first
line.
"""

from __future__ import annotations

import signal
from types import FrameType

RETRY_SECONDS = 0.05
"""How long a deferred stop waits before it tries again."""

_CALLBACK_FILES = ("/llvmlite/", "/numba/core/serialize.py")
"""Where code runs called back from C that drops or garbles exceptions (numba's compiler, its cache, its constants)."""


def raise_stop(frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt in the frame a signal interrupted, or, inside a callback that would drop it, soon after.

    Args:
        frame: the frame the signal handler was given.
    """
    if in_dropping_callback(frame):
        signal.signal(signal.SIGALRM, _retry)
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    raise KeyboardInterrupt


def in_dropping_callback(frame: FrameType | None) -> bool:
    """Whether any frame from ``frame`` outwards runs code that is called back from C and drops exceptions."""
    while frame is not None:
        if any(part in frame.f_code.co_filename.replace("\\", "/") for part in _CALLBACK_FILES):
            return True
        frame = frame.f_back
    return False


def _retry(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    raise_stop(frame)
