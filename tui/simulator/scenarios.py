"""Scripted job lifecycles: entities shaped per task type as in the API reference."""

from __future__ import annotations

import random
import uuid
from typing import Any

from tui.simulator.core import ScriptedJob, Simulator

__all__ = [
    "KINDS",
    "STEP_PLANS",
    "add_demo_arrivals",
    "add_demo_jobs",
    "add_random_jobs",
    "add_service_demo_jobs",
    "kinds_of",
    "make_job",
]

LONG_FAIL_REASON = (
    "Upgrade of the database kernel failed on node gauss-node-2 during the rolling restart: "
    "the replication channel did not catch up within 600 seconds (replica lag 1843 s, "
    "binlog position 4/0A1B2C3D). The instance was rolled back to 8.0.22.200 and is available; "
    "no data was lost. Check long-running transactions and retry the upgrade in a quieter window."
)


def _instance(service: str, rng: random.Random) -> tuple[str, str]:
    suffix, name = _INSTANCES[service]
    return uuid.UUID(int=rng.getrandbits(128)).hex + suffix, f"{name}-{rng.randrange(100, 999)}"


def _entities(kind: str, rng: random.Random, instance_id: str) -> dict[str, Any]:
    """Entities as the reference documents them for each kind of task."""
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    if kind == "create":
        return _created(f"{ip}:3306", instance_id, "Cluster", ("gaussdb-mysql", "8.0"))
    if kind == "bind_eip":
        return {"public_ip": f"203.0.113.{rng.randrange(1, 255)}"}
    if kind == "resize":
        # Not documented: shown generically by the app, and kept in exports.
        return {
            "flavor": {"from": "gaussdb.mysql.xlarge.x86.4", "to": "gaussdb.mysql.2xlarge.x86.4"}
        }
    if kind == "rds_scale":
        return {"volume": {"type": "CLOUDSSD", "original_size": "100", "target_size": "200"}}
    if kind == "rds_switchover":
        return {"switch_strategy": "reliability"}
    if kind == "rds_replica":
        primary = uuid.UUID(int=rng.getrandbits(128)).hex + "in01"
        return _created(f"{ip}:3306", instance_id, "replica", ("mysql", "5.7"), replica_of=primary)
    return {}


def _created(
    endpoint: str, instance_id: str, kind: str, datastore: tuple[str, str], **more: str
) -> dict[str, Any]:
    """The entities of a task that creates an instance: the instance, and what it is made of."""
    engine, version = datastore
    instance = {
        "endpoint": endpoint,
        "type": kind,
        "datastore": {"type": engine, "version": version},
    }
    return {
        "instance": {**instance, **more},
        "resource_ids": [f"{instance_id}.vm", f"{instance_id}.volume"],
    }


# kind -> (service, job name as the cloud spells it)
KINDS: dict[str, tuple[str, str]] = {
    "create": ("taurusdb", "CreateGaussDBforMySQLInstance"),
    "bind_eip": ("taurusdb", "GaussDBforMySQLBindEIP"),
    "reboot": ("taurusdb", " RebootGaussDBforMySQLInstance"),  # leading space, as in the docs
    "resize": ("taurusdb", "ResizeGaussDBforMySQLFlavor"),
    "upgrade": ("taurusdb", "UpgradeGaussDBforMySQLDatabaseVersion"),
    "rds_scale": ("rds", "EnlargeMysqlVolume"),
    "rds_switchover": ("rds", "MysqlSwitchover"),
    "rds_replica": ("rds", "CreateMysqlReplicaInstance"),
    "gaussdb_expand": ("gaussdb", "GaussDBV5ExpandClusterDN"),
    "gaussdb_volume": ("gaussdb", "EnlargeGaussDBV5Volume"),
    "gaussdb_resize": ("gaussdb", "ResizeGaussDBV5Flavor"),
    "dds_resize": ("dds", "ResizeMongoDBInstance"),
    "dds_restart": ("dds", "RestartInstance"),
    "dds_volume": ("dds", "EnlargeMongoDBVolume"),
    "geminidb_enlarge": ("geminidb", "EnlargeInstance"),
    "geminidb_restart": ("geminidb", "RestartNode"),
    "geminidb_resize": ("geminidb", "ResizeInstance"),
}

# Instance IDs end in a two-digit service suffix (TaurusDB in07, RDS in01, GaussDB in14, DDS
# in02, GeminiDB in06); names as the consoles suggest them.
_INSTANCES: dict[str, tuple[str, str]] = {
    "taurusdb": ("in07", "taurus"),
    "rds": ("in01", "rds-mysql"),
    "gaussdb": ("in14", "gauss-dws"),
    "dds": ("in02", "dds-mongo"),
    "geminidb": ("in06", "nosql-cassandra"),
}

# The demo's tasks on each service of its own simulator: (kind, running for, outcome).
SERVICE_DEMOS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "gaussdb": (("gaussdb_expand", 70.0, "Completed"), ("gaussdb_volume", 40.0, "Completed")),
    "dds": (("dds_resize", 55.0, "Failed"), ("dds_restart", 30.0, "Completed")),
    "geminidb": (("geminidb_enlarge", 95.0, "Completed"), ("geminidb_restart", 25.0, "Completed")),
}


def kinds_of(service: str) -> list[str]:
    """The kinds of job a simulator of ``service`` scripts (TaurusDB and RDS share one).

    Args:
        service: ``taurusdb`` (TaurusDB and RDS), ``gaussdb``, ``dds`` or ``geminidb``.

    Returns:
        The kinds, sorted.
    """
    family = {"taurusdb", "rds"} if service in {"taurusdb", "rds"} else {service}
    return sorted(kind for kind, (owner, _) in KINDS.items() if owner in family)


# kind -> the steps the console shows for it, as (name, share of the running time). A kind with
# none has no details: ShowTaskDetails refuses it, as the cloud does for jobs whose list entry
# says show_detail=false.
STEP_PLANS: dict[str, tuple[tuple[str, float], ...]] = {
    "create": (
        ("Create virtual machines", 0.35),
        ("Install the database", 0.3),
        ("Configure the network", 0.15),
        ("Initialise the instance", 0.2),
    ),
    "reboot": (("Check the instance", 0.15), ("Reboot the nodes", 0.7), ("Check the nodes", 0.15)),
    "resize": (
        ("Pre-check", 0.1),
        ("Resize the standby nodes", 0.35),
        ("Switch over", 0.1),
        ("Resize the primary node", 0.35),
        ("Post-check", 0.1),
    ),
    "upgrade": (
        ("Pre-check", 0.1),
        ("Upgrade node 1", 0.2),
        ("Upgrade node 2", 0.2),
        ("Upgrade node 3", 0.2),
        ("Switch over", 0.15),
        ("Post-check", 0.15),
    ),
    "rds_scale": (
        ("Check the volume", 0.1),
        ("Extend the volume", 0.6),
        ("Grow the file system", 0.3),
    ),
    "rds_switchover": (
        ("Check replication", 0.3),
        ("Switch over", 0.5),
        ("Check the new primary", 0.2),
    ),
    "rds_replica": (
        ("Create the virtual machine", 0.3),
        ("Restore the backup", 0.5),
        ("Start replication", 0.2),
    ),
}


_REASONS = {
    "gaussdb": "Expanding the data nodes failed: node dn_6001 did not join the cluster.",
    "dds": "Resizing failed: the secondary node did not catch up with the primary within 30 min.",
    "geminidb": "Enlarging failed: the new node could not be added to the ring.",
}


def make_job(
    simulator: Simulator,
    kind: str,
    *,
    created_at: float | None = None,
    outcome: str = "Completed",
    running_for: float = 30.0,
    pending_for: float = 0.0,
    visible_after: float = 0.0,
    fail_reason: str = "",
    job_id: str | None = None,
    scheduled_since: float | None = None,
    instance: tuple[str, str] | None = None,
) -> ScriptedJob:
    """Script a job of ``kind`` in ``simulator`` and return it."""
    service, name = KINDS[kind]
    rng = simulator.rng
    instance_id, instance_name = instance or _instance(service, rng)
    if outcome == "Failed" and not fail_reason:
        fail_reason = "createVM failed." if service in {"taurusdb", "rds"} else _REASONS[service]
    job = ScriptedJob(
        id=job_id or simulator.new_job_id(),
        name=name,
        instance_id=instance_id,
        instance_name=instance_name,
        created_at=simulator.clock() if created_at is None else created_at,
        outcome=outcome,
        visible_after=visible_after,
        pending_for=pending_for,
        running_for=running_for,
        fail_reason=fail_reason,
        entities=_entities(kind, rng, instance_id),
        service=service,
        steps=STEP_PLANS.get(kind, ()),
        scheduled_since=scheduled_since,
    )
    return simulator.add_job(job)


def add_random_jobs(
    simulator: Simulator,
    count: int,
    *,
    max_running: float = 60.0,
    failure_share: float = 0.25,
    visible_after: float = 0.0,
) -> list[ScriptedJob]:
    """Script ``count`` jobs of random kinds, durations and outcomes (reproducible by seed)."""
    rng = simulator.rng
    kinds = kinds_of(simulator.wire.name if simulator.wire else "taurusdb")
    jobs = []
    for _ in range(count):
        outcome = "Failed" if rng.random() < failure_share else "Completed"
        if rng.random() < 0.05:
            outcome = "Canceled"
        jobs.append(
            make_job(
                simulator,
                rng.choice(kinds),
                outcome=outcome,
                pending_for=rng.choice([0.0, 0.0, rng.uniform(1, max_running / 4)]),
                running_for=rng.uniform(1, max_running),
                visible_after=visible_after,
            )
        )
    return jobs


def add_demo_jobs(simulator: Simulator) -> list[ScriptedJob]:
    """The --demo world: a handful of tasks that progress, complete and fail within ~2 minutes."""
    now = simulator.clock()
    jobs = [
        make_job(simulator, "resize", running_for=45),
        make_job(simulator, "create", pending_for=8, running_for=85),
        make_job(simulator, "bind_eip", running_for=20, visible_after=3),
        make_job(
            simulator,
            "upgrade",
            running_for=60,
            outcome="Failed",
            fail_reason=LONG_FAIL_REASON,
        ),
        make_job(simulator, "reboot", pending_for=15, running_for=90),
        make_job(simulator, "rds_scale", running_for=110),
        # Finished an hour ago: the app learns its whole story from the first fetch.
        make_job(simulator, "rds_replica", created_at=now - 3600, running_for=900),
    ]
    return jobs


def add_service_demo_jobs(simulator: Simulator, service: str) -> list[ScriptedJob]:
    """The --demo world of a GaussDB, DDS or GeminiDB simulator: two tasks that progress and end
    within two minutes.

    Args:
        simulator: A simulator of ``service``.
        service: ``gaussdb``, ``dds`` or ``geminidb``.

    Returns:
        The jobs.
    """
    return [
        make_job(simulator, kind, running_for=running_for, outcome=outcome)
        for kind, running_for, outcome in SERVICE_DEMOS[service]
    ]


def add_demo_arrivals(simulator: Simulator, on: ScriptedJob) -> list[ScriptedJob]:
    """Tasks the demo's follow rule finds by itself: started "by a colleague" on the instance
    of ``on`` a little later, and one scheduled for the window that starts after a minute."""
    now = simulator.clock()
    where = (on.instance_id, on.instance_name)
    return [
        make_job(simulator, "bind_eip", created_at=now + 25, running_for=30, instance=where),
        make_job(simulator, "reboot", created_at=now + 40, running_for=50, instance=where),
        make_job(
            simulator,
            "resize",
            created_at=now + 70,
            running_for=60,
            scheduled_since=now - 3600,
            instance=where,
        ),
    ]
