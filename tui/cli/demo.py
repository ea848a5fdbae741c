"""The demo's world: simulators on 127.0.0.1 serving the demo tasks (the same job IDs every
time), and the demo's own watchlist, so ``taskwatch --demo`` and ``show``/``wait``/``recent
--demo`` need no account and never touch real data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.engine.setup.paths import database_file
from tui.engine.storage import Store

if TYPE_CHECKING:
    from tui.engine.setup.config import Profile

__all__ = ["DEMO_LABELS", "SERVICE_DEMO_LABELS", "demo_servers", "start_demo"]

DEMO_LABELS = [
    "CHG-1042 resize",
    "CHG-1042 new cluster",
    "CHG-1043 bind EIP",
    "CHG-1044 upgrade",
    "CHG-1045 reboot",
    "CHG-1046 grow disk",
    "yesterday: replica",
]
SERVICE_DEMO_LABELS = {
    "gaussdb": ["CHG-1047 add shards", "CHG-1047 grow disk"],
    "dds": ["CHG-1048 resize mongo", "CHG-1048 restart"],
    "geminidb": ["CHG-1049 add nodes", "CHG-1049 restart node"],
}


def start_demo() -> tuple[list[Profile], Store, Callable[[], None]]:
    """Start the simulators on 127.0.0.1 with the demo tasks, on a fresh demo watchlist.

    One simulator serves TaurusDB and RDS (profile ``demo``); GaussDB, DDS and GeminiDB each
    have their own, as the cloud has one host per service (profiles ``demo-gaussdb`` ...).
    """
    path = database_file(demo=True)
    for suffix in ("", "-wal", "-shm"):  # the demo starts over each time; real data lives apart
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    store = Store.open(path)
    profiles, stop = demo_servers(store)
    return profiles, store, stop


def demo_servers(
    store: Store | None = None,
) -> tuple[list[Profile], Callable[[], None]]:
    """Start the demo's simulators on 127.0.0.1 (the same job IDs every time: fixed seeds).

    Args:
        store: A fresh demo watchlist to fill with the demo tasks, or None (``show``, ``wait``,
            ``recent --demo`` only ask the simulators).

    Returns:
        The demo profiles, and the function that stops the simulators.
    """
    from tui.cloud.endpoints import Service
    from tui.cloud.identity.keys import Keys
    from tui.cloud.identity.live import LiveCredential
    from tui.engine.setup.config import Profile
    from tui.simulator import Simulator, SimulatorServer
    from tui.simulator.demo import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK
    from tui.simulator.scenarios import add_demo_arrivals, add_demo_jobs, add_service_demo_jobs

    servers: list[SimulatorServer] = []
    profiles: list[Profile] = []

    def serve(simulator: Simulator, name: str, service: Service) -> None:
        server = SimulatorServer(simulator).start()
        servers.append(server)
        profiles.append(
            Profile(
                name=name,
                service=service,
                endpoint=server.url,
                project_id=DEMO_PROJECT_ID,
                credential=LiveCredential.fixed(Keys(ak=DEMO_AK, sk=DEMO_SK), "the built-in demo"),
                region="simulator",
                rate_limit=20.0,
            )
        )

    simulator = Simulator()
    jobs = add_demo_jobs(simulator)
    add_demo_arrivals(simulator, on=jobs[0])
    serve(simulator, "demo", Service.TAURUSDB)
    if store is not None:
        for job, label in zip(jobs, DEMO_LABELS, strict=False):
            store.add_tasks([job.id], profile="demo", label=label)
        # The reboot was promised in 75 s but takes 105: it warns "at risk", then "overdue".
        store.set_deadline([jobs[4].id], simulator.clock() + 75)
        # The demo follows its whole project: tasks others start appear by themselves.
        store.add_rule("demo", [], [], now=simulator.clock())
    for service, labels in SERVICE_DEMO_LABELS.items():
        other = Simulator(service=service, seed=len(profiles))
        name = f"demo-{service}"
        serve(other, name, Service(service))
        service_jobs = add_service_demo_jobs(other, service)
        if store is not None:
            for job, label in zip(service_jobs, labels, strict=True):
                store.add_tasks([job.id], profile=name, label=label)

    def stop() -> None:
        for server in servers:
            server.stop()

    return profiles, stop
