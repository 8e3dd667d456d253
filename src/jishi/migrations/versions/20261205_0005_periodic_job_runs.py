"""periodic job runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:00:00

One row per periodic job: the last tick a runner claimed, who holds it and until when, and how
the run ended (see ``jishi.core.jobs``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jishi.core.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("last_tick", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("lease_until", jishi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", jishi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
