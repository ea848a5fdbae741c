"""A faithful local Task Center: the same gateway and job behaviour, on 127.0.0.1.

``core`` turns a request into a response (pure, with an injectable clock); ``server`` serves it
over real HTTP; ``transport`` serves it to httpx in-process; ``scenarios`` scripts job lifecycles;
``demo`` is the account they all sign in with.
"""

# Re-exported by name ("X as X"): the package is what tests, benchmarks and --demo import.
from tui.simulator.core import (
    FakeClock as FakeClock,
    Faults as Faults,
    ScriptedJob as ScriptedJob,
    SimRequest as SimRequest,
    SimResponse as SimResponse,
    Simulator as Simulator,
)
from tui.simulator.server import SimulatorServer as SimulatorServer
from tui.simulator.transport import SimulatorTransport as SimulatorTransport
