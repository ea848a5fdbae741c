"""``taskwatch show``: fetch tasks now and print them."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from tui.cli.common import error_word, exit_for_errors, prepared_runtime, profiles_for, warn
from tui.cloud.ids import validate_task_id
from tui.cloud.models import Job
from tui.cloud.safe_text import json_text, visible
from tui.engine.setup.config import load_settings
from tui.errors import (
    AuthenticationError,
    TaskCenterError,
)
from tui.present.text import (
    entity_lines,
    format_duration,
    format_local,
    format_progress,
    status_text,
)

# -- show --------------------------------------------------------------------------------------


def job_text(job: Job) -> str:
    """A readable multi-line summary of a job."""
    lines = [f"{job.id}  {status_text(job.status)}  {job.name}"]
    instance = job.instance
    if instance.id or instance.name:
        lines.append(f"  instance   {instance.name} ({instance.id})")
    created, ended = job.created_at, job.ended_at
    times = f"  created    {format_local(created)}"
    if ended:
        times += f"   ended {format_local(ended)}"
        if created:
            times += f"   took {format_duration((ended - created).total_seconds())}"
    lines.append(times)
    progress = format_progress(job.progress, job.status)
    if progress:
        lines.append(f"  progress   {progress}")
    for label, value in entity_lines(job):
        lines.append(f"  {label:<10} {value}")
    if job.fail_reason:
        lines.append(f"  FAILED     {job.fail_reason}")
    return visible("\n".join(lines), multiline=True)  # names, entities, reasons: outside text


def cmd_show(args: argparse.Namespace) -> int:
    ids = [validate_task_id(value) for value in args.ids]  # refuse bad input before any request
    settings = load_settings()
    profiles = profiles_for(ids, args, settings)

    async def fetch_all() -> list[tuple[str, Job | None, TaskCenterError | None]]:
        runtime = await prepared_runtime(settings, args, set(profiles.values()))
        results: list[tuple[str, Job | None, TaskCenterError | None]] = []
        refused: dict[str, TaskCenterError] = {}  # by credential: never repeat a refused one
        keys = runtime.credential_keys
        try:
            for task_id in ids:
                profile = profiles[task_id]
                if keys[profile] in refused:
                    results.append((task_id, None, refused[keys[profile]]))
                    continue
                try:
                    job = (await runtime.clients[profile].get_job(task_id)).job
                    results.append((task_id, job, None))
                except TaskCenterError as error:
                    results.append((task_id, None, error))
                    if isinstance(error, AuthenticationError):
                        refused[keys[profile]] = error
        finally:
            await runtime.aclose()
        return results

    results = asyncio.run(fetch_all())
    if args.json:
        out: list[dict[str, Any]] = []
        for task_id, job, error in results:
            if job is not None:
                out.append({**job.to_api_dict(), "error": None})
            else:
                out.append({**_empty_job(task_id), "error": error.to_dict() if error else None})
        print(json_text(out, indent=2))
    else:
        for task_id, job, error in results:
            if job is not None:
                print(job_text(job))
            elif error is not None:
                warn(f"{task_id}: {error_word(error)}: {error}")
    return exit_for_errors([error for _, _, error in results if error is not None])


def _empty_job(task_id: str) -> dict[str, Any]:
    return {
        "id": task_id, "name": None, "status": None, "created": None, "ended": None,
        "process": None, "instance": None, "entities": None, "fail_reason": None,
    }  # fmt: skip
