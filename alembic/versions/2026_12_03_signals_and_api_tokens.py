"""Signals and API tokens: machine credentials with scopes, Alertmanager groups and their alerts.

The new timeline entry kind `signal` needs no DDL: entry kinds are stored as VARCHAR(32)
without a CHECK constraint.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _alert_status() -> sa.Enum:
    return sa.Enum("firing", "resolved", name="alertstatus", native_enum=False, length=16)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTC_DATETIME, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, server_default=sa.func.now(), nullable=False),
    ]


def _incident_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["incidents.id"], name=op.f(f"fk_{table}_{column}_incidents"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        # SHA-256 of the secret; the secret itself is never stored.
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_used_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_owner_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_owner_id"), "api_tokens", ["owner_id"])

    op.create_table(
        "signal_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        # SHA-256 of receiver and group key; unique, so concurrent first notifications of a
        # group insert one row and open one incident.
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("receiver", sa.String(length=200), nullable=False),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        sa.Column("external_url", sa.Text(), nullable=False),
        sa.Column("status", _alert_status(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("previous_incident_id", sa.Integer(), nullable=True),
        *_timestamps(),
        _incident_fk("signal_groups", "incident_id", "SET NULL"),
        _incident_fk("signal_groups", "previous_incident_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_groups")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_signal_groups_key_hash")),
    )
    op.create_index(op.f("ix_signal_groups_incident_id"), "signal_groups", ["incident_id"])

    op.create_table(
        "signal_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("alertname", sa.String(length=200), nullable=False),
        sa.Column("status", _alert_status(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("ends_at", UTC_DATETIME, nullable=True),
        sa.Column("generator_url", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["signal_groups.id"],
            name=op.f("fk_signal_alerts_group_id_signal_groups"),
            ondelete="CASCADE",
        ),
        _incident_fk("signal_alerts", "incident_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_alerts")),
        # One row per alert per incident; it also serves "the alerts of this incident".
        sa.UniqueConstraint(
            "incident_id", "fingerprint", name="uq_signal_alerts_incident_id_fingerprint"
        ),
    )
    op.create_index(op.f("ix_signal_alerts_group_id"), "signal_alerts", ["group_id"])
    # The signals list pages newest first, filtered by status or by alert name.
    op.create_index("ix_signal_alerts_status_id", "signal_alerts", ["status", "id"])
    op.create_index("ix_signal_alerts_alertname_id", "signal_alerts", ["alertname", "id"])


def downgrade() -> None:
    op.drop_index("ix_signal_alerts_alertname_id", table_name="signal_alerts")
    op.drop_index("ix_signal_alerts_status_id", table_name="signal_alerts")
    op.drop_index(op.f("ix_signal_alerts_group_id"), table_name="signal_alerts")
    op.drop_table("signal_alerts")
    op.drop_index(op.f("ix_signal_groups_incident_id"), table_name="signal_groups")
    op.drop_table("signal_groups")
    op.drop_index(op.f("ix_api_tokens_owner_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
