"""The night shift holds: what an outside probe of the team surfaces found, each as a test.

Sink tokens never reach a byte taskwatch writes; cloud text cannot reshape a chat message, per
service as the plugin POSTs it; a trickling sink cannot stall another sink, shutdown or
``notify --test``; an event is told once across lease holders; ``watch`` says what opening the
watchlist found, gives up when the API stays unreachable and ends quietly on a closed pipe; a
fail reason of megabytes still tells the task's end; loose files and planted links are refused.
"""

from __future__ import annotations

import asyncio
import email
import email.header
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

import pytest

from tests.receiver import Receiver
from tests.test_team import HOSTILE, _world
from tests.test_watch import _configure as configure_watch, _line_where, _watch
from tests.ui_fixtures import runtime_for
from tui.cli.dispatch import main
from tui.cloud.big_answers import KEEP_CHARS
from tui.cloud.models import Job
from tui.engine.changes import Change
from tui.engine.events import TaskFinished
from tui.engine.records import TaskRecord
from tui.engine.session import Clock, WatchSession
from tui.engine.setup.config import NotifySettings, Settings, load_settings
from tui.engine.setup.logs import setup_logging
from tui.engine.setup.paths import config_dir, config_file, database_file, log_file
from tui.engine.storage import Store
from tui.errors import ConfigError, StoreError
from tui.simulator import SimulatorServer
from tui.simulator.scenarios import make_job
from tui.team.delivery import AppriseDelivery
from tui.team.messages import compose, team_event_of
from tui.team.notifier import TeamNotifier, notifier_for
from tui.team.sinks import Sink, redact, sinks_from

TASK = "a9767ede-fe0f-4888-9003-e843a4c90514"
EVIL = (
    HOSTILE.replace("\n", " ")
    + ' ![img](http://evil.example/i.png) @everyone @here @all <at user_id="all">x</at>'
    + " <!channel> <http://evil.example|click> <@123456> <a href='http://evil'>a</a> &amp;"
)


def _watch_to_the_end(
    *flags: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``taskwatch watch --until-done`` with no terminal, run until it exits (a minute at most)."""
    return subprocess.run(
        [sys.executable, "-m", "tui", "watch", "--until-done", *flags],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.simulator.demo import DEMO_AK, DEMO_SK

    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", DEMO_AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", DEMO_SK)


def _failed_record(reason: str = EVIL) -> TaskRecord:
    record = TaskRecord(TASK, "default", label="CHG-1 <b>", added_at=0.0, position=0)
    job = {"id": TASK, "name": "Resize [now](http://x)", "status": "Failed", "fail_reason": reason}
    return record.fetched(Job.model_validate(job), time.time())


def _write_config(text: str) -> None:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    path.chmod(0o600)


# -- 1. sink secrets ------------------------------------------------------------------------

LOCAL_KINDS = ("json", "xml", "form", "mmost", "ntfy")


def test_no_sink_token_in_any_byte_written_after_a_debug_run(
    server: SimulatorServer, receiver: Receiver, tmp_path: Path
) -> None:
    tokens = {kind: f"tok{kind.upper()}9s3cr3t{n}x" for n, kind in enumerate(LOCAL_KINDS)}
    env_tokens = {f"SINK_TOKEN_{kind.upper()}": token for kind, token in tokens.items()}
    urls = ", ".join(
        f'"{kind}://127.0.0.1:{receiver.port}/${{SINK_TOKEN_{kind.upper()}}}"'
        for kind in LOCAL_KINDS
    )
    configure_watch(server, f"[[notify]]\nurls = [{urls}]\ndigest = 0\n")
    failing = make_job(server.simulator, "reboot", outcome="Failed", running_for=1)
    Store.open(database_file()).add_tasks([failing.id], profile="default")
    process = _watch_to_the_end("--json", "--debug", env=env_tokens)
    assert process.returncode == 1, process.stderr
    receiver.wait_for(len(LOCAL_KINDS))
    # Each sink had its message (the tokens are in what the receiver saw) ...
    seen = [p.path + json.dumps(p.body) for p in receiver.posted]  # ntfy's topic is in its body
    assert all(any(token in post for post in seen) for token in tokens.values()), seen
    export = tmp_path / "export.json"
    assert main(["export", str(export)]) == 0
    written = [process.stdout, process.stderr, export.read_text("utf-8")]
    for path in (log_file(), database_file()):
        written.append(path.read_bytes().decode("utf-8", "replace"))
    log_text = log_file().read_text("utf-8")
    assert " DEBUG " in log_text  # --debug was in force
    # ... and no byte taskwatch wrote holds one.
    for token in tokens.values():
        assert all(token not in text for text in written), token


def test_the_libraries_of_the_sinks_log_warnings_only_even_with_debug(tmp_path: Path) -> None:
    import logging

    path = setup_logging(debug=True, path=tmp_path / "t.log")
    assert path is not None
    logging.getLogger("urllib3.connectionpool").debug('"POST /hook/T0K3Nabcdef HTTP/1.1" 200')
    logging.getLogger("requests").info("sent to https://h/T0K3Nabcdef")
    logging.getLogger("tui.anything").debug("ours")
    (sink,) = sinks_from([NotifySettings(urls=["json://h.example.com/S3CR3Tpiece99"])], {})
    logging.getLogger("urllib3").warning("retrying %s", sink.url)
    text = path.read_text("utf-8")
    assert "T0K3N" not in text and "ours" in text
    assert "retrying" in text and "S3CR3Tpiece99" not in text  # a warning passes the redactor


def test_redacted_names_keep_an_ipv6_host() -> None:
    assert redact("json://[::1]:8443/token123") == "json://[::1]:8443/…"


# -- 2. cloud text per service --------------------------------------------------------------


class _Captured:
    """What Apprise's plugins hand to ``requests`` (and to SMTP): the payloads they would POST."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def post(self, url: str, *args: Any, **kwargs: Any) -> Any:
        self.bodies.append(kwargs.get("data") or kwargs.get("json"))
        answer = mock.Mock(status_code=200, headers={})
        answer.content = b'{"ok": true, "errcode": 0, "code": 0, "StatusCode": 0}'
        if "slack" in url:
            answer.content = b"ok"
        answer.text = answer.content.decode()
        answer.json = lambda: json.loads(answer.content)
        return answer

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return self.post(url, *args, **kwargs)


class _SMTP:
    sent: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: (250, b"ok")

    def sendmail(self, sender: str, to: Any, message: str, *args: Any) -> dict[str, Any]:
        _SMTP.sent.append(message)
        return {}


SERVICES = {
    "discord": "discord://1234567890/abcdefghijklmnop",
    "mattermost": "mmost://mm.example.com/abcdefghijklmnopqrstuvwxyz",
    "telegram": "tgram://123456789:abcdefghijklmnopqrstuvwxyz123456789/12315544",
    "feishu": "feishu://abcdefghijklmnopqrstuvwxyz",
    "dingtalk": "dingtalk://abcdefghijklmnopqrstuvwxyz0123456789/",
    "wecom": "wecombot://abcdefghijklmnopqrstuvwxyz",
    "slack": "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#chan",
    "teams": "workflows://host.example.com:443/workflow1/signature",
    "email": "mailto://user:pw@example.com",
}


def _posted_text(service: str, body: Any) -> str:
    """The text a service would render, out of the payload its plugin POSTs."""
    if service == "email":
        mail = email.message_from_string(body)
        parts = [part for part in mail.walk() if not part.is_multipart()]
        assert [part.get_content_type() for part in parts] == ["text/plain"]
        subject = str(email.header.make_header(email.header.decode_header(mail["Subject"])))
        payload = parts[0].get_payload(decode=True)
        assert isinstance(payload, bytes)
        return subject + "\n" + payload.decode()
    data = json.loads(body) if isinstance(body, bytes | str) else body
    if service == "discord":
        return str(data["content"])
    if service in ("mattermost", "telegram"):
        return str(data["text"])
    if service == "feishu":
        return str(data["content"]["text"])
    if service in ("dingtalk", "wecom"):
        return str(data["text"]["content"])
    if service == "slack":
        attachment = data["attachments"][0]
        assert data["mrkdwn"] is False
        return f"{attachment['title']}\n{attachment['text']}"
    blocks = data["attachments"][0]["content"]["body"]  # teams (Power Automate workflows)
    return "\n".join(block["text"] for block in blocks if block.get("text"))


MARKDOWN_SERVICES = ("discord", "mattermost", "teams")
MENTION = re.compile(r"@(everyone|here|all|channel)\b|<@|<!|<at\b", re.IGNORECASE)


@pytest.mark.parametrize("service", list(SERVICES))
def test_cloud_text_cannot_reshape_a_message_as_each_service_renders_it(service: str) -> None:
    captured = _Captured()
    _SMTP.sent = []
    event = team_event_of(TaskFinished(_failed_record(), announce=True))
    assert event is not None
    message = compose([event])
    sink = Sink("#1.1 x", SERVICES[service], frozenset({"failed"}), 0)
    with (
        mock.patch("requests.post", captured.post),
        mock.patch("requests.request", captured.request),
        mock.patch("smtplib.SMTP", _SMTP),
    ):
        assert AppriseDelivery().send(sink, message) is None
    body = _SMTP.sent[-1] if service == "email" else captured.bodies[-1]
    text = _posted_text(service, body)
    assert "taskwatch" in text.splitlines()[0]  # the first line is taskwatch's own words
    shown = text.replace("\\", "")  # as a Markdown service shows it
    assert TASK in shown and "disk full" in shown  # the reason arrives, as text
    live = re.sub(r"\\.", "", text) if service in MARKDOWN_SERVICES else text
    assert not MENTION.search(live), text  # no mention, live or as a tag
    if service in MARKDOWN_SERVICES:  # Markdown: every sign escaped
        assert not re.search(r"(?<!\\)[\[\]()<>]", text.replace("\\\\", "")), text
        assert r"\[x\]\(http://evil\.example\)" in text
    elif service == "telegram":  # HTML: the plugin's own <b> for the title, nothing else
        assert json.loads(captured.bodies[-1])["parse_mode"] == "HTML"
        assert set(re.findall(r"</?(\w+)", text)) == {"b"}
        assert "&lt;a href=" in text and text.count("<b>") == 1
    elif service == "slack":  # entities written once by the plugin, no link syntax left
        assert "<" not in text and "&lt;!channel&gt;" in text and "&amp;lt;" not in text
    else:  # text services: shown as written, no tag a service reads in text
        assert "[x](http://evil.example)" in text and "<a " not in text


# -- 3. deadlines and slots -----------------------------------------------------------------


async def test_a_trickling_sink_is_cut_at_its_deadline_and_holds_back_no_other(
    receiver: Receiver,
) -> None:
    receiver.trickle.add("/trickle")
    table = NotifySettings(urls=[receiver.url("/trickle"), receiver.url("/ok")], digest=0)
    notifier = TeamNotifier(
        sinks_from([table], {}), lambda sink, why: None, retry_delays=(), deadline=1.0
    )
    import apprise  # noqa: F401 - loaded before the clock starts: its import is not measured

    started = time.monotonic()
    for n in range(3):
        record = _failed_record().evolve(task_id=TASK[:-1] + str(n))
        notifier.offer(TaskFinished(record, announce=True))
    healthy = await asyncio.to_thread(receiver.wait_for, 3, "/ok", 5)
    assert len(healthy) == 3 and time.monotonic() - started < 1.0
    lost = await notifier.aclose(patience=1.5)
    closed_after = time.monotonic() - started
    # Three messages for the trickling sink: one cut at 1 s, the rest still queued at exit.
    assert (
        lost is not None
        and lost.count == 3
        and lost.sinks == (f"#1.1 json://127.0.0.1:{receiver.port}/…",)
    )
    assert closed_after < 4.0
    assert notifier.sent == 3


def test_notify_test_ends_within_its_deadline_whatever_a_sink_does(
    receiver: Receiver, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.cli.notify.SEND_DEADLINE", 1.5)
    receiver.trickle.add("/trickle")
    _write_config(f'[[notify]]\nurls = ["{receiver.url("/trickle")}", "{receiver.url()}"]\n')
    started = time.monotonic()
    assert main(["notify", "--test"]) == 1
    assert time.monotonic() - started < 3.0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("not delivered: no answer within 2 s") and "✔ #1.2" in lines[1]


def test_sigterm_with_a_trickling_sink_exits_within_seconds_and_counts_the_loss(
    server: SimulatorServer, receiver: Receiver
) -> None:
    receiver.trickle.add("/trickle")
    configure_watch(server, f'[[notify]]\nurls = ["{receiver.url("/trickle")}"]\ndigest = 0\n')
    failing = make_job(server.simulator, "reboot", outcome="Failed", running_for=1)
    Store.open(database_file()).add_tasks([failing.id], profile="default")
    process = _watch("--json")
    try:
        _line_where(process, lambda line: line.get("status") == "Failed")
        time.sleep(0.5)  # the send is under way (the receiver trickles); not an event we get
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0 and time.monotonic() - started < 7.0
    finally:
        process.kill()
    lines = [json.loads(line) for line in out.splitlines()]
    (lost,) = [line for line in lines if line["event"] == "undelivered"]
    assert lost["count"] == 1 and lost["sinks"] == [f"#1.1 json://127.0.0.1:{receiver.port}/…"]
    assert "1 team message(s) not delivered" in err and "Traceback" not in err


# -- 4. once per watchlist ------------------------------------------------------------------


async def test_an_event_is_told_once_across_holders(tmp_path: Path, receiver: Receiver) -> None:
    table = NotifySettings(urls=[receiver.url()], digest=0)
    first, simulator, clock = _world(tmp_path, [table])
    second = WatchSession(
        Store.open(tmp_path / "w.sqlite3"),
        runtime_for(simulator),
        Settings(notify=[table]),
        clock=Clock(wall=clock.now, monotonic=clock.now),
    )
    first.keep_lease()
    second.keep_lease()
    assert first.leads and not second.leads
    asleep = notifier_for(first, {})
    awake = notifier_for(second, {})
    assert asleep is not None and awake is not None
    # The holder stops (SIGSTOP) long enough to go stale; the other takes over and tells.
    clock.advance(60)
    second.keep_lease()
    assert second.leads
    awake.offer(TaskFinished(_failed_record(), announce=True))
    await asyncio.to_thread(receiver.wait_for, 1)
    # The old holder wakes still believing it leads, and finds the same failure: silence.
    assert first.leads
    asleep.offer(TaskFinished(_failed_record(), announce=True))
    # And the new holder tells nothing twice either (the same event from a reload).
    awake.offer(TaskFinished(_failed_record(), announce=True))
    await asleep.aclose()
    await awake.aclose()
    assert len(receiver.posted) == 1
    for session in (first, second):
        await session.aclose()


async def test_an_event_held_by_a_locked_database_goes_out_once_it_is_free(
    tmp_path: Path, receiver: Receiver
) -> None:
    session, _, _ = _world(tmp_path, [NotifySettings(urls=[receiver.url()], digest=0)])
    session.keep_lease()
    notifier = notifier_for(session, {})
    assert notifier is not None
    locker = sqlite3.connect(tmp_path / "w.sqlite3", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    notifier.offer(TaskFinished(_failed_record(), announce=True))
    await asyncio.sleep(0)  # the offer returned: nothing could be confirmed, nothing sent
    assert receiver.posted == []
    locker.execute("COMMIT")
    await asyncio.to_thread(receiver.wait_for, 1)
    await notifier.aclose()
    await session.aclose()
    assert len(receiver.posted) == 1


# -- 5. watch says what happened ------------------------------------------------------------


def test_watch_says_the_watchlist_was_moved_aside_and_runs_as_watch(
    server: SimulatorServer,
) -> None:
    configure_watch(server)
    database_file().parent.mkdir(parents=True, exist_ok=True)
    database_file().write_bytes(b"this is not a database" * 100)
    process = _watch("--json")
    try:
        _line_where(process, lambda line: line["event"] == "lease")
        with sqlite3.connect(database_file()) as db:
            (kind,) = db.execute("SELECT kind FROM poll_lease").fetchone()
        assert kind == "watch"  # what the other processes are told polls
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert "unreadable" in err and ".corrupt-" in err
    assert ".corrupt-" in log_file().read_text("utf-8")


def test_watch_until_done_exits_6_when_the_api_stays_unreachable(server: SimulatorServer) -> None:
    configure_watch(server)
    job = make_job(server.simulator, "reboot", running_for=3600)
    Store.open(database_file()).add_tasks([job.id], profile="default")
    server.simulator.faults.server_errors_next = 10**6  # every request: 503
    server.simulator.faults.server_error_status = 503
    process = _watch_to_the_end("--unreachable-after", "2")
    assert process.returncode == 6, process.stderr
    assert "unreachable for" in process.stderr and "Traceback" not in process.stderr


def test_a_closed_stdout_ends_watch_quietly(server: SimulatorServer) -> None:
    configure_watch(server)
    jobs = [make_job(server.simulator, "reboot", running_for=2) for _ in range(3)]
    Store.open(database_file()).add_tasks([job.id for job in jobs], profile="default")
    process = _watch()
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # `watch | head -1`
    assert process.wait(timeout=20) == 0
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()


# -- 6. huge answers ------------------------------------------------------------------------


async def test_a_fail_reason_of_megabytes_still_tells_the_failure(
    tmp_path: Path, receiver: Receiver
) -> None:
    session, simulator, clock = _world(tmp_path, [NotifySettings(urls=[receiver.url()], digest=0)])
    notifier = notifier_for(session, {})
    huge = 'stack frame \\ "quoted" é ' * 250_000  # 6.3 MB of JSON once escaped
    job = make_job(simulator, "resize", outcome="Failed", running_for=5, fail_reason=huge)
    session.edits.add([job.id], profile="default")
    for _ in range(10):
        await session.tick()
        clock.advance(1.0)
    record = session.records[job.id]
    assert record.status == "Failed" and record.job is not None
    reason = record.job.fail_reason
    assert reason.startswith("stack frame") and len(reason) < KEEP_CHARS + 100
    assert f"{len(huge):,} characters in all" in reason
    (posted,) = await asyncio.to_thread(receiver.wait_for, 1)
    assert "Failed" in posted.body["title"]
    assert notifier is not None
    await notifier.aclose()
    await session.aclose()


# -- 7. files -------------------------------------------------------------------------------


def test_config_init_under_umask_000_is_private() -> None:
    old = os.umask(0)
    try:
        assert main(["config", "--init"]) == 0
    finally:
        os.umask(old)
    assert config_file().stat().st_mode & 0o777 == 0o600
    assert config_dir().stat().st_mode & 0o777 == 0o700
    assert config_dir().parent.stat().st_mode & 0o777 == 0o700  # made by taskwatch too


def test_a_config_others_can_write_is_refused_with_the_fix() -> None:
    _write_config('default_profile = "x"\n')
    config_file().chmod(0o666)
    with pytest.raises(ConfigError, match=r"writable by group and others \(0666\).*chmod go-w"):
        load_settings()
    config_file().chmod(0o600)
    config_dir().chmod(0o775)
    with pytest.raises(ConfigError, match="writable by its group"):
        load_settings()
    config_dir().chmod(0o700)
    assert load_settings().default_profile == "x"


def test_a_sink_url_never_expands_a_cloud_credential() -> None:
    env = {"HUAWEICLOUD_SDK_SK": "sk-value", "TASKWATCH_AUTH_TOKEN": "t", "DINGTALK_TOKEN": "d0"}
    for name in ("HUAWEICLOUD_SDK_SK", "TASKWATCH_AUTH_TOKEN", "HTTPS_PROXY"):
        table = NotifySettings(urls=[f"json://h.example.com/${{{name}}}"])
        with pytest.raises(ConfigError, match=r"holds a cloud credential") as caught:
            sinks_from([table], {**env, "HTTPS_PROXY": "http://u:p@proxy:3128"})
        assert "sk-value" not in str(caught.value)
    # A variable a profile's credential was read from is a registered secret by now.
    from tui.cloud.redaction import register_secrets

    register_secrets(["CustomSecretKey123"])
    table = NotifySettings(urls=["json://h.example.com/${MY_SK}"])
    with pytest.raises(ConfigError, match=r"\$\{MY_SK\} holds a cloud credential"):
        sinks_from([table], {"MY_SK": "CustomSecretKey123"})
    (sink,) = sinks_from([NotifySettings(urls=["dingtalk://${DINGTALK_TOKEN}/"])], env)
    assert sink.url == "dingtalk://d0/"


def test_a_database_rebuilt_after_corruption_is_private_at_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "w.sqlite3"
    path.parent.mkdir(mode=0o700)
    path.write_bytes(b"garbage" * 1000)
    path.chmod(0o600)
    old = os.umask(0)
    try:
        store = Store.open(path)
    finally:
        os.umask(old)
    assert store.recovered_to is not None
    assert path.stat().st_mode & 0o777 == 0o600
    store.close()


def test_a_link_planted_at_the_database_or_the_log_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    outside = tmp_path / "elsewhere.sqlite3"
    (folder / "w.sqlite3").symlink_to(outside)  # a link to a file that does not exist yet
    with pytest.raises(StoreError, match="symbolic link"):
        Store.open(folder / "w.sqlite3")
    assert not outside.exists()
    log = tmp_path / "log" / "taskwatch.log"
    log.parent.mkdir(mode=0o700)
    log.symlink_to(tmp_path / "elsewhere.log")
    said: list[str] = []
    assert setup_logging(path=log, warn=said.append) is None
    assert said and "symbolic link" in said[0]
    assert not (tmp_path / "elsewhere.log").exists()


# -- 8. smaller items -----------------------------------------------------------------------


def test_an_unknown_scheme_is_refused_when_the_config_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write_config('[[notify]]\nurls = ["foo://somewhere.example.com/t0ken12345"]\n')
    assert main(["notify"]) == 2
    err = capsys.readouterr().err
    assert "#1.1 foo://somewhere.example.com/…: not a URL Apprise can send to" in err
    assert "t0ken12345" not in err
    assert main(["config"]) == 2
    assert "unusable: #1.1 foo://" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["deadline", TASK, "--at", "0001-01-01"],
        ["deadline", TASK, "--at", "9999-12-31 23:59"],
        ["report", "--from", "0001-01-01"],
    ],
)
def test_dates_out_of_a_clocks_range_are_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("taskwatch: argument --") and "Traceback" not in err


@pytest.mark.parametrize("json_lines", [True, False])
def test_a_watch_line_carries_at_most_2000_characters_of_a_reason(json_lines: bool) -> None:
    import io

    from tui.cli.watch import REASON_CHARS, WatchPrinter
    from tui.engine.events import TaskRefreshed

    out = io.StringIO()
    printer = WatchPrinter(out, json_lines=json_lines)
    printer(TaskRefreshed(_failed_record("why " * 1_000_000), Change(True, "Running")))
    (line,) = out.getvalue().splitlines()
    reason = json.loads(line)["fail_reason"] if json_lines else line.split(" — ", 1)[1]
    assert reason.startswith("why why") and reason.endswith("(4,000,000 characters in all)")
    assert len(reason) < REASON_CHARS + 40
