"""Topic names on the broker: the contract's names behind an optional prefix.

The contract (`shared.contracts.topics`) names topics once and for all; an environment
may put a prefix before them on the broker (`PRAKTIK_TOPIC_PREFIX`, the settings'
`topic_prefix`), so that two environments, or a test run beside a running system, share
one Kafka cluster and never read each other's records. Code works with the contract's
names; the prefix is applied only at the Kafka boundary: where topics are created,
subscribed and published, and taken off a consumed record's topic before the contract
is looked up. Consumer groups get the same prefix.
"""

from __future__ import annotations

import os

PREFIX_ENV = "PRAKTIK_TOPIC_PREFIX"


def env_prefix() -> str:
    """The prefix this process's environment sets (empty: the contract's names)."""
    return os.environ.get(PREFIX_ENV, "")


def physical(prefix: str, topic: str) -> str:
    """The broker's name of a contract topic."""
    return prefix + topic


def logical(prefix: str, topic: str) -> str:
    """The contract's name of a broker topic (unchanged when it lacks the prefix)."""
    return topic[len(prefix):] if prefix and topic.startswith(prefix) else topic
