"""drop the version columns nothing checked

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05 09:00:00

``products.version`` and ``skus.version`` were counted up on every change but no write was
ever conditional on them: concurrent edits are serialised by row locks and conditional
updates instead, so the columns only cost a write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# ALTER TABLE … DROP COLUMN in place (SQLite 3.35+): a batch copy of these tables would drop
# and re-create them under the rows that refer to them.


def upgrade() -> None:
    for table in ("skus", "products"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")


def downgrade() -> None:
    for table in ("products", "skus"):
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
