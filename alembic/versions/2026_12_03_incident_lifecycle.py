"""Incident lifecycle: commander, visibility, versions, timestamps, tags, participants, timeline.

Existing incidents are carried over: their reporter becomes commander and first participant,
they are open, at version 1, reported when they were created.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["incident_id"],
        ["incidents.id"],
        name=op.f(f"fk_{table}_incident_id_incidents"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("visibility", _enum("open", "restricted", name="visibility")))
        batch.add_column(sa.Column("commander_id", sa.Integer()))
        batch.add_column(sa.Column("resolution", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reported_at", UTC_DATETIME))
        batch.add_column(sa.Column("stable_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("closed_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("version", sa.Integer()))
    op.execute(
        "UPDATE incidents SET visibility = 'open', commander_id = reporter_id,"
        " reported_at = created_at, version = 1"
    )
    with op.batch_alter_table("incidents") as batch:
        for column in ("visibility", "commander_id", "reported_at", "version"):
            batch.alter_column(column, nullable=False)
        batch.create_foreign_key(
            batch.f("fk_incidents_commander_id_users"),
            "users",
            ["commander_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.create_index(batch.f("ix_incidents_commander_id"), ["commander_id"])
        # One index per sort the list offers, (column, id) like its keyset cursor.
        batch.create_index("ix_incidents_updated_at_id", ["updated_at", "id"])
        batch.create_index("ix_incidents_severity_id", ["severity", "id"])
        batch.create_index("ix_incidents_status_id", ["status", "id"])
        batch.create_index("ix_incidents_title_id", ["title", "id"])

    op.create_table(
        "incident_tags",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        _incident_fk("incident_tags"),
        sa.PrimaryKeyConstraint("incident_id", "name", name=op.f("pk_incident_tags")),
    )
    op.create_index("ix_incident_tags_name_incident_id", "incident_tags", ["name", "incident_id"])

    op.create_table(
        "incident_participants",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            _enum("commander", "scribe", "liaison", "observer", name="participantrole"),
            nullable=False,
        ),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        _incident_fk("incident_participants"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_incident_participants_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("incident_id", "user_id", name=op.f("pk_incident_participants")),
    )
    # "Incidents I take part in" (the `mine` filter and restricted visibility) reads this index.
    op.create_index(
        "ix_incident_participants_user_id", "incident_participants", ["user_id", "incident_id"]
    )
    op.execute(
        "INSERT INTO incident_participants (incident_id, user_id, role, added_at)"
        " SELECT id, reporter_id, 'commander', created_at FROM incidents"
    )

    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            _enum(
                "created",
                "updated",
                "status_changed",
                "participant_added",
                "participant_changed",
                "participant_removed",
                "note",
                name="entrykind",
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        _incident_fk("timeline_entries"),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_timeline_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entries")),
    )
    op.create_index("ix_timeline_entries_incident_id_id", "timeline_entries", ["incident_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_timeline_entries_incident_id_id", table_name="timeline_entries")
    op.drop_table("timeline_entries")
    op.drop_index("ix_incident_participants_user_id", table_name="incident_participants")
    op.drop_table("incident_participants")
    op.drop_index("ix_incident_tags_name_incident_id", table_name="incident_tags")
    op.drop_table("incident_tags")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_title_id")
        batch.drop_index("ix_incidents_status_id")
        batch.drop_index("ix_incidents_severity_id")
        batch.drop_index("ix_incidents_updated_at_id")
        batch.drop_index(batch.f("ix_incidents_commander_id"))
        batch.drop_constraint(batch.f("fk_incidents_commander_id_users"), type_="foreignkey")
        for column in (
            "version",
            "closed_at",
            "stable_at",
            "reported_at",
            "resolution",
            "commander_id",
            "visibility",
        ):
            batch.drop_column(column)
