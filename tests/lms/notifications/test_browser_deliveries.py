"""The coordinator's deliveries page, in a real browser against a real server."""

import pytest
from playwright.sync_api import expect

from lms.db import db
from lms.notifications import operations
from lms.notifications.models import OutboxStatus
from tests.notify_fixtures import outbox
from tests.support import follow_nav, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_finds_a_failed_delivery_and_retries_it(app, make_user, live_server, page):
    # From the header, a coordinator reaches Deliveries, reads why a message failed, and sends
    # it again with the (CSRF-protected) retry button.
    coordinator = make_user("coordinator", name="Xiana", admin=True)
    message = operations.enqueue(
        "test.note", to_address="ana@aula.test", subject="Your seat", text="You are enrolled."
    )
    message.status, message.attempts = OutboxStatus.failed, 8
    message.last_error = "SMTPRecipientsRefused: 550 5.1.1 no such mailbox"
    db.session.commit()
    base = live_server(workers=1, DELIVER_IN_PROCESS="false")

    sign_in(page, base, coordinator)
    follow_nav(page, "Deliveries")
    row = page.locator(f"#message-{message.id}")
    expect(row).to_contain_text("550 5.1.1 no such mailbox")
    expect(row).to_contain_text("Failed")
    row.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("The message will be sent again shortly.")).to_be_visible()
    [again] = outbox()
    assert again.status is OutboxStatus.pending and again.attempts == 0
