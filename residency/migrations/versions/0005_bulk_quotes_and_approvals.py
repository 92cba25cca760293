"""bulk quotes, approvals (maker-checker) and the establishment's approval threshold (SPEC 9.3)

- bulk_quotes: one combined quote over several residents, kept until confirmed.
- approvals: an agent's confirmed request waiting for an owner; request_key unique (a repeated
  confirmation submits once).
- establishments.approval_above: NULL for every existing establishment (agents need no approval
  until an owner or the administrator sets a threshold).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("establishments", sa.Column("approval_above", sa.Integer(), nullable=True))
    op.create_table(
        "bulk_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("group_name", sa.String(length=20), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishments.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bulk_quotes_establishment_id", "bulk_quotes", ["establishment_id"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("maker_user_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=120), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("quote", sa.JSON(), nullable=True),
        sa.Column("bulk_quote_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishments.id"]),
        sa.ForeignKeyConstraint(["maker_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["bulk_quote_id"], ["bulk_quotes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    op.create_index("ix_approvals_establishment_id", "approvals", ["establishment_id"])


def downgrade() -> None:
    op.drop_index("ix_approvals_establishment_id", table_name="approvals")
    op.drop_table("approvals")
    op.drop_index("ix_bulk_quotes_establishment_id", table_name="bulk_quotes")
    op.drop_table("bulk_quotes")
    with op.batch_alter_table("establishments") as batch_op:
        batch_op.drop_column("approval_above")
