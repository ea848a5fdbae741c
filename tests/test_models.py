"""Wire models: every documented shape parses, odd ones are tolerated, garbage is typed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from tui.cloud.models import (
    Entities,
    parse_cloud_time,
    parse_error_body,
    parse_job_response,
    parse_progress,
)
from tui.cloud.status import is_final
from tui.errors import BadResponseError

JOB_ID = "31b8ae23-c687-4d80-b7b4-42a66c9bb886"


def _body(**job: object) -> str:
    return json.dumps({"job": {"id": JOB_ID, **job}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-08-06T10:41:14+0000", datetime(2018, 8, 6, 10, 41, 14, tzinfo=UTC)),
        ("2021-07-12T09:22:04+0800", datetime(2021, 7, 12, 1, 22, 4, tzinfo=UTC)),
        ("2021-07-12T09:22:04+08:00", datetime(2021, 7, 12, 1, 22, 4, tzinfo=UTC)),
        ("2021-07-12T09:22:04Z", datetime(2021, 7, 12, 9, 22, 4, tzinfo=UTC)),
        ("2021-07-12T09:22:04.250+0100", datetime(2021, 7, 12, 8, 22, 4, 250000, tzinfo=UTC)),
        ("2021-07-12T09:22:04", datetime(2021, 7, 12, 9, 22, 4, tzinfo=UTC)),
        (" 2021-07-12T09:22:04Z ", datetime(2021, 7, 12, 9, 22, 4, tzinfo=UTC)),
    ],
)
def test_time_variants(text: str, expected: datetime) -> None:
    assert parse_cloud_time(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None, "yesterday", 12, "2021-13-45T99:00:00Z"])
def test_absent_or_unreadable_times_are_none(text: object) -> None:
    assert parse_cloud_time(text) is None


def test_different_offsets_in_one_job_compare_correctly() -> None:
    job = parse_job_response(
        _body(
            status="Completed", created="2018-08-06T18:41:14+0800", ended="2018-08-06T10:51:14+0000"
        )
    )
    assert job.created_at is not None and job.ended_at is not None
    assert job.ended_at - job.created_at == timedelta(minutes=10)
    assert job.created_at.utcoffset() == timedelta(hours=8)
    assert job.ended_at.tzinfo is not None
    assert job.created_at.astimezone(UTC).hour == 10


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("60%", 60), ("60", 60), ("60% ", 60), (" 5 %", 5), ("", None), (None, None), ("abc", None),
     ("100%", 100), ("150", 100), ("33.7%", 33), (42, 42), (True, None), ("-5", None)],
)  # fmt: skip
def test_progress_variants(raw: object, expected: int | None) -> None:
    assert parse_progress(raw) == expected


@pytest.mark.parametrize(
    "status", ["Pending", "Running", "Completed", "Failed", "Unauthorized", "Canceled", "Initing"]
)
def test_every_documented_status_parses(status: str) -> None:
    assert parse_job_response(_body(status=status)).status == status


def test_unknown_status_is_kept_as_it_came() -> None:
    job = parse_job_response(_body(status="Rollbacking"))
    assert job.status == "Rollbacking"
    assert not job.is_final


def test_final_statuses() -> None:
    statuses = ["Pending", "Running", "Completed", "Failed", "Canceled", "x", "completed"]
    assert [s for s in statuses if is_final(s)] == ["Completed", "Failed", "Canceled", "completed"]


def test_name_is_stripped_and_missing_fields_default() -> None:
    job = parse_job_response(_body(name=" RestartGaussDBInstance", status="Running"))
    assert job.name == "RestartGaussDBInstance"
    assert job.created == "" and job.ended == "" and job.process == ""
    assert job.instance.id == "" and job.entities == {}
    assert job.fail_reason == ""
    assert job.created_at is None and job.progress is None


def test_nulls_and_wrong_types_are_tolerated() -> None:
    job = parse_job_response(
        _body(name=None, status=None, created=None, ended=None, process=60, instance=None,
              entities=[1, 2], fail_reason=None)
    )  # fmt: skip
    assert job.name == "" and job.status == ""
    assert job.progress == 60
    assert job.entities == {}


def test_id_filled_when_missing_and_checked_when_present() -> None:
    job = parse_job_response(json.dumps({"job": {"status": "Running"}}), expected_id=JOB_ID)
    assert job.id == JOB_ID
    with pytest.raises(BadResponseError, match="asked for job"):
        parse_job_response(
            _body(status="Running"), expected_id="a9767ede-fe0f-4888-9003-e843a4c90514"
        )


def test_failed_job_from_the_docs() -> None:
    job = parse_job_response(
        _body(name="CreateMysqlInstance", status="Failed", created="2018-08-06T10:41:14+0000",
              ended="2018-08-06T16:41:14+0000", process="", fail_reason="createVM failed.",
              instance={"id": "a48e43ff268f4c0e879652d65e63d0fbin07", "name": "gauss-1"},
              entities={"instance": {"type": "Cluster",
                                     "datastore": {"type": "gaussdb-mysql", "version": "8.0"}},
                        "resource_ids": ["a48e.vm", "a48e.volume"]})
    )  # fmt: skip
    assert job.is_final
    assert job.fail_reason == "createVM failed."
    entities = job.typed_entities
    assert entities.instance is not None and entities.instance.type == "Cluster"
    assert entities.instance.datastore is not None
    assert entities.instance.datastore.version == "8.0"
    assert entities.resource_ids == ["a48e.vm", "a48e.volume"]


@pytest.mark.parametrize(
    ("entities", "check"),
    [
        ({"public_ip": "10.10.10.1"}, lambda e: e.public_ip == "10.10.10.1"),
        ({}, lambda e: e.instance is None and e.unknown == {}),
        ({"volume": {"type": "ULTRAHIGH", "original_size": "100", "target_size": "200"}},
         lambda e: e.volume.target_size == "200"),
        ({"switch_strategy": "reliability"}, lambda e: e.switch_strategy == "reliability"),
        ({"instance": {"endpoint": "192.168.1.1:3306", "type": "replica", "replica_of": "p-in01",
                       "datastore": {"type": "mysql", "version": "5.7"}}},
         lambda e: e.instance.replica_of == "p-in01" and e.instance.endpoint == "192.168.1.1:3306"),
        ({"instance": {"type": "Ha"}}, lambda e: e.instance.endpoint is None),
    ],
)  # fmt: skip
def test_documented_entity_shapes(entities: dict[str, object], check: object) -> None:
    job = parse_job_response(_body(status="Completed", entities=entities))
    assert callable(check) and check(job.typed_entities)


def test_unknown_entity_keys_survive_a_round_trip() -> None:
    entities = {
        "public_ip": "10.0.0.1",
        "flavor": {"from": "a", "to": "b"},
        "nodes": [{"id": "n1"}],
        "instance": {"type": "Cluster", "az_mode": "multi"},
    }
    job = parse_job_response(_body(status="Completed", entities=entities))
    assert job.to_api_dict()["entities"] == entities
    again = parse_job_response(json.dumps({"job": job.to_api_dict()}))
    assert again.entities == entities
    typed = job.typed_entities
    assert typed.unknown == {"flavor": {"from": "a", "to": "b"}, "nodes": [{"id": "n1"}]}
    assert typed.instance is not None and typed.instance.model_extra == {"az_mode": "multi"}


def test_wrongly_typed_known_entity_does_not_break_the_job() -> None:
    job = parse_job_response(
        _body(status="Completed", entities={"resource_ids": "oops", "instance": 3})
    )
    typed = job.typed_entities
    assert typed.resource_ids is None and typed.instance is None
    assert job.entities == {"resource_ids": "oops", "instance": 3}


def test_entities_model_directly() -> None:
    assert Entities.model_validate({"public_ip": 5}).public_ip is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>502</html>",
        b"[]",
        b"null",
        b'{"job": "x"}',
        b"{}",
        b'{"job": {"id": "dff1d2',
        b"\xff\xfe",
    ],
)
def test_garbage_is_a_bad_response(body: bytes) -> None:
    with pytest.raises(BadResponseError):
        parse_job_response(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
job_like = st.fixed_dictionaries(
    {},
    optional={k: json_values for k in ["id", "name", "status", "created", "ended", "process",
                                        "instance", "entities", "fail_reason"]},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries({"job": job_like}), st.binary(max_size=64)))
def test_arbitrary_input_only_ever_raises_bad_response(value: object) -> None:
    body = value if isinstance(value, bytes) else json.dumps(value).encode()
    try:
        job = parse_job_response(body)
    except BadResponseError:
        return
    # Whatever parsed must be usable by everything downstream.
    job.to_api_dict()
    json.dumps(job.to_api_dict())
    _ = (job.created_at, job.ended_at, job.progress, job.is_final, job.typed_entities)


@pytest.mark.parametrize(
    ("status", "body", "code", "msg"),
    [
        (400, '{"error_code": "DBS.200543", "error_msg": "The job does not exist."}', "DBS.200543",
         "The job does not exist."),
        (401, '{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: '
              'verify aksk signature fail","request_id":"r1"}', "APIGW.0301",
         "Incorrect IAM authentication information: verify aksk signature fail"),
        (400, '{"errorCode": "E1", "errorMsg": "m1"}', "E1", "m1"),
        (404, '{"code": 404, "message": "nope"}', "404", "nope"),
        (404, '{"itemNotFound": {"code": 404, "message": "Instance could not be found"}}', "404",
         "Instance could not be found"),
        (502, "<html>Bad Gateway</html>", "502", "<html>Bad Gateway</html>"),
        (500, "", "500", ""),
    ],
)  # fmt: skip
def test_error_bodies(status: int, body: str, code: str, msg: str) -> None:
    error = parse_error_body(status, body)
    assert (error.error_code, error.error_msg) == (code, msg)
