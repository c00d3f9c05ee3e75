"""Login failures, counted by the login throttle across every API process.

Rows are hashed keys and times only; the throttle deletes them once they leave its window, so
the table stays small. Nothing to carry over: it starts empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    # Counting one key's recent failures reads this index...
    op.create_index("ix_login_failures_key_failed_at", "login_failures", ["key", "failed_at"])
    # ...and forgetting expired ones, whatever their key, reads this one.
    op.create_index(op.f("ix_login_failures_failed_at"), "login_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_failed_at"), table_name="login_failures")
    op.drop_index("ix_login_failures_key_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
