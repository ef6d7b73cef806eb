"""Snakemake's rate-limiter timers are cancelled when the run ends (samen_sterker.snakemake_exit)."""

import subprocess
import sys
import threading
from pathlib import Path

import yaml

from samen_sterker.snakemake_exit import cancel_reevaluation_timers

REPO = Path(__file__).resolve().parent.parent


def test_a_pending_timer_is_cancelled_and_never_fires():
    fired = threading.Event()
    timer = threading.Timer(60, fired.set)
    timer.start()
    assert cancel_reevaluation_timers() >= 1
    timer.join(timeout=5)
    assert not timer.is_alive()
    assert not fired.is_set()


def test_snakemake_leaves_timers_that_the_hook_cancels(tmp_path):
    """Four one-core jobs on one core wait for it, so Snakemake starts re-evaluation timers of
    the default profile's timespan; onsuccess finds and cancels them. Should a Snakemake
    release stop starting them, this fails: the profile's long timespan and the hook can then
    go (snakemake/snakemake#3804)."""
    profile = yaml.safe_load((REPO / "workflow/profiles/default/config.yaml").read_text("utf-8"))
    (tmp_path / "Snakefile").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO / 'workflow')!r})\n"
        "from samen_sterker.snakemake_exit import cancel_reevaluation_timers\n"
        "rule all:\n    input: expand('out/{i}.txt', i=range(4))\n"
        "rule one:\n    output: 'out/{i}.txt'\n    shell: 'sleep 0.2; touch {output}'\n"
        "onsuccess:\n"
        "    print(f'cancelled {cancel_reevaluation_timers()} timers', file=sys.stderr)\n",
        encoding="utf-8",
    )
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1",
         "--max-jobs-per-timespan", profile["max-jobs-per-timespan"]],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    cancelled = [line for line in process.stderr.splitlines() if line.startswith("cancelled ")]
    assert cancelled and int(cancelled[0].split()[1]) >= 1, process.stderr[-3000:]
