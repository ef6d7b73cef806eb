"""Every outcome's statistics of many groups of a cohort year (its municipalities, "other
municipalities" and the published groups pooled), shared out over worker processes (the
threads of rules disclosure and year_stats)."""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from samen_sterker.stats.outcome import add_every_mixed_model, every_outcome


def every_outcome_of_groups(
    frames: Mapping[str, pd.DataFrame], config: Mapping, *, fit_mixed: bool = True,
    workers: int = 1,
) -> Iterator[tuple[str, dict]]:
    """(key, every_outcome) of each group of `frames`, in their order, each as soon as it and
    those before it are done (see _each_group for `workers`)."""
    compute = functools.partial(every_outcome, config=config, fit_mixed=fit_mixed)
    return _each_group(compute, {key: (frame,) for key, frame in frames.items()}, workers)


def mixed_models_of_groups(
    frames: Mapping[str, pd.DataFrame], config: Mapping,
    without_mixed: Mapping[str, Mapping], *, workers: int = 1,
) -> Iterator[tuple[str, dict]]:
    """(key, every_outcome) of each group of `frames` as every_outcome_of_groups gives it,
    from the group's every_outcome(..., fit_mixed=False) in `without_mixed`: only the mixed
    models and what comes from them are computed (add_every_mixed_model)."""
    compute = functools.partial(add_every_mixed_model, config=config)
    arguments = {key: (without_mixed[key], frame) for key, frame in frames.items()}
    return _each_group(compute, arguments, workers)


def _each_group(compute: Callable[..., dict], arguments: Mapping[str, tuple],
                workers: int) -> Iterator[tuple[str, dict]]:
    """(key, compute(*arguments[key])) of each key, in their order.

    workers > 1 shares the groups out over that many processes (issue 14: at 342
    municipalities this loop kept one core busy for a minute and a half while the other
    idled). Each group's statistics depend on its own rows only, and a worker runs the same
    code on the same rows, so the results are the same. The workers are forked, so their log
    messages reach the job's log as the parent's do; where fork does not exist the groups are
    computed here, one after another.
    """
    keys = list(arguments)
    if workers <= 1 or len(keys) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for key in keys:
            yield key, compute(*arguments[key])
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(keys)),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        yield from zip(keys, pool.map(compute, *zip(*arguments.values(), strict=True)))
