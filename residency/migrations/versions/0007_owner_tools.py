"""the owner's tools (SPEC 10.4): users managed from chat, the activity log, one account in several
establishments, the owner-operated flag

- users: an account may be a user of several establishments: the unique telegram_id becomes unique
  (establishment_id, telegram_id), with an index on telegram_id; `status` (active for every existing
  user; suspended, removed) and `display_name` (NULL: how the owners call the user, none so far).
- accounts: the establishment an account works on (`current_establishment_id`); no rows yet: an
  account with one establishment works on that one.
- activation_codes.display_name: NULL for every existing code.
- activity_log: who did what, when, for how much and for which resident; empty (history before the
  upgrade is in the transactions table).
- establishments.owner_operated: false for every existing establishment.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _telegram_id_unique(bind) -> str | None:
    """The name of the old unique constraint on users.telegram_id (PostgreSQL names it; SQLite does not)."""
    for constraint in sa.inspect(bind).get_unique_constraints("users"):
        if constraint["column_names"] == ["telegram_id"]:
            return constraint["name"]
    return None


def upgrade() -> None:
    bind = op.get_bind()
    old_unique = _telegram_id_unique(bind) or "uq_users_telegram_id"
    # SQLite's unnamed constraint gets the name under this convention when batch mode reflects the table.
    with op.batch_alter_table("users", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch:
        batch.drop_constraint(old_unique, type_="unique")
        batch.create_unique_constraint("uq_users_establishment_telegram", ["establishment_id", "telegram_id"])
        batch.create_index("ix_users_telegram_id", ["telegram_id"])
        batch.add_column(sa.Column("status", sa.String(length=10), nullable=False, server_default="active"))
        batch.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))
    op.create_table(
        "accounts",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("current_establishment_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["current_establishment_id"], ["establishments.id"]),
        sa.PrimaryKeyConstraint("telegram_id"),
    )
    op.add_column("activation_codes", sa.Column("display_name", sa.String(length=100), nullable=True))
    op.add_column(
        "establishments", sa.Column("owner_operated", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "activity_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("iqama_number", sa.String(length=10), nullable=True),
        sa.Column("resident_name", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishments.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["subject_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"]),
        sa.ForeignKeyConstraint(["approval_id"], ["approvals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_log_establishment_created", "activity_log", ["establishment_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_activity_log_establishment_created", table_name="activity_log")
    op.drop_table("activity_log")
    with op.batch_alter_table("establishments") as batch:
        batch.drop_column("owner_operated")
    with op.batch_alter_table("activation_codes") as batch:
        batch.drop_column("display_name")
    op.drop_table("accounts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("display_name")
        batch.drop_column("status")
        batch.drop_index("ix_users_telegram_id")
        batch.drop_constraint("uq_users_establishment_telegram", type_="unique")
        batch.create_unique_constraint("uq_users_telegram_id", ["telegram_id"])
