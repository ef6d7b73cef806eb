"""Snakemake's exit without waiting for its job rate limiter's timers (the default profile).

Snakemake 9 (up to at least 9.27.1) starts a `threading.Timer` of one rate-limit timespan at
every pass of its scheduling loop while jobs wait for a core, and each timer's firing is
itself a pass. Every finished job therefore adds a chain of timers that never ends while
jobs wait (snakemake/snakemake#3804, #3744): at 342 municipalities the chains started
hundreds of threads a second by the end, and Snakemake's own process used 24% of the run's
CPU. The default profile lengthens the timespan so that the chains wake the loop rarely; the
timers are non-daemon threads, so without this hook Snakemake would then wait up to one
timespan for them after the last job.
"""

from __future__ import annotations

import threading


def cancel_reevaluation_timers() -> int:
    """Cancel every pending `threading.Timer` of this process; returns how many there were.

    Called from the Snakefile's onsuccess/onerror, after the scheduler has returned: the
    only timers then are the scheduler's re-evaluations, which have nothing left to do (the
    workflow's own code starts none).
    """
    timers = [thread for thread in threading.enumerate()
              if isinstance(thread, threading.Timer) and thread.is_alive()]
    for timer in timers:
        timer.cancel()
    return len(timers)
