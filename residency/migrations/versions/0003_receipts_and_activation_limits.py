"""per-establishment receipt numbers; activation attempts and per-code attempt counter

- transactions.receipt_number: the establishment's own running number of the transaction (the
  "رقم العملية" shown to its users), unique together with establishment_id; existing rows are numbered
  1, 2, 3 ... per establishment in id order. establishments.receipt_counter holds the last number given
  (set to each establishment's count of existing rows).
- transactions.balance_after: the payer's balance right after the execution, so that a replayed
  idempotency key returns the first receipt unchanged; existing rows take it from their ledger entry
  (NULL when they moved no money: a replay then shows the current balance, as before).
- activation_attempts: every /start CODE attempt (the per-account throttle counts the failures);
  activation_codes.failed_attempts: refused presentations of that very code (0 for existing codes).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    op.add_column("establishments", sa.Column("receipt_counter", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("transactions", sa.Column("receipt_number", sa.Integer(), nullable=True))
    op.add_column("transactions", sa.Column("balance_after", sa.Integer(), nullable=True))
    op.add_column("activation_codes", sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "activation_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["activation_codes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activation_attempts_telegram_created", "activation_attempts", ["telegram_id", "created_at"])
    op.create_index("ix_activation_attempts_code_id", "activation_attempts", ["code_id"])

    _backfill()
    op.create_index(
        "uq_transactions_establishment_receipt", "transactions", ["establishment_id", "receipt_number"], unique=True
    )


def _backfill() -> None:
    """Number the existing transactions per establishment in id order, set each establishment's counter,
    and copy each transaction's ledger balance. Plain SQL that PostgreSQL and SQLite (>= 3.33, UPDATE ...
    FROM; window functions since 3.25) both run, one statement per step whatever the row count."""
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE transactions SET receipt_number = numbered.n FROM ("
            " SELECT id, ROW_NUMBER() OVER (PARTITION BY establishment_id ORDER BY id) AS n FROM transactions"
            ") AS numbered WHERE transactions.id = numbered.id"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE establishments SET receipt_counter = counts.n FROM ("
            " SELECT establishment_id, COUNT(*) AS n FROM transactions GROUP BY establishment_id"
            ") AS counts WHERE establishments.id = counts.establishment_id"
        )
    )
    # A transaction's own ledger entry of its establishment (the payer; the latest if there were several).
    bind.execute(
        sa.text(
            "UPDATE transactions SET balance_after = entries.balance_after FROM ("
            " SELECT l.transaction_id, l.establishment_id, l.balance_after,"
            "  ROW_NUMBER() OVER (PARTITION BY l.transaction_id, l.establishment_id ORDER BY l.id DESC) AS n"
            " FROM ledger l WHERE l.transaction_id IS NOT NULL"
            ") AS entries WHERE entries.n = 1 AND entries.transaction_id = transactions.id"
            " AND entries.establishment_id = transactions.establishment_id"
        )
    )


def downgrade() -> None:
    op.drop_index("uq_transactions_establishment_receipt", table_name="transactions")
    op.drop_index("ix_activation_attempts_code_id", table_name="activation_attempts")
    op.drop_index("ix_activation_attempts_telegram_created", table_name="activation_attempts")
    op.drop_table("activation_attempts")
    with op.batch_alter_table("activation_codes") as batch_op:
        batch_op.drop_column("failed_attempts")
    with op.batch_alter_table("transactions") as batch_op:
        batch_op.drop_column("balance_after")
        batch_op.drop_column("receipt_number")
    with op.batch_alter_table("establishments") as batch_op:
        batch_op.drop_column("receipt_counter")
