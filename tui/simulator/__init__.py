"""A faithful local Task Center: the same gateway and job behaviour, on 127.0.0.1.

``core`` turns a request into a response (pure, with an injectable clock); ``server`` serves it
over real HTTP; ``transport`` serves it to httpx in-process; ``scenarios`` scripts job lifecycles.
"""

from tui.simulator.core import (
    DEMO_AK,
    DEMO_PROJECT_ID,
    DEMO_SK,
    DEMO_TOKEN,
    FakeClock,
    Faults,
    ScriptedJob,
    SimRequest,
    SimResponse,
    Simulator,
)
from tui.simulator.server import SimulatorServer
from tui.simulator.transport import SimulatorTransport

__all__ = [
    "DEMO_AK",
    "DEMO_PROJECT_ID",
    "DEMO_SK",
    "DEMO_TOKEN",
    "FakeClock",
    "Faults",
    "ScriptedJob",
    "SimRequest",
    "SimResponse",
    "Simulator",
    "SimulatorServer",
    "SimulatorTransport",
]
