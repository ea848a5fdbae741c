"""``taskwatch simulate``: the local Task Center simulator on its own."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tui.cli.parser import EXIT
from tui.errors import (
    InvalidInputError,
)

if TYPE_CHECKING:
    from tui.simulator import ScriptedJob, Simulator

# -- simulate ----------------------------------------------------------------------------------


def cmd_simulate(args: argparse.Namespace) -> int:
    from tui.simulator import Simulator
    from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN
    from tui.simulator.scenarios import add_demo_jobs, add_random_jobs, add_service_demo_jobs
    from tui.simulator.server import SimulatorServer

    if (args.ak is None) != (args.sk is None):
        raise InvalidInputError("--ak and --sk go together")
    ak, sk = args.ak or DEMO_AK, args.sk or DEMO_SK
    project_id = getattr(args, "project_id", None) or DEMO_PROJECT_ID
    # One service per simulator, as the cloud has one host per service; TaurusDB and RDS (and
    # the legacy TaurusDB path) share one, their paths do not collide.
    chosen = getattr(args, "service", None) or "taurusdb"
    service = "taurusdb" if chosen in {"taurusdb", "taurusdb-legacy", "rds"} else chosen
    simulator = Simulator(
        credentials={ak: sk}, project_id=project_id, seed=args.seed, service=service
    )
    demo = (
        add_demo_jobs(simulator)
        if service == "taurusdb"
        else add_service_demo_jobs(simulator, service)
    )
    jobs = demo + add_random_jobs(simulator, max(0, args.jobs))
    try:
        server = SimulatorServer(simulator, host=args.host, port=args.port)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot listen on {args.host}:{args.port}: {exc}") from None
    with server:
        print(server.url, flush=True)
        shown_sk = sk if args.sk is None else "(as given)"
        print(f"# project_id {project_id}  AK {ak}  SK {shown_sk}  X-Auth-Token {DEMO_TOKEN}")
        print(f"# {'TaurusDB and RDS' if service == 'taurusdb' else service}: "
              f"HUAWEICLOUD_SDK_AK={ak} HUAWEICLOUD_SDK_SK=... taskwatch show ID "
              f"--service {chosen} --endpoint {server.url} --project-id {project_id}")  # fmt: skip
        with _identity_stand_ins(simulator, args, project_id, server.url):
            _print_jobs(simulator, jobs)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    return EXIT["ok"]


def _print_jobs(simulator: Simulator, jobs: list[ScriptedJob]) -> None:
    for job in jobs:
        ends = job.ends_at - simulator.clock()
        when = f"ends in {ends:.0f}s" if ends > 0 else "already ended"
        print(f"{job.id}  {job.name.strip():<40} -> {job.outcome:<9} ({when})")
    sys.stdout.flush()


@contextlib.contextmanager
def _identity_stand_ins(
    simulator: Simulator, args: argparse.Namespace, project_id: str, url: str
) -> Iterator[None]:
    """With ``--identity``: the ECS metadata service and IAM beside the Task Center, their keys
    accepted by its gateway, and a profile that uses them printed."""
    if not args.identity:
        yield
        return
    from tui.simulator.identity import IamService, MetadataService
    from tui.simulator.server import ServiceServer

    metadata = MetadataService(simulator, life=args.key_life, overlap=args.key_life / 6)
    region = "cn-north-4"
    iam = IamService(simulator, projects=[{"id": project_id, "name": region}], life=args.key_life)
    with ServiceServer(metadata, host=args.host) as meta, ServiceServer(iam, host=args.host) as idm:
        print(f"# ECS metadata {meta.url} (keys live {args.key_life:g} s), IAM {idm.url}")
        print(f'# [profiles.vm] auth = "ecs"  metadata_endpoint = "{meta.url}"  '
              f'iam_endpoint = "{idm.url}"  region = "{region}"  endpoint = "{url}"')  # fmt: skip
        yield
