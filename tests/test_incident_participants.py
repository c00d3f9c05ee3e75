from fastapi.testclient import TestClient

from app.auth.models import User
from app.core.db import Database
from tests.factories import Cast, assert_error, create_incident, make_user


def _url(incident: dict[str, object], user_id: int | None = None) -> str:
    base = f"/api/incidents/{incident['id']}/participants"
    return base if user_id is None else f"{base}/{user_id}"


def test_reporter_is_commander_and_a_named_commander_adds_the_reporter_as_observer(
    client: TestClient, member: User, member_headers: dict[str, str], database: Database
) -> None:
    own = create_incident(client, member_headers)
    people = client.get(_url(own), headers=member_headers).json()
    assert [(p["user"]["id"], p["role"]) for p in people] == [(member.id, "commander")]

    other = make_user(database)
    led = create_incident(client, member_headers, commander_id=other.id)
    roles = {
        p["user"]["id"]: p["role"] for p in client.get(_url(led), headers=member_headers).json()
    }
    assert roles == {other.id: "commander", member.id: "observer"}


def test_commander_adds_changes_and_removes_participants(client: TestClient, people: Cast) -> None:
    incident = create_incident(client, people["commander"])
    someone = people.users["participant"]
    added = client.post(
        _url(incident), json={"user_id": someone.id, "role": "scribe"}, headers=people["commander"]
    )
    assert added.status_code == 201
    assert added.json()["user"]["email"] == someone.email
    assert added.json()["role"] == "scribe"

    changed = client.patch(
        _url(incident, someone.id), json={"role": "liaison"}, headers=people["commander"]
    )
    assert changed.json()["role"] == "liaison"
    assert client.delete(_url(incident, someone.id), headers=people["commander"]).status_code == 204
    assert len(client.get(_url(incident), headers=people["commander"]).json()) == 1


def test_only_commander_or_admin_manage_participants(client: TestClient, people: Cast) -> None:
    incident = create_incident(client, people["commander"])
    body = {"user_id": people.users["member"].id}
    for actor in ["member", "viewer"]:
        assert_error(client.post(_url(incident), json=body, headers=people[actor]), 403)
    assert client.post(_url(incident), json=body, headers=people["admin"]).status_code == 201


def test_participant_rules_are_enforced(
    client: TestClient, people: Cast, database: Database
) -> None:
    commander = people.users["commander"]
    incident = create_incident(client, people["commander"])
    headers = people["commander"]
    someone = people.users["member"]
    gone = make_user(database, is_active=False)

    assert (
        client.post(_url(incident), json={"user_id": someone.id}, headers=headers).status_code
        == 201
    )
    assert_error(
        client.post(_url(incident), json={"user_id": someone.id}, headers=headers),
        409,
        "already_participant",
    )
    assert_error(client.post(_url(incident), json={"user_id": gone.id}, headers=headers), 422)
    assert_error(client.post(_url(incident), json={"user_id": 999_999}, headers=headers), 422)
    assert_error(
        client.post(
            _url(incident),
            json={"user_id": people.users["admin"].id, "role": "commander"},
            headers=headers,
        ),
        409,
        "commander_role_is_fixed",
    )
    assert_error(client.delete(_url(incident, commander.id), headers=headers), 409)
    assert_error(
        client.patch(_url(incident, commander.id), json={"role": "scribe"}, headers=headers), 409
    )
    assert_error(
        client.delete(_url(incident, people.users["viewer"].id), headers=headers),
        404,
        "participant_not_found",
    )
    assert_error(
        client.post(_url(incident), json={"user_id": someone.id, "role": "king"}, headers=headers),
        422,
    )


def test_the_mine_filter_lists_incidents_i_take_part_in(client: TestClient, people: Cast) -> None:
    mine = create_incident(client, people["commander"])
    create_incident(client, people["member"])
    client.post(
        _url(mine), json={"user_id": people.users["participant"].id}, headers=people["commander"]
    )
    listed = client.get("/api/incidents?mine=true", headers=people["participant"]).json()["items"]
    assert [i["id"] for i in listed] == [mine["id"]]
