"""system reasons of orders and of the stock ledger stored as codes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:30:00

Cancel reasons and timeline notes the system wrote were stored as Chinese sentences; they
become codes (``orders.reasons``) shown in the reader's language. What a buyer typed stays
as typed. The stock ledger's reasons are all the system's: its ``reason`` column now holds a
code (``inventory.service.LEDGER_REASONS``). Known sentences of existing rows are turned into
their codes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEDGER = {"新建商品": "product_created", "编辑规格": "skus_edited", "商家修改库存": "merchant_count"}
KNOWN = {
    "买家取消": "buyer_cancelled",
    "超时未付款，系统自动取消": "payment_timeout",
    "超时自动确认收货": "auto_completed",
}


def upgrade() -> None:
    for sentence, code in LEDGER.items():
        op.execute(
            sa.text("UPDATE stock_movements SET reason = :code WHERE reason = :s").bindparams(
                code=code, s=sentence
            )
        )
    op.add_column("orders", sa.Column("cancel_reason_code", sa.String(length=32), nullable=True))
    op.add_column("order_events", sa.Column("reason_code", sa.String(length=32), nullable=True))
    for sentence, code in KNOWN.items():
        op.execute(
            sa.text(
                "UPDATE orders SET cancel_reason_code = :code, cancel_reason = NULL WHERE cancel_reason = :s"
            ).bindparams(code=code, s=sentence)
        )
        op.execute(
            sa.text("UPDATE order_events SET reason_code = :code, reason = '' WHERE reason = :s").bindparams(
                code=code, s=sentence
            )
        )


def downgrade() -> None:
    for sentence, code in LEDGER.items():
        op.execute(
            sa.text("UPDATE stock_movements SET reason = :s WHERE reason = :code").bindparams(
                code=code, s=sentence
            )
        )
    for sentence, code in KNOWN.items():
        op.execute(
            sa.text("UPDATE orders SET cancel_reason = :s WHERE cancel_reason_code = :code").bindparams(
                code=code, s=sentence
            )
        )
        op.execute(
            sa.text("UPDATE order_events SET reason = :s WHERE reason_code = :code").bindparams(
                code=code, s=sentence
            )
        )
    op.execute("ALTER TABLE order_events DROP COLUMN reason_code")
    op.execute("ALTER TABLE orders DROP COLUMN cancel_reason_code")
