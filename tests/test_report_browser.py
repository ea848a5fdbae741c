"""The HTML report as a browser shows it (Debian's headless chromium, 1280 px wide): no
horizontal scroll, the failure reason and the steps in a full-width row under their task, and a
timeline fitted to the busy part of the window, an outlier an hour older drawn with a break."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.report_fixtures import NOW, at, cloud_time
from tui.cloud.models import parse_job_dict
from tui.engine.report import build_report
from tui.engine.storage import Store
from tui.present.report_html import as_html

# Measured in the page once it is laid out; the report itself has no script.
MEASURE = """<script>
addEventListener("load", () => {
  const bars = [...document.querySelectorAll("rect.bar")].map((bar) => [
    bar.closest("g").querySelector("title").textContent, bar.getBoundingClientRect().width]);
  const reason = document.querySelector("p.reason");
  document.body.dataset.measured = JSON.stringify({
    pageWidth: document.documentElement.scrollWidth,
    viewport: innerWidth,
    reasonWidth: reason ? reason.getBoundingClientRect().width : 0,
    bars,
  });
});
</script>"""


def _window(path: Path) -> Store:
    store = Store.open(path)
    long_reason = "The rolling restart stopped: the replica on node 3 did not catch up " * 8
    tasks = [
        ("00000000-0000-4000-8000-00000000000a", "CHG-7 resize", "Completed", -58, -40, ""),
        ("00000000-0000-4000-8000-00000000000b", "CHG-7 upgrade", "Failed", -50, -20, long_reason),
        ("00000000-0000-4000-8000-00000000000c", "CHG-7 reboot", "Completed", -30, -25, ""),
        ("00000000-0000-4000-8000-00000000000d", "CHG-7 backup", "Completed", -120, -5, ""),
    ]
    for task_id, label, status, created, ended, reason in tasks:
        store.add_tasks([task_id], profile="prod", label=label, now=at(created).timestamp())
        job = parse_job_dict({
            "id": task_id, "name": "UpgradeGaussDBforMySQLDatabaseVersion", "status": status,
            "created": cloud_time(at(created)), "ended": cloud_time(at(ended)),
            "fail_reason": reason, "instance": {"id": "i-1in07", "name": "orders-db"},
        })  # fmt: skip
        store.record_success(task_id, job, now=at(ended).timestamp())
    # The backup began an hour before the window's busy part: the outlier.
    return store


def test_the_report_fits_1280_px_and_its_timeline_the_busy_part(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    store = _window(tmp_path / "w.sqlite3")
    report = build_report(store, start=at(-180), end=NOW, now=NOW)
    page = as_html(report, utc=True)
    assert "<script" not in page  # the report itself: none
    (tmp_path / "report.html").write_text(page.replace("</body>", MEASURE + "</body>"), "utf-8")
    dumped = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
         "--virtual-time-budget=3000", "--dump-dom", (tmp_path / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    found = re.search(r'data-measured="([^"]*)"', dumped)
    assert found, dumped[-2000:]
    measured = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert measured["pageWidth"] <= measured["viewport"] <= 1280  # no horizontal scroll
    assert measured["reasonWidth"] > 800  # the reason reads across the page, not a column
    bars = {title.split(":")[0]: width for title, width in measured["bars"]}
    # The window's busy part gets the axis: the 20 min reboot is a bar, not a sliver, though
    # the backup began an hour before everything else.
    reboot = next(width for name, width in bars.items() if "reboot" in name)
    backup = next(width for name, width in bars.items() if "backup" in name)
    assert reboot > 60 and backup > reboot
    assert "(from 21:00)" in page  # the outlier says where it really began
