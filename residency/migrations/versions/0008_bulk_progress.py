"""how far a bulk execution is (SPEC 10.4: long work shows its progress)

bulk_progress: one row per combined quote being executed, with the sender's Telegram id, the residents done
and the total; written as the execution goes, read by the front ends while they wait for the reply.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_progress",
        sa.Column("bulk_quote_id", sa.Integer(), sa.ForeignKey("bulk_quotes.id"), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_bulk_progress_telegram_id", "bulk_progress", ["telegram_id"])


def downgrade() -> None:
    op.drop_index("ix_bulk_progress_telegram_id", table_name="bulk_progress")
    op.drop_table("bulk_progress")
