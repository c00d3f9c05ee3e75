"""Listing: filters, the sort whitelist, and keyset paging that never skips or repeats."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Cast, assert_error, create_incident, ids, update_incident

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
STATUS_RANK = {"active": 1, "stable": 2, "closed": 3}
SORT_KEYS = {
    "created": lambda i: i["created_at"],
    "updated": lambda i: i["updated_at"],
    "severity": lambda i: SEVERITY_RANK[i["severity"]],
    "status": lambda i: STATUS_RANK[i["status"]],
    "title": lambda i: i["title"],
}


def test_filters_narrow_the_list(client: TestClient, people: Cast) -> None:
    headers = people["commander"]
    db_fire = create_incident(
        client, headers, title="Database on fire", severity="critical", tags=["DB", "eu"]
    )
    slow = create_incident(
        client, headers, title="Slow pages", description="the database is slow", severity="low"
    )
    other = create_incident(
        client, people["member"], title="Printer jam", severity="low", tags=["office"]
    )
    update_incident(client, headers, slow["id"], status="stable")

    def listed(query: str) -> set[int]:
        return set(ids(client.get(f"/api/incidents?{query}", headers=headers)))

    assert listed("severity=critical") == {db_fire["id"]}
    assert listed("severity=critical&severity=low") == {db_fire["id"], slow["id"], other["id"]}
    assert listed("status=stable") == {slow["id"]}
    assert listed("tag=db") == {db_fire["id"]}
    assert listed("q=DATABASE") == {db_fire["id"], slow["id"]}
    assert listed("q=50%25") == set()  # LIKE wildcards in q are matched literally
    assert listed(f"commander_id={people.users['member'].id}") == {other["id"]}
    assert listed("mine=true") == {db_fire["id"], slow["id"]}
    created = datetime.fromisoformat(db_fire["created_at"])
    after = (created + timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
    assert db_fire["id"] not in listed(f"created_from={after}")
    assert listed(f"created_to={after}") == {db_fire["id"]}


def test_each_listed_incident_carries_its_tags_sorted(client: TestClient, people: Cast) -> None:
    headers = people["commander"]
    tagged = create_incident(client, headers, title="Tagged", tags=["payments", "EU", "db"])
    untagged = create_incident(client, headers, title="Untagged")

    items = client.get("/api/incidents", headers=headers).json()["items"]

    tags = {item["id"]: item["tags"] for item in items}
    assert tags[tagged["id"]] == ["db", "eu", "payments"]
    assert tags[untagged["id"]] == []


def test_unknown_sort_is_422_naming_the_allowed_ones(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    error = assert_error(client.get("/api/incidents?sort=priority", headers=member_headers), 422)
    assert all(name in str(error["details"]) for name in SORT_KEYS)


def test_bad_list_parameters_are_422(client: TestClient, member_headers: dict[str, str]) -> None:
    for query in [
        "order=sideways",
        "limit=0",
        "limit=101",
        "status=open",
        "created_from=2026-01-01T00:00:00",
        "created_from=yesterday",
        "q=",
        "commander_id=0",
        "unknown=1",
        "cursor=" + "x" * 600,
    ]:
        assert_error(client.get(f"/api/incidents?{query}", headers=member_headers), 422)


def test_tampered_or_foreign_cursors_are_422(
    client: TestClient, member_headers: dict[str, str]
) -> None:
    for n in range(3):
        create_incident(client, member_headers, title=f"t{n}")
    page = client.get("/api/incidents?limit=1&sort=title", headers=member_headers).json()
    cursor = page["next_cursor"]
    for bad in [cursor[:-3], cursor + "AAAA", "eyJzb3J0IjoidGl0bGUifQ", "!!!"]:
        assert_error(
            client.get(f"/api/incidents?sort=title&cursor={bad}", headers=member_headers), 422
        )
    other_sort = client.get(f"/api/incidents?sort=created&cursor={cursor}", headers=member_headers)
    assert_error(other_sort, 422)


def _page_all(
    client: TestClient, headers: dict[str, str], params: dict[str, Any], between: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = client.get(
            "/api/incidents",
            params=params | ({"cursor": cursor} if cursor else {}),
            headers=headers,
        )
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items
        between()


def _sorted_by(items: list[dict[str, Any]], sort: str, order: str) -> bool:
    keys = [(SORT_KEYS[sort](i), i["id"]) for i in items]
    return keys == sorted(keys, reverse=order == "desc")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sort=st.sampled_from(sorted(SORT_KEYS)),
    order=st.sampled_from(["asc", "desc"]),
    limit=st.integers(1, 7),
    severity=st.sampled_from([None, "low", "high"]),
    status=st.sampled_from([None, "active", "stable"]),
    tag=st.sampled_from([None, "red", "blue"]),
    inserts=st.lists(
        st.tuples(st.sampled_from(["alpha", "bravo", "zulu"]), st.sampled_from(["low", "high"])),
        max_size=3,
    ),
)
def test_paging_returns_every_match_exactly_once_and_in_order(
    client: TestClient,
    member_headers: dict[str, str],
    seeded: list[dict[str, Any]],
    sort: str,
    order: str,
    limit: int,
    severity: str | None,
    status: str | None,
    tag: str | None,
    inserts: list[tuple[str, str]],
) -> None:
    filters = {k: v for k, v in {"severity": severity, "status": status, "tag": tag}.items() if v}
    params = {"sort": sort, "order": order, "limit": limit} | filters
    everything = client.get(
        "/api/incidents", params=params | {"limit": 100}, headers=member_headers
    ).json()
    assert everything["next_cursor"] is None
    expected = {i["id"] for i in everything["items"]}
    pending = list(inserts)

    def create_between_pages() -> None:
        if pending:
            title, sev = pending.pop()
            create_incident(client, member_headers, title=title, severity=sev, tags=["red"])

    paged = _page_all(client, member_headers, params, create_between_pages)
    paged_ids = [i["id"] for i in paged]
    assert len(paged_ids) == len(set(paged_ids)), "an incident came twice"
    assert expected <= set(paged_ids), "an incident was skipped"
    assert _sorted_by(paged, sort, order)
    for item in paged:
        assert all(item[k] == v for k, v in filters.items() if k != "tag")
        assert tag is None or tag in item["tags"]


@pytest.fixture
def seeded(client: TestClient, member_headers: dict[str, str]) -> list[dict[str, Any]]:
    """Incidents with many equal sort keys, so the id tie-breaker matters."""
    made = []
    for n in range(12):
        incident = create_incident(
            client,
            member_headers,
            title=["alpha", "bravo", "charlie"][n % 3],
            severity=["low", "high", "critical", "medium"][n % 4],
            tags=[["red"], ["blue"], []][n % 3],
        )
        if n % 4 == 0:
            incident = update_incident(
                client, member_headers, incident["id"], status="stable"
            ).json()
        made.append(incident)
    return made


def test_page_times_are_utc(client: TestClient, member_headers: dict[str, str]) -> None:
    create_incident(client, member_headers)
    item = client.get("/api/incidents", headers=member_headers).json()["items"][0]
    assert datetime.fromisoformat(item["created_at"]).utcoffset() == timedelta(0)
    assert datetime.fromisoformat(item["created_at"]) <= datetime.now(UTC)
