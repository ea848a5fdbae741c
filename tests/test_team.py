"""Telling the team: failures, digests, deadlines and credentials sent to Apprise sinks (a
local webhook receiver on 127.0.0.1), a sink that is down or slow beside a live one, hostile
cloud text, ``notify --test``, and no secret anywhere."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest
from apprise import NotifyFormat
from apprise.conversion import convert_between

from tests.receiver import Receiver
from tests.ui_fixtures import runtime_for
from tui.cli.dispatch import main
from tui.cloud.models import Job
from tui.engine.events import SessionEvent, SinkChanged, TaskFinished, TaskRefreshed
from tui.engine.polling.poller import PollerConfig
from tui.engine.records import TaskRecord
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import NotifySettings, Settings, load_settings
from tui.engine.setup.paths import config_file, log_file
from tui.engine.storage import Store
from tui.errors import ConfigError
from tui.simulator import FakeClock, Simulator
from tui.simulator.scenarios import make_job
from tui.team.messages import compose, markdown_escaped, team_event_of
from tui.team.notifier import TeamNotifier, notifier_for
from tui.team.sinks import redact, sinks_from

HOSTILE = "disk full \x1b[31m [x](http://evil.example) <b>bold</b> | # h\nsecond line"


def dead_url(path: str = "/dead") -> str:
    """A json:// URL on a port nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"json://127.0.0.1:{port}{path}"


def _world(
    tmp_path: Path, tables: list[NotifySettings], *, name: str = "w.sqlite3"
) -> tuple[WatchSession, Simulator, FakeClock]:
    clock = FakeClock(start=time.time())
    simulator = Simulator(clock=clock.now, seed=3)
    session = WatchSession(
        Store.open(tmp_path / name),
        runtime_for(simulator),
        Settings(notify=tables),
        clock=Clock(wall=clock.now, monotonic=clock.now),
        poller_config=PollerConfig(interval=5.0, jitter=0.0),
    )
    return session, simulator, clock


def _quick(session: WatchSession) -> TeamNotifier:
    """The session's notifier, retrying at once (the tests do not wait for backoff)."""
    notifier = notifier_for(session, {})
    assert notifier is not None
    notifier._retry_delays = (0.01, 0.01)
    return notifier


async def _ticks(session: WatchSession, clock: FakeClock, seconds: float) -> None:
    for _ in range(int(seconds)):
        await session.tick()
        clock.advance(1.0)


async def test_a_failure_reaches_the_team_with_its_reason_as_literal_text(
    tmp_path: Path, receiver: Receiver
) -> None:
    session, simulator, clock = _world(tmp_path, [NotifySettings(urls=[receiver.url()], digest=0)])
    notifier = _quick(session)
    job = make_job(simulator, "resize", outcome="Failed", running_for=20, fail_reason=HOSTILE)
    session.edits.add([job.id], profile="default", label="CHG-7 <resize>")
    await _ticks(session, clock, 40)
    posted = await asyncio.to_thread(receiver.wait_for, 1)
    await notifier.aclose()
    await session.aclose()
    assert len(posted) == 1
    title, message = posted[0].body["title"], posted[0].body["message"]
    assert "Failed" in title and "CHG-7 <resize>" in title
    assert job.id in message and job.instance_id in message
    # The reason arrives whole and literal: its markup is text, its ESC made visible, one line.
    assert "[x](http://evil.example) <b>bold</b> | # h second line" in message
    assert "\x1b" not in title + message and "␛[31m" in message


async def test_ten_tasks_ending_within_seconds_make_one_digest(
    tmp_path: Path, receiver: Receiver
) -> None:
    table = NotifySettings(urls=[receiver.url()], on=["completed", "failed"], digest=0.5)
    session, simulator, clock = _world(tmp_path, [table])
    notifier = _quick(session)
    jobs = [
        make_job(simulator, "reboot", outcome="Failed" if n == 3 else "Completed", running_for=20)
        for n in range(10)
    ]
    session.edits.add([job.id for job in jobs], profile="default")
    await _ticks(session, clock, 40)
    posted = await asyncio.to_thread(receiver.wait_for, 1)
    await notifier.aclose()
    await session.aclose()
    assert len(receiver.posted) == 1, [p.body["title"] for p in receiver.posted]
    body = posted[0].body
    assert "10 events" in body["title"] and "9 completed" in body["title"]
    assert "1 failed" in body["title"]
    assert all(job.id in body["message"] for job in jobs)


async def test_an_overdue_task_is_announced_once_also_across_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    table = NotifySettings(urls=[receiver.url()], digest=0)
    session, simulator, clock = _world(tmp_path, [table])
    notifier = _quick(session)
    job = make_job(simulator, "resize", running_for=3600)
    session.edits.add([job.id], profile="default", label="long")
    await _ticks(session, clock, 3)
    session.edits.set_deadline([job.id], clock.now() - 60)
    session.deadlines.check_all()
    session.deadlines.check_all(clock.now() + 30)
    await asyncio.to_thread(receiver.wait_for, 1)
    await notifier.aclose()
    await session.aclose()
    session.watchlist.store.close()  # type: ignore[union-attr]

    again = WatchSession(
        Store.open(tmp_path / "w.sqlite3"),
        runtime_for(simulator),
        Settings(notify=[table]),
        clock=Clock(wall=clock.now, monotonic=clock.now),
    )
    second = _quick(again)
    assert again.deadlines.check_all(clock.now() + 60) == 0
    await second.aclose()
    await again.aclose()
    overdue = [p for p in receiver.posted if "Overdue" in p.body["title"]]
    assert len(overdue) == 1 and "long" in overdue[0].body["title"]


async def test_a_dead_sink_is_reported_once_and_never_holds_back_a_live_one(
    tmp_path: Path, receiver: Receiver
) -> None:
    dead = dead_url()
    table = NotifySettings(urls=[dead, receiver.url("/slow"), receiver.url()], digest=0)
    session, simulator, clock = _world(tmp_path, [table])
    events: list[SessionEvent] = []
    session.subscribe(events.append)
    notifier = _quick(session)
    receiver.hold.add("/slow")  # this one answers only when released
    jobs = [make_job(simulator, "reboot", outcome="Failed", running_for=10) for _ in range(2)]
    session.edits.add([jobs[0].id], profile="default")
    await _ticks(session, clock, 15)
    # The live sink has its message while the slow one is still sending, and polling went on.
    first = await asyncio.to_thread(receiver.wait_for, 1, "/hook")
    assert len(first) == 1
    session.edits.add([jobs[1].id], profile="default")
    await _ticks(session, clock, 15)
    assert len(await asyncio.to_thread(receiver.wait_for, 2, "/hook")) == 2
    receiver.release.set()
    await notifier.aclose(patience=10)
    await session.aclose()
    assert len(receiver.wait_for(2, "/slow")) == 2
    problems = [e for e in events if isinstance(e, SinkChanged)]
    assert len(problems) == 1  # once per outage, not per message or per retry
    assert problems[0].sink.startswith("#1.1 json://127.0.0.1:")
    assert problems[0].problem and "Connection" in problems[0].problem
    assert any("#1.1" in line for line in session.health.problems)


async def test_a_sink_that_works_again_clears_its_problem() -> None:
    answers = iter(["refused", "refused", "refused", None])
    changes: list[tuple[str, str | None]] = []

    class Flaky:
        def send(self, sink: object, message: object) -> str | None:
            return next(answers)

    notifier = TeamNotifier(
        sinks_from([NotifySettings(urls=["json://hooks.example.internal/x"], digest=0)], {}),
        lambda sink, why: changes.append((sink, why)),
        delivery=Flaky(),
        retry_delays=(0.0, 0.0),
    )
    record = TaskRecord(
        task_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
        profile="default",
        label="",
        added_at=0.0,
        position=0,
    )
    for _ in range(2):
        notifier.offer(TaskFinished(record.evolve(status="Failed"), announce=True))
    await notifier.aclose()
    assert changes == [
        ("#1.1 json://hooks.example.internal/…", "refused"),
        ("#1.1 json://hooks.example.internal/…", None),
    ]
    assert notifier.sent == 1


def test_cloud_text_cannot_reshape_a_markdown_message() -> None:
    record = TaskRecord(
        "a9767ede-fe0f-4888-9003-e843a4c90514", "default", label="", added_at=0.0, position=0
    )
    job = {
        "id": record.task_id,
        "name": "Resize **now**",
        "status": "Failed",
        "fail_reason": HOSTILE,
    }
    event = team_event_of(
        TaskFinished(record.fetched(Job.model_validate(job), time.time()), announce=True)
    )
    assert event is not None
    message = compose([event])
    assert "\x1b" not in message.markdown and "\n" not in message.title
    html = convert_between(  # type: ignore[no-untyped-call]
        NotifyFormat.MARKDOWN, NotifyFormat.HTML, message.markdown
    )
    assert "<a" not in html and "<b>" not in html and "<strong>" not in html and "<h1" not in html
    assert "[x](http://evil.example)" in html
    assert markdown_escaped("a_b*c") == r"a\_b\*c"


def test_sink_names_hide_every_secret() -> None:
    assert redact("dingtalk://0123456789abcdef/") == "dingtalk://…"
    assert redact("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ") == "slack://…"
    assert redact("mailto://user:hunter22@gmail.com") == "mailto://gmail.com/…"
    assert redact("json://hooks.example.internal:8443/token123") == (
        "json://hooks.example.internal:8443/…"
    )
    assert redact("tgram://123456789:abcdefg/12315544") == "tgram://…"
    assert redact("not a url") == "(not a URL)"


def test_variables_come_from_the_environment_and_a_missing_one_is_named() -> None:
    table = NotifySettings(urls=["dingtalk://${DING_TOKEN}/"])
    (sink,) = sinks_from([table], {"DING_TOKEN": "s3cr3ttoken"})
    assert sink.url == "dingtalk://s3cr3ttoken/" and "s3cr3t" not in sink.name + repr(sink)
    assert sink.on == {"failed", "overdue", "credential"}
    with pytest.raises(ConfigError, match=r"\$\{DING_TOKEN\} is not set"):
        sinks_from([table], {})


def _configure(text: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_notify_test_says_per_sink_whether_it_arrived(
    receiver: Receiver, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "tok3nSecretValue")
    live = receiver.url("/${HOOK_SECRET}")
    _configure(f'[[notify]]\nurls = ["{live}", "{dead_url("/tok3nDead")}"]\n')
    assert main(["notify", "--test"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("✔ #1.1 json://127.0.0.1:") and lines[0].endswith("delivered")
    assert lines[1].startswith("✘ #1.2 json://127.0.0.1:") and "not delivered: " in lines[1]
    assert "test message" in receiver.wait_for(1)[0].body["title"]
    assert receiver.posted[0].path == "/tok3nSecretValue"

    _configure(f'[[notify]]\nurls = ["{live}"]\non = ["completed"]\n')
    assert main(["notify", "--test"]) == 0
    assert main(["notify"]) == 0
    assert main(["config"]) == 0
    everything = capsys.readouterr().out + capsys.readouterr().err
    for secret in ("tok3n", "HOOK_SECRET"):
        assert secret not in out + everything
        assert secret not in (log_file().read_text() if log_file().exists() else "")


def test_notify_without_a_table_says_how_to_add_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "--test"]) == 2
    assert "[[notify]]" in capsys.readouterr().err


def test_a_bad_notify_table_is_named_without_its_urls() -> None:
    _configure('[[notify]]\nurls = ["json://h/secretpath"]\non = ["everything"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "notify" in str(caught.value) and "secretpath" not in str(caught.value)
    _configure("[[notify]]\nurls = []\n")
    with pytest.raises(ConfigError, match="urls"):
        load_settings()


async def test_the_tui_shows_a_dead_sink_in_its_banner_without_its_secret(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui_fixtures import live_app

    monkeypatch.setattr("tui.team.notifier.RETRY_DELAYS", (0.01, 0.01))
    dead = dead_url("/s3cretPathToken")
    settings = Settings(notify=[NotifySettings(urls=[dead, receiver.url()], digest=0)])
    live = live_app(tmp_path, settings=settings)
    job = make_job(live.simulator, "reboot", running_for=5, outcome="Failed")
    live.store.add_tasks([job.id], profile="default", label="CHG-3")
    async with live.run() as (pilot, messages):
        await messages.wait_for(lambda m: isinstance(m, TaskRefreshed))
        live.clock.advance(10)
        await messages.wait_for(lambda m: isinstance(m, SinkChanged), timeout=20)
        await pilot.pause()
        banner = str(live.app.query_one("#banner").render())
        assert "Team notifications to #1.1 json://127.0.0.1:" in banner
        assert "s3cretPathToken" not in banner
        assert "CHG-3" in (await asyncio.to_thread(receiver.wait_for, 1))[0].body["title"]
