"""The lab server: a project shared live on PostgreSQL, offline-first.

The lead's project stays the master copy and each coder keeps a local project file that
codes without the network; ``sync`` moves the append-only label log to the server and
back. Blindness and access are enforced by the server (grants and row-level security),
not by this client. Plain Python over psycopg 3 and the store (no Qt).
"""

from desktop.core.lab.coder import CorpusPull, JoinSummary, join_lab
from desktop.core.lab.connect import LabError, apply_tls_rule, parse_address, pgpass_path
from desktop.core.lab.lead import Invite, LabInit, LeadPull, init_lab
from desktop.core.lab.sync import Syncer, SyncReport, SyncState, SyncStatus, linked, sync

__all__ = [
    "CorpusPull",
    "Invite",
    "JoinSummary",
    "LabError",
    "LabInit",
    "LeadPull",
    "SyncReport",
    "SyncState",
    "SyncStatus",
    "Syncer",
    "apply_tls_rule",
    "init_lab",
    "join_lab",
    "linked",
    "parse_address",
    "pgpass_path",
    "sync",
]
