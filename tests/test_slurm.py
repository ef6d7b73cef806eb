"""The demo pipeline through a real single-node SLURM with the cluster profile
(workflow/profiles/slurm): every job is an sbatch job, the reports are made, and the statistics
are byte-identical to those of a local run.

The test starts its own private SLURM as root (Debian's slurm-wlm and munge, installed by
.ci/run): munged, slurmctld and slurmd on free loopback ports, with a one-node slurm.conf in a
temporary directory. It never reads or writes /etc/slurm or /run/munge, and stops every daemon
it started. Where SLURM cannot start (not root, binaries absent, daemons not coming up) it is
skipped with the reason."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import copy_project

pytestmark = pytest.mark.e2e

PROFILE = "workflow/profiles/slurm"
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "srun", "scontrol", "sinfo", "scancel")
# One node of this machine's size; memory in MB, enough for the profile's largest request.
NODE_CPUS = 2
SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def node_memory_mb() -> int:
    """Memory the node offers: this machine's, less a margin (slurmd refuses to offer more)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024 - 512
    return 4096


def slurm_conf(directory: Path, node: str, ports: tuple[int, int]) -> str:
    """A one-node cluster: no accounting, no cgroups (proctrack/linuxproc, task/none);
    MinJobAge keeps finished jobs in squeue, where the plugin reads their state."""
    return f"""\
ClusterName=samensterkertest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ports[0]}
SlurmdPort={ports[1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={directory}/munge/munge.socket
StateSaveLocation={directory}/state
SlurmdSpoolDir={directory}/spool
SlurmctldPidFile={directory}/slurmctld.pid
SlurmdPidFile={directory}/slurmd.pid
SlurmctldLogFile={directory}/log/slurmctld.log
SlurmdLogFile={directory}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MinJobAge=3600
ReturnToService=2
NodeName={node} NodeAddr=127.0.0.1 CPUs={NODE_CPUS} RealMemory={node_memory_mb()} State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def log_tails(directory: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}"
                     for log in sorted(directory.glob("**/*.log")) if log.is_file())


def stop(pid: int) -> None:
    """SIGTERM a daemon, SIGKILL it if it lingers; return once it has exited."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _state(pid) in ("Z", "X"):
                return
            time.sleep(0.1)


def _state(pid: int) -> str:
    """The process's state letter; "X" when it is gone (a zombie "Z" has exited too)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "X"


@contextlib.contextmanager
def single_node_slurm(directory: Path):
    """Start munged, slurmctld and slurmd in `directory`; yield the environment in which
    sbatch, squeue and srun talk to them; stop the daemons afterwards. Raises
    pytest.skip.Exception (a skip) where SLURM cannot start here."""
    if os.geteuid() != 0:
        pytest.skip("SLURM test needs root to start munged, slurmctld and slurmd")
    missing = [name for name in (*DAEMONS, *CLIENTS) if not shutil.which(name)
               and not Path("/usr/sbin", name).exists()]
    if missing:
        pytest.skip(f"SLURM not installed ({', '.join(missing)} missing): "
                    "apt-get install slurm-wlm munge")
    sbin = {name: shutil.which(name) or f"/usr/sbin/{name}" for name in DAEMONS}
    for sub in ("munge", "state", "spool", "log", "bin"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    (directory / "munge").chmod(0o700)
    key = directory / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    conf = directory / "slurm.conf"
    conf.write_text(slurm_conf(directory, socket.gethostname().split(".")[0],
                               (free_port(), free_port())))
    # The jobstep plugin (0.6.1) drops every SLURM_* variable, SLURM_CONF included, from the
    # environment of the srun it starts inside each job. A cluster's nodes find slurm.conf in
    # /etc/slurm; this private cluster's srun finds it through this wrapper on PATH.
    srun = directory / "bin" / "srun"
    srun.write_text(f'#!/bin/sh\nSLURM_CONF={conf} exec {shutil.which("srun")} "$@"\n')
    srun.chmod(0o755)
    env = {**os.environ, "SLURM_CONF": str(conf),
           "PATH": f"{directory / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    launched: dict[str, Path] = {}
    started: dict[str, int] = {}
    try:
        for command, pid_file in (
            ([sbin["munged"], "--force", f"--socket={directory}/munge/munge.socket",
              f"--key-file={key}", f"--log-file={directory}/log/munged.log",
              f"--pid-file={directory}/munge/munged.pid",
              f"--seed-file={directory}/munge/munged.seed"], directory / "munge/munged.pid"),
            ([sbin["slurmctld"], "-f", str(conf)], directory / "slurmctld.pid"),
            ([sbin["slurmd"], "-f", str(conf)], directory / "slurmd.pid"),
        ):
            name = Path(command[0]).name
            launched[name] = pid_file
            result = subprocess.run(command, env=env, capture_output=True, text=True,
                                    check=False, timeout=60)
            # Each daemon forks into the background, where it writes its pid file.
            deadline = time.monotonic() + 15
            while result.returncode == 0 and time.monotonic() < deadline:
                with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
                    started[name] = int(pid_file.read_text().split()[0])
                    break
                time.sleep(0.1)
            if result.returncode != 0 or name not in started:
                pytest.skip(f"SLURM cannot start here: {name} exited {result.returncode}"
                            f" ({result.stderr.strip() or 'no pid file'})\n"
                            f"{log_tails(directory)}")
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "--noheader", "--format=%T"], env=env,
                                   capture_output=True, text=True, check=False).stdout.strip()
            if state == "idle":
                break
            time.sleep(0.5)
        else:
            pytest.skip(f"SLURM cannot start here: the node stays {state!r} after 60 s\n"
                        f"{log_tails(directory)}")
        yield env
    finally:
        # Jobs first (their processes end with them), then the daemons: politely through
        # slurmctld, then by pid for whichever is still there (or never reached slurmctld).
        for command in (["scancel", "--full", "--quiet", "--user=root"], ["scontrol", "shutdown"]):
            if "slurmctld" not in started:
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run(command, env=env, capture_output=True, check=False, timeout=30)
        for name, pid_file in reversed(launched.items()):
            with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
                started.setdefault(name, int(pid_file.read_text().split()[0]))
            if name in started:
                stop(started[name])


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    with single_node_slurm(tmp_path_factory.mktemp("slurm")) as env:
        yield env


def largest_memory_request_mb(project: Path) -> int:
    profile = yaml.safe_load((project / PROFILE / "config.yaml").read_text())
    requests = [profile["default-resources"]["mem_mb"],
                *(resources.get("mem_mb", 0) for resources in profile["set-resources"].values())]
    return max(requests)


def fit_cpu_requests_to_the_node(project: Path) -> None:
    """The profile's CPUs per job, at most the test node's (SLURM would never start a job that
    asks for more CPUs than any node has)."""
    path = project / PROFILE / "config.yaml"
    profile = yaml.safe_load(path.read_text())
    for resources in profile["set-resources"].values():
        if resources.get("cpus_per_task", 1) > NODE_CPUS:
            resources["cpus_per_task"] = NODE_CPUS
    path.write_text(yaml.safe_dump(profile, sort_keys=False))


def run_through_slurm(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Snakemake with the cluster profile, as a researcher runs it on a login node; the test
    cluster has no accounting (squeue tracks the jobs) and no accounts."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--directory", str(project),
         "--snakefile", str(project / "Snakefile"), "--workflow-profile", str(project / PROFILE),
         "--slurm-status-command", "squeue", "--slurm-no-account",
         "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs"],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=1800,
    )


@pytest.fixture(scope="module")
def slurm_run(slurm_env, tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("slurm-project"))
    fit_cpu_requests_to_the_node(project)
    if largest_memory_request_mb(project) > node_memory_mb():
        pytest.skip(f"this machine's {node_memory_mb()} MB cannot hold the profile's largest "
                    f"job ({largest_memory_request_mb(project)} MB)")
    started = time.monotonic()
    process = run_through_slurm(project, slurm_env)
    wall = time.monotonic() - started
    if process.returncode != 0:
        logs = "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-2000:]}"
                         for log in sorted(project.glob(".snakemake/slurm_logs/**/*.log")))
        raise AssertionError(f"snakemake through SLURM failed:\n{process.stderr[-8000:]}\n{logs}")
    print(f"\nthrough SLURM: {wall:.0f} s wall")
    return project, process, slurm_env


def test_reports_are_made_through_slurm(slurm_run):
    project, _, _ = slurm_run
    for slug in ("nergenshuizen", "sudwest-nergensdorp", "overview"):
        for suffix in ("", ".en"):
            assert (project / f"results/reports/2024/{slug}{suffix}.pdf").stat().st_size > 0
    assert (project / "results/reports/2024/SHA256SUMS").exists()


def test_every_job_ran_as_a_slurm_job(slurm_run):
    project, process, env = slurm_run
    output = process.stdout + process.stderr
    submitted = {slurm_id: Path(log) for _, slurm_id, log in SUBMITTED.findall(output)}
    rules = {log.relative_to(project / ".snakemake/slurm_logs").parts[0]
             for log in submitted.values()}
    # Every rule with an action ran as a SLURM job, but the target `all` and the local rules
    # that link a municipality's staged stats and reports to their own paths.
    assert rules == {"rule_clean_year", "rule_provenance", "rule_disclosure",
                     "rule_year_stats", "rule_municipality_reports", "rule_overview_report",
                     "rule_publication_checksums"}, rules
    # The demo: 1 cleaning + 1 provenance + 1 disclosure + 1 statistics of the year + 3 report
    # jobs (one per municipality, as a year of two gets two jobs, and the overview; each in
    # both languages) + 1 checksums.
    assert len(submitted) == 8, sorted(submitted)
    # SLURM's own view (kept MinJobAge seconds without accounting): each of them COMPLETED.
    states = dict(line.split("|") for line in subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%T"], env=env,
        capture_output=True, text=True, check=True).stdout.split())
    assert {states.get(slurm_id) for slurm_id in submitted} == {"COMPLETED"}, states
    # Each job's SLURM log shows Snakemake's job step finishing on the node.
    for slurm_id, log in submitted.items():
        assert "1 of 1 steps (100%) done" in log.read_text(errors="replace"), (slurm_id, log)


def test_statistics_equal_a_local_run(slurm_run, request):
    project, _, _ = slurm_run
    # The local run of the other end-to-end tests (made once per session); asked for here,
    # after slurm_run, so that where SLURM cannot start the test skips without making it.
    demo_run = request.getfixturevalue("demo_run")
    local = sorted(path.relative_to(demo_run) for path in demo_run.glob("results/stats/**/*")
                   if path.is_file())
    assert local, "the local run made no statistics"
    assert local == sorted(path.relative_to(project)
                           for path in project.glob("results/stats/**/*") if path.is_file())
    differing = [str(path) for path in local
                 if (project / path).read_bytes() != (demo_run / path).read_bytes()]
    assert not differing, differing
