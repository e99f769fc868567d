"""The ``lms.notify`` plugin type: one contract, checked against every installed channel."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points

import pytest

from lms.plugins import PluginError, check, plugins
from lms.plugins.notify import NotifyPlugin, OutgoingMessage, notify_type

INSTALLED = sorted(ep.name for ep in entry_points(group="lms.notify"))

pytest_plugins = ["tests.notify_fixtures"]  # smtp, smtp_down, start_worker


def test_the_email_channel_is_installed_like_an_outside_plugin():
    # The built-in e-mail channel comes through the same entry points as any other plugin.
    assert "notify_email" in INSTALLED


@pytest.mark.parametrize("name", INSTALLED)
def test_every_notify_plugin_meets_the_contract(app, name):
    # Each channel is named notify_<channel>, carries a version, and delivers one message.
    plugin = plugins("notify")[name]
    check(notify_type, name, plugin)
    assert isinstance(plugin, NotifyPlugin)
    assert name == f"notify_{plugin.channel}"
    assert list(inspect.signature(plugin.deliver).parameters) == ["message"]


def _received_by_email(smtp) -> list[dict[str, str]]:
    smtp.inbox.wait_for(1)
    return [
        {
            "to": m["To"].addresses[0].addr_spec,
            "subject": m["Subject"],
            "message_id": m["Message-ID"],
            "text": m.get_body(("plain",)).get_content().strip(),
        }
        for m in smtp.inbox.received
    ]


#: For each channel, what its far end received, in one shape.
RECEIVED = {"notify_email": _received_by_email}


@pytest.mark.parametrize("name", INSTALLED)
def test_every_notify_plugin_delivers_a_plain_message(app, name, smtp):
    # A message without HTML or invitation is delivered, and arrives (at a real SMTP server
    # for e-mail).
    app.config.update(smtp.config)
    message = OutgoingMessage(
        id=1,
        kind="test.note",
        message_id="<outbox-1@aula.test>",
        to_address="learner@aula.test",
        to_name="Learner",
        subject="Hello",
        text="Just text.",
    )
    plugins("notify")[name].deliver(message)
    assert name in RECEIVED, f"say in RECEIVED how to see what {name} delivered"
    assert RECEIVED[name](smtp) == [
        {
            "to": "learner@aula.test",
            "subject": "Hello",
            "message_id": "<outbox-1@aula.test>",
            "text": "Just text.",
        }
    ]


def test_a_channel_without_deliver_is_refused_at_start():
    # The registry stops a plugin that lacks the required hook, loudly.
    class Broken:
        name = "notify_broken"
        version = "1.0"
        channel = "broken"

    with pytest.raises(PluginError, match="deliver"):
        check(notify_type, "notify_broken", Broken())
