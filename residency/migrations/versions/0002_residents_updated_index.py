"""index residents by (establishment_id, updated_at)

Makes "latest change to this establishment's residents" an index look-up: the name-search index cache
(residency.inquiries) checks it on every search to know whether its copy is still current.

Revision ID: 0002
Revises: 0001
"""

from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_residents_establishment_updated", "residents", ["establishment_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_residents_establishment_updated", table_name="residents")
