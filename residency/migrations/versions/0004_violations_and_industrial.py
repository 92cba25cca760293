"""violations (fines recorded against a resident) and the industrial establishment flag (SPEC 9.2)

- violations: resident_id, kind ("unused_exit_reentry": an exit/re-entry visa that lapsed unused),
  amount (whole riyals), visa_id, created_at, paid_transaction_id (NULL while unpaid); unique
  (visa_id, kind) so that a visa is fined once. Existing databases start with none: their lapsed
  unused visas are fined when next seen (the daily reminder run, or that resident's next visa).
- establishments.industrial: a licensed industrial establishment pays no expat levy; false for every
  existing establishment.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("establishments", sa.Column("industrial", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("visa_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_transaction_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.ForeignKeyConstraint(["visa_id"], ["visas.id"]),
        sa.ForeignKeyConstraint(["paid_transaction_id"], ["transactions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visa_id", "kind", name="uq_violations_visa_kind"),
    )
    op.create_index("ix_violations_resident_paid", "violations", ["resident_id", "paid_transaction_id"])


def downgrade() -> None:
    op.drop_index("ix_violations_resident_paid", table_name="violations")
    op.drop_table("violations")
    with op.batch_alter_table("establishments") as batch_op:
        batch_op.drop_column("industrial")
