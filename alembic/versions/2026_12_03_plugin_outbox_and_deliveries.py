"""Plugin outbox: events saved with the change that caused them, and per-plugin deliveries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DELIVERY_STATUSES = ("pending", "delivering", "done", "failed", "dead")


def _datetime(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column[object]:
    default = sa.func.now() if now else None
    return sa.Column(name, sa.DateTime(timezone=True), server_default=default, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _datetime("created_at", now=True),
        _datetime("dispatched_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_events_key")),
    )
    # Fan-out reads the events not yet dispatched, oldest first.
    op.create_index("ix_outbox_events_dispatched_at_id", "outbox_events", ["dispatched_at", "id"])
    op.create_index(op.f("ix_outbox_events_incident_id"), "outbox_events", ["incident_id"])

    op.create_table(
        "plugin_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("plugin", sa.String(length=100), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(*DELIVERY_STATUSES, name="deliverystatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _datetime("next_attempt_at", now=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        _datetime("lease_expires_at", nullable=True),
        _datetime("delivered_at", nullable=True),
        _datetime("created_at", now=True),
        _datetime("updated_at", now=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_plugin_deliveries_event_id_outbox_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_deliveries")),
        sa.UniqueConstraint("event_id", "plugin", name=op.f("uq_plugin_deliveries_event_id")),
    )
    # Workers lease due deliveries by status and retry time...
    op.create_index(
        "ix_plugin_deliveries_status_next_attempt_at",
        "plugin_deliveries",
        ["status", "next_attempt_at"],
    )
    # ...and hold back a delivery while an earlier one to the same plugin and incident is open.
    op.create_index(
        "ix_plugin_deliveries_plugin_incident",
        "plugin_deliveries",
        ["plugin", "incident_id", "event_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_plugin_deliveries_plugin_incident", table_name="plugin_deliveries")
    op.drop_index("ix_plugin_deliveries_status_next_attempt_at", table_name="plugin_deliveries")
    op.drop_table("plugin_deliveries")
    op.drop_index(op.f("ix_outbox_events_incident_id"), table_name="outbox_events")
    op.drop_index("ix_outbox_events_dispatched_at_id", table_name="outbox_events")
    op.drop_table("outbox_events")
