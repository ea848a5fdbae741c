"""The wire adapters of the five Task Centers, one module each, and the one way to pick one.

Adding a sixth service: a :class:`~tui.cloud.services.base.WireAdapter` module here, its
:class:`~tui.cloud.endpoints.Service` name, a line in :data:`ADAPTERS`, and its simulator
counterpart in :mod:`tui.simulator.services`.
"""

from __future__ import annotations

from tui.cloud.endpoints import Service
from tui.cloud.services.base import WireAdapter
from tui.cloud.services.dds import Dds
from tui.cloud.services.gaussdb import GaussDB
from tui.cloud.services.geminidb import GeminiDB
from tui.cloud.services.rds import Rds
from tui.cloud.services.taurusdb import TaurusDB, TaurusDBLegacy

__all__ = ["ADAPTERS", "WireAdapter", "adapter_for", "default_endpoint"]

ADAPTERS: dict[Service, WireAdapter] = {
    adapter.service: adapter
    for adapter in (TaurusDB(), TaurusDBLegacy(), Rds(), GaussDB(), Dds(), GeminiDB())
}


def adapter_for(service: Service) -> WireAdapter:
    """The wire adapter of ``service``.

    Args:
        service: A service name.

    Returns:
        Its adapter (one shared instance; adapters hold no state).
    """
    return ADAPTERS[service]


def default_endpoint(service: Service, region: str) -> str:
    """The HTTPS base URL for ``service`` in ``region``, or raise InvalidInputError.

    Args:
        service: Which Task Center.
        region: A region ID such as ``cn-north-4``.

    Returns:
        The endpoint from the official SDK's region tables.
    """
    return adapter_for(service).endpoint(region)
