"""An httpx transport that answers from the simulator core in-process: fast, offline tests."""

from __future__ import annotations

import asyncio

import httpx

from tui.simulator.core import SimRequest, Simulator

__all__ = ["SimulatorTransport"]


class SimulatorTransport(httpx.AsyncBaseTransport):
    """Routes every request to ``simulator`` and turns its faults into httpx's own exceptions."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sim_request = SimRequest(
            method=request.method,
            target=request.url.raw_path.decode("ascii"),
            headers=dict(request.headers.items()),
            body=body,
        )
        self.simulator.request_started()
        try:
            answer = self.simulator.handle(sim_request)
            if answer.delay > 0:
                await asyncio.sleep(answer.delay)
        finally:
            self.simulator.request_finished()
        if answer.fault == "hang":
            raise httpx.ReadTimeout("simulated read timeout", request=request)
        if answer.fault == "drop":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(
            answer.status, headers=dict(answer.headers), content=answer.body, request=request
        )
