"""``ccsi-dao watch``: partners never miss a decision.

A long-running follower of the chain, through the decision index (only blocks past its finality or confirmation
depth), that raises notices (a new proposal, voting open, time left to vote, quorum at risk, the outcome, queued,
executed, cancelled, and watchdog warnings) and delivers each exactly once to every subscribed recipient and channel
(terminal, JSONL, email, Slack/Teams/Matrix webhooks, an iCalendar feed)::

    from ccsi_dao.watch import Watcher, load_subscriptions

    with Watcher(ccsi_dao.connect(), load_subscriptions("subscriptions.yaml")) as watcher:
        watcher.run_once()          # or watcher.run(interval=60)

Modules: :mod:`.subscriptions` (the file), :mod:`.source` (the one adapter over the decision log), :mod:`.detect`
(what is due at a block), :mod:`.notices`, :mod:`.outbox` (cursor, notices, deliveries: SQLite), :mod:`.channels`,
:mod:`.webhook`, :mod:`.render` (escaping per channel), :mod:`.engine` (:class:`Watcher`).
"""

from __future__ import annotations

from ccsi_dao.watch.channels import ChannelError
from ccsi_dao.watch.engine import PassResult, Watcher, default_state_path
from ccsi_dao.watch.notices import GROUPS, Kind, Notice
from ccsi_dao.watch.subscriptions import Subscriptions, SubscriptionsError, load_subscriptions

__all__ = [
    "GROUPS",
    "ChannelError",
    "Kind",
    "Notice",
    "PassResult",
    "Subscriptions",
    "SubscriptionsError",
    "Watcher",
    "default_state_path",
    "load_subscriptions",
]
