"""The ``sanshe`` console script.

Stop signals are handled from the first moment, before the two seconds of
imports that :mod:`experiments.cli` needs: Ctrl-C or SIGTERM while the
command starts is one line and exit 130 or 143, like at any later moment
(nothing has been started or written by then). From then on
:func:`experiments.cli.main` handles them.
"""

from __future__ import annotations

import signal
import sys

from sanshe.stopping import raise_stop


def main() -> int:
    """The console script: catch stop signals at once, then hand over to :func:`experiments.cli.main`."""
    received: list[int] = []

    def handler(signum, frame) -> None:
        if not received:
            received.append(signum)
            raise_stop(frame)

    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:  # nohup, a background job: stays ignored
            signal.signal(sig, handler)
    try:
        from experiments.cli import main as command
    except KeyboardInterrupt:
        print("interrupted while starting; nothing done", file=sys.stderr)
        return 128 + (received[0] if received else signal.SIGINT)
    return command()


if __name__ == "__main__":
    sys.exit(main())
