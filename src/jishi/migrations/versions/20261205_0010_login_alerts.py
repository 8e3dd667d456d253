"""login alerts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 19:30:00

An account whose failed logins cross the challenge threshold from several networks in one
window gets a row here, listed to the platform's operators. The failure counters themselves
live in the cache.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jishi.core.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_alerts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("networks", sa.Integer(), nullable=False),
        sa.Column("last_network", sa.String(length=64), nullable=False),
        sa.Column("created_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_alerts")),
    )
    with op.batch_alter_table("login_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_login_alerts_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_alerts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("login_alerts")
