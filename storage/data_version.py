"""The workspace's data version: what a preview computed from criteria rather than captured relies on.

Criteria read contacts, their codes and profile answers, and the interaction log. Every
transaction that changes those for a workspace (contact and interaction imports, demo data,
logging a segment or canceling its entries) calls ``bump_data_version`` as its last step; a
deferred preview is confirmed only while the version is still the one it was computed at.

Locking, on PostgreSQL: Confirm reads the version ``FOR KEY SHARE`` before computing the set, and
a writer takes the row ``FOR UPDATE`` to bump it. So a writer that bumped first makes Confirm wait
for its commit and then see the new version (and refuse), and a Confirm that read first makes the
writer wait until Confirm has committed, having read only data committed before the writer's.
The lock is held for the writer's last moments only, and KEY SHARE does not block the counters'
updates on the same row (new segments). SQLite has one writer at a time: Confirm reads the
version after its first write, inside the write transaction, which no import can interleave.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Workspace


def bump_data_version(session: Session, workspace_id: int) -> None:
    """Record that what criteria match in this workspace may have changed (call last, before commit)."""
    # The UPDATE alone would lock the row FOR NO KEY UPDATE, which Confirm's KEY SHARE does not
    # block: it would then compute its set while this import commits. FOR UPDATE conflicts with it.
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())
    session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(data_version=Workspace.data_version + 1)
        .execution_options(synchronize_session=False)
    )


def data_version(session: Session, workspace_id: int, *, hold: bool = False) -> int:
    """The workspace's data version; ``hold`` keeps writers from moving it until this transaction ends."""
    query = select(Workspace.data_version).where(Workspace.id == workspace_id)
    if hold:
        query = query.with_for_update(read=True, key_share=True)
    return session.execute(query).scalar_one()
