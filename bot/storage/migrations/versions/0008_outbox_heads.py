"""outbox: which rows may be their recipient's next message (`head`), kept by triggers

The sender claims each recipient's first pending row (lowest priority, then id). It used to
rank every pending row to find them (a window over the whole queue: 2.5 ms of PostgreSQL CPU
per claim at 1,000 pending rows, 138 ms at 100,000). Now the claim walks an index of the rows
that may be a recipient's first (`head`), in the order they go, and stops as soon as it has
enough (bot.telegram.sender.claim_statement): its cost no longer grows with the queue.

`head` is true on every new row (the column's default, so no writer has to set it) and is
cleared only by the claim, for a row it finds behind an earlier pending row of its recipient.
The triggers below set it again on a recipient's first pending row whenever a row leaves the
queue (sent, failed, blocked, deleted) or changes priority, so every recipient's first pending
row always has it. Existing rows get it exactly here.

On PostgreSQL the trigger first takes a transaction lock on the recipient (advisory lock
OUTBOX_HEAD_LOCK, hashtext(recipient)), so that two rows of one recipient leaving the queue in
two transactions at once (only ever two senders overlapping) cannot both miss the row after
them; each then looks with a snapshot taken after the other committed.

SQLite: a later migration that rebuilds the outbox table (batch_alter_table with a change
SQLite cannot ALTER) drops its triggers; it must create them again (TRIGGERS_SQLITE). The
tests of the heads (tests/e2e/test_outbox_heads.py) run on migrated databases and would fail.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OUTBOX_HEAD_LOCK = 0x434F4103
"""First key of the per-recipient advisory lock the PostgreSQL trigger takes (bot.telegram.locking
uses ...01 for chats and ...02 for the sender)."""

PENDING = sa.text("status = 'pending'")
HEADS = {
    "postgresql": "status = 'pending' AND head AND recipient {like} 'chat:%'",
    "sqlite": "status = 'pending' AND head = 1 AND recipient {like} 'chat:%'",
}
"""As bot.storage.models.OUTBOX_HEADS at this revision."""

NEXT_HEAD = """
    UPDATE outbox SET head = {true}
     WHERE id = (SELECT id FROM outbox WHERE recipient = OLD.recipient AND status = 'pending'
                 ORDER BY priority, id LIMIT 1)
       AND NOT head;"""
"""Mark the recipient's first pending row (a write only when it is not marked already)."""
CHANGED = ("(OLD.status = 'pending' OR NEW.status = 'pending') AND "
           "(OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority)")

TRIGGERS_POSTGRESQL = [
    f"""CREATE FUNCTION outbox_next_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({OUTBOX_HEAD_LOCK}, hashtext(OLD.recipient));
    {NEXT_HEAD.format(true='true')}
    RETURN NULL;
END $$""",
    f"""CREATE TRIGGER outbox_head_after_update AFTER UPDATE OF status, priority ON outbox
    FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION outbox_next_head()""",
    """CREATE TRIGGER outbox_head_after_delete AFTER DELETE ON outbox
    FOR EACH ROW WHEN (OLD.status = 'pending') EXECUTE FUNCTION outbox_next_head()""",
]
TRIGGERS_SQLITE = [
    f"""CREATE TRIGGER outbox_head_after_update AFTER UPDATE OF status, priority ON outbox
    FOR EACH ROW WHEN {CHANGED.replace('IS DISTINCT FROM', 'IS NOT')}
    BEGIN {NEXT_HEAD.format(true='1')}
    END""",
    f"""CREATE TRIGGER outbox_head_after_delete AFTER DELETE ON outbox
    FOR EACH ROW WHEN OLD.status = 'pending'
    BEGIN {NEXT_HEAD.format(true='1')}
    END""",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('head', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_index('ix_outbox_pending_recipient', 'outbox', ['recipient', 'priority', 'id'],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    outbox = sa.table('outbox', *(sa.column(c) for c in ('id', 'recipient', 'priority', 'status', 'head')))
    earlier = outbox.alias('earlier')
    op.execute(outbox.update().values(head=False).where(
        outbox.c.status == 'pending',
        sa.exists().where(earlier.c.recipient == outbox.c.recipient, earlier.c.status == 'pending',
                          sa.or_(earlier.c.priority < outbox.c.priority,
                                 sa.and_(earlier.c.priority == outbox.c.priority, earlier.c.id < outbox.c.id)))))
    where = HEADS.get(dialect, HEADS["postgresql"])
    op.create_index('ix_outbox_heads', 'outbox', ['priority', 'next_attempt_at', 'id'],
                    postgresql_where=sa.text(where.format(like="NOT LIKE")),
                    sqlite_where=sa.text(where.format(like="NOT LIKE")))
    op.create_index('ix_outbox_stranger_heads', 'outbox', ['priority', 'next_attempt_at', 'id'],
                    postgresql_where=sa.text(where.format(like="LIKE")),
                    sqlite_where=sa.text(where.format(like="LIKE")))
    for statement in TRIGGERS_SQLITE if dialect == "sqlite" else TRIGGERS_POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS outbox_head_after_update")
        op.execute("DROP TRIGGER IF EXISTS outbox_head_after_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS outbox_head_after_update ON outbox")
        op.execute("DROP TRIGGER IF EXISTS outbox_head_after_delete ON outbox")
        op.execute("DROP FUNCTION IF EXISTS outbox_next_head()")
    op.drop_index('ix_outbox_stranger_heads', table_name='outbox')
    op.drop_index('ix_outbox_heads', table_name='outbox')
    op.drop_index('ix_outbox_pending_recipient', table_name='outbox')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('head')
