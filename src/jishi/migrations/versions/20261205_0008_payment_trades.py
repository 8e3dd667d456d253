"""payment trades, the trade of each refund, sandbox refunds

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 08:07:30

Every trade number a payment sends to a gateway is kept in payment_trades, so a gateway's
news of a closed one still finds its payment; existing payments' current numbers that
were sent to a gateway (channel set) are copied in. Refunds say which trade the money went
back through (existing ones: the payment's number, which no longer changes once paid).
The sandbox gateway keeps its refunds, so a refund number refunds once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jishi.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_refunds",
        sa.Column("refund_no", sa.String(length=32), nullable=False),
        sa.Column("gateway_trade_no", sa.String(length=64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gateway_trade_no"],
            ["sandbox_trades.gateway_trade_no"],
            name=op.f("fk_sandbox_refunds_gateway_trade_no_sandbox_trades"),
        ),
        sa.PrimaryKeyConstraint("refund_no", name=op.f("pk_sandbox_refunds")),
    )
    with op.batch_alter_table("sandbox_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sandbox_refunds_gateway_trade_no"), ["gateway_trade_no"], unique=False
        )

    op.create_table(
        "payment_trades",
        sa.Column("trade_no", sa.String(length=32), nullable=False),
        sa.Column("payment_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", jishi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", jishi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", jishi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refund_id", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_trades_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["payment_refunds.id"], name=op.f("fk_payment_trades_refund_id_payment_refunds")
        ),
        sa.PrimaryKeyConstraint("trade_no", name=op.f("pk_payment_trades")),
    )
    with op.batch_alter_table("payment_trades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_trades_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_trades_payment_id"), ["payment_id"], unique=False)

    # A payment's number was sent to a gateway exactly when its channel is set (only a
    # rotation clears the channel, and it brings a new number). When it was opened is not
    # known: the payment's creation stands in. A paid payment's trade is resolved.
    op.execute(
        """
        INSERT INTO payment_trades (trade_no, payment_id, channel, amount_fen, opened_at, resolved_at)
        SELECT trade_no, id, channel, amount_fen, created_at,
               CASE WHEN status IN ('paid', 'refunded') THEN paid_at END
        FROM payments
        WHERE channel IS NOT NULL
        """
    )

    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trade_no", sa.String(length=32), nullable=True))
    op.execute(
        """
        UPDATE payment_refunds
        SET trade_no = (SELECT payments.trade_no FROM payments WHERE payments.id = payment_refunds.payment_id)
        """
    )
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.alter_column("trade_no", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_column("trade_no")

    with op.batch_alter_table("payment_trades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_trades_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_trades_closed_at"))
    op.drop_table("payment_trades")

    with op.batch_alter_table("sandbox_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_refunds_gateway_trade_no"))
    op.drop_table("sandbox_refunds")
