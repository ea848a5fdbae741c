"""What a live credential costs per request: prints figures, asserts nothing.

Run: python benchmarks/credentials.py [--requests 4000] [--rounds 5]

The same job-by-ID request is signed and sent through an in-process transport that answers a
fixed job (no server, so the CPU counted is the client's alone), with:

- ``static``: the plain AK/SK signer of before (:class:`~tui.cloud.signing.AkSkAuth`), with a
  security token of the length ECS hands out (so all three sign the same headers);
- ``live``: the same keys through :class:`~tui.cloud.identity.live.LiveCredential`;
- ``ecs``: temporary keys from the ECS metadata stand-in, between renewals (they live an hour):
  the renewal machinery's cost on every request that is not a renewal.

Rounds alternate the three so that a noisy, shared machine hurts each alike; the figure is the
median CPU microseconds per request, and each ratio is against ``static``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.cloud.client import TaskCenterClient, new_http_client
from tui.cloud.endpoints import Service
from tui.cloud.identity.ecs import MetadataSource
from tui.cloud.identity.keys import Keys
from tui.cloud.identity.live import LiveCredential, ProjectRef
from tui.cloud.identity.network import IdentityHttp, Network
from tui.cloud.signing import AkSkAuth
from tui.simulator import Simulator
from tui.simulator.core import SimRequest
from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
from tui.simulator.identity import MetadataService

JOB_ID = "a9767ede-fe0f-4888-9003-e843a4c90514"
TOKEN = "sts-ecstempak-1-" + "t" * 40  # every kind signs a security token, as ECS keys do
BODY = json.dumps(
    {"job": {"id": JOB_ID, "name": "resize", "status": "Running", "process": "40%",
             "created": "2026-12-06T10:00:00+0800", "instance": {"id": "x", "name": "y"}}}
).encode()  # fmt: skip


def _job_answers(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY, headers={"Content-Type": "application/json"})


def _metadata_transport(service: MetadataService) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        reply = service.handle(
            SimRequest(request.method, request.url.raw_path.decode(), dict(request.headers))
        )
        return httpx.Response(reply.status, content=reply.body, headers=dict(reply.headers))

    return httpx.MockTransport(answer)


async def _client(kind: str) -> tuple[TaskCenterClient, Callable[[], int]]:
    http = new_http_client(transport=httpx.MockTransport(_job_answers))
    endpoint = "https://gaussdb.cn-north-4.myhuaweicloud.com"
    if kind == "static":
        auth: httpx.Auth = AkSkAuth(
            DEMO_AK, DEMO_SK, security_token=TOKEN, project_id=DEMO_PROJECT_ID
        )
        renewals: Callable[[], int] = lambda: 0  # noqa: E731
    else:
        project = ProjectRef(DEMO_PROJECT_ID)
        if kind == "live":
            keys = Keys(ak=DEMO_AK, sk=DEMO_SK, security_token=TOKEN)
            credential = LiveCredential.fixed(keys, "benchmark")
        else:
            metadata = MetadataService(Simulator(), life=3600.0)
            identity = IdentityHttp(Network(), transport=_metadata_transport(metadata))
            credential = LiveCredential(MetadataSource("http://127.0.0.1:9"), identity)
            await credential.current()
        auth = credential.auth(project)
        renewals = lambda: credential.renewals  # noqa: E731
    client = TaskCenterClient(
        http, endpoint=endpoint, service=Service.TAURUSDB, project_id=DEMO_PROJECT_ID, auth=auth
    )
    return client, renewals


async def _round(kind: str, requests: int) -> tuple[float, int]:
    client, renewals = await _client(kind)
    for _ in range(50):  # warm: caches, first-call imports
        await client.get_job(JOB_ID)
    started = time.process_time()
    for _ in range(requests):
        await client.get_job(JOB_ID)
    spent = time.process_time() - started
    return spent / requests * 1e6, renewals()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"static": [], "live": [], "ecs": []}
    renewed = 0
    for _ in range(args.rounds):
        for kind in figures:
            micros, renewals = asyncio.run(_round(kind, args.requests))
            figures[kind].append(micros)
            renewed += renewals
    base = statistics.median(figures["static"])
    print(f"CPU per job-by-ID request, median of {args.rounds} alternating rounds "
          f"of {args.requests}:")  # fmt: skip
    for kind, values in figures.items():
        median = statistics.median(values)
        print(f"  {kind:<7} {median:7.1f} µs  ({median / base:.2f}x static)")
    print(f"  renewals during the measured requests: {renewed}")


if __name__ == "__main__":
    main()
