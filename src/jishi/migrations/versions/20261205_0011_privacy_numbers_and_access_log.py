"""virtual number bindings and the personal-data access log

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 19:30:00

Shops reach a buyer through a virtual number (隐私号) bound to the real one for a while
(privacy_number_bindings, the real number encrypted); every reach for full personal data
is logged in personal_data_access.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jishi.core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_number_bindings",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("order_id", sa.String(length=26), nullable=False),
        sa.Column("shop_id", sa.String(length=26), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("virtual_number", sa.String(length=20), nullable=False),
        sa.Column("real_phone_ciphertext", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=False),
        sa.Column("created_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_privacy_number_bindings_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_privacy_number_bindings_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_number_bindings")),
    )
    with op.batch_alter_table("privacy_number_bindings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_privacy_number_bindings_order_expires", ["order_id", "expires_at"], unique=False
        )
        batch_op.create_index(
            "ix_privacy_number_bindings_number_expires", ["virtual_number", "expires_at"], unique=False
        )

    op.create_table(
        "personal_data_access",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("actor_id", sa.String(length=26), nullable=False),
        sa.Column("shop_id", sa.String(length=26), nullable=True),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("data_subject_id", sa.String(length=26), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_access")),
    )
    with op.batch_alter_table("personal_data_access", schema=None) as batch_op:
        batch_op.create_index("ix_personal_data_access_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_personal_data_access_shop_created", ["shop_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("personal_data_access")
    op.drop_table("privacy_number_bindings")
