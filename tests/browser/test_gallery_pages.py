"""The gallery in real headless Chromium: live updates across browser contexts, the private channel,
reconnects that catch up from REST, and screenshots at desktop and phone widths (build/screenshots/)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from functions import names
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import jpeg

MANICURE = [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}]
TIMEOUT = 60_000
expect.set_options(timeout=30_000)  # reconnects back off up to 10 s; the workflows take seconds


def site(stack: Any) -> str:
    return f"{stack.endpoints.api}/gallery/"


def sign_in(page: Page, stack: Any, client: Any, username: str, group: str) -> None:
    client.token(username, group)  # creates the account in its group (the owner does this on AWS)
    page.goto(site(stack) + "#/sign-in")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(client.passwords.get(username) or "")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_text("Live")


def published_design(client: Any, stack: Any, tmp_path: Any, designer: str) -> str:
    stack.ai.script("DetectLabels", MANICURE, match=f"/{designer}/")
    path = tmp_path / f"{designer}.jpg"
    path.write_bytes(jpeg(colour=(200, 80, 140)))
    result = client.upload(path, designer, wait=True)
    assert result["verdict"] == "approved"
    return str(result["photoId"])


def test_new_design_appears_live_when_a_page_upload_is_approved(
    stack: Any, client: Any, contexts: Any, tmp_path: Any, screenshot: Any
) -> None:
    visitor = contexts()
    visitor.goto(site(stack))
    live(visitor)
    designer = contexts()
    sign_in(designer, stack, client, "web-dana", names.GROUP_DESIGNER)
    expect(designer.get_by_role("heading", name="My uploads")).to_be_visible()
    live(designer)
    stack.ai.script("DetectLabels", MANICURE, match="/web-dana/")
    photo = tmp_path / "design.jpg"
    photo.write_bytes(jpeg(colour=(220, 60, 120)))
    designer.get_by_label("Title").fill("Coral chrome French tips")
    designer.locator("#upload-file").set_input_files(str(photo))
    published = designer.locator(".upload.published")
    expect(published).to_have_count(1)
    photo_id = published.get_attribute("data-photo-id")
    expect(published.locator("img")).to_have_js_property("naturalWidth", 256)  # the published image loads
    card = visitor.locator(f'[data-design-id="{photo_id}"]')
    expect(card).to_be_visible()  # arrived live: the visitor never reloaded
    assert visitor.evaluate("performance.getEntriesByType('navigation').length") == 1
    expect(card.locator("img")).to_have_attribute("alt", re.compile("web-dana"))
    expect(card.locator(".card-title")).to_have_text("Coral chrome French tips")
    screenshot(visitor, "gallery-desktop")
    screenshot(designer, "my-uploads-desktop")


def test_a_comment_in_one_context_moves_the_meter_in_another(
    stack: Any, client: Any, contexts: Any, tmp_path: Any, screenshot: Any
) -> None:
    design_id = published_design(client, stack, tmp_path, "web-eli")
    watcher = contexts()
    watcher.goto(site(stack) + f"#/designs/{design_id}")
    live(watcher)
    expect(watcher.locator(".meter-text")).to_contain_text("0 comments")
    customer = contexts(PHONE)
    sign_in(customer, stack, client, "web-fay", names.GROUP_CUSTOMER)
    customer.goto(site(stack) + f"#/designs/{design_id}")
    live(customer)
    customer.get_by_label("Your comment").fill("\u200b  ")
    customer.get_by_role("button", name="Post comment").click()
    expect(customer.locator(".form-message.error")).to_contain_text("empty")  # the server's own message
    customer.get_by_label("Your comment").fill("أحب هذه الألوان كثيرا")
    customer.get_by_role("button", name="Post comment").click()
    expect(watcher.locator(".meter-text")).to_contain_text("1 comment")
    comment = watcher.locator(".comment-text")
    expect(comment).to_have_text("أحب هذه الألوان كثيرا")
    assert comment.get_attribute("dir") == "auto"
    assert watcher.evaluate("getComputedStyle(document.querySelector('.comment-text')).direction") == "rtl"
    expect(customer.locator(".comment")).to_have_count(1)
    screenshot(watcher, "design-desktop")
    screenshot(customer, "design-phone")


def test_another_designers_channel_is_refused_and_the_connection_stays_up(
    stack: Any, client: Any, contexts: Any
) -> None:
    page = contexts()
    sign_in(page, stack, client, "web-gus", names.GROUP_DESIGNER)
    live(page)
    idp = client.aws("cognito-idp")
    client.token("web-hal", names.GROUP_DESIGNER)
    other = idp.admin_get_user(UserPoolId=client.endpoints.user_pool_id, Username="web-hal")
    other_sub = next(a["Value"] for a in other["UserAttributes"] if a["Name"] == "sub")
    outcome = page.evaluate(
        """async (otherSub) => {
          const cfg = await (await fetch('config.json')).json();
          const tokens = JSON.parse(sessionStorage.getItem('salon.tokens'));
          const host = new URL(cfg.eventsHttpEndpoint).host;
          const b64 = (o) => btoa(JSON.stringify(o)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
          const ws = new WebSocket(cfg.eventsRealtimeEndpoint + '/event/realtime',
            ['aws-appsync-event-ws', 'header-' + b64({host, 'x-api-key': cfg.eventsApiKey})]);
          const messages = [];
          const next = (type) => new Promise((resolve) => {
            const check = () => {
              const m = messages.find((x) => x.type === type);
              m ? resolve(m) : setTimeout(check, 20);
            };
            check();
          });
          ws.onmessage = (e) => messages.push(JSON.parse(e.data));
          await new Promise((resolve) => (ws.onopen = resolve));
          ws.send(JSON.stringify({type: 'connection_init'}));
          await next('connection_ack');
          const auth = {host, Authorization: tokens.idToken};
          ws.send(JSON.stringify({type: 'subscribe', id: 'theirs', channel: '/designers/' + otherSub,
                                  authorization: auth}));
          const refused = await next('subscribe_error');
          ws.send(JSON.stringify({type: 'subscribe', id: 'public', channel: '/gallery/designs',
                                  authorization: {host, 'x-api-key': cfg.eventsApiKey}}));
          const ok = await next('subscribe_success');
          const open = ws.readyState === WebSocket.OPEN;
          ws.close();
          return {refused, ok, open};
        }""",
        other_sub,
    )
    assert outcome["refused"]["id"] == "theirs"
    assert outcome["refused"]["errors"][0]["errorType"] == "UnauthorizedException"
    assert outcome["ok"] == {"type": "subscribe_success", "id": "public"} and outcome["open"]
    expect(page.locator("#live-status")).to_have_text("Live")


def test_events_endpoint_restart_the_page_reconnects_and_catches_up(
    stack: Any, client: Any, contexts: Any, tmp_path: Any, screenshot: Any
) -> None:
    page = contexts(PHONE)
    page.goto(site(stack))
    live(page)
    stack.events.realtime.stop()
    expect(page.locator("#live-status")).to_have_text("Reconnecting…")
    try:
        missed = published_design(client, stack, tmp_path, "web-ivy")  # published while nobody could hear
    finally:
        stack.events.realtime.start()
    live(page)
    expect(page.locator(f'[data-design-id="{missed}"]')).to_be_visible()  # caught up from REST
    screenshot(page, "gallery-phone")


def test_sign_in_page_and_wrong_password(stack: Any, client: Any, contexts: Any, screenshot: Any) -> None:
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = contexts(viewport)
        page.goto(site(stack) + "#/sign-in")
        client.token("web-jo", names.GROUP_CUSTOMER)
        page.get_by_label("Username or email").fill("web-jo")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
        screenshot(page, f"sign-in-{name}")
    assert json.loads(page.evaluate("JSON.stringify(sessionStorage)")) == {}


def test_an_off_topic_upload_through_the_page_is_rejected_with_reasons(
    stack: Any, client: Any, contexts: Any, tmp_path: Any, screenshot: Any
) -> None:
    shown = published_design(client, stack, tmp_path, "web-lou")
    designer = contexts(PHONE)
    sign_in(designer, stack, client, "web-kit", names.GROUP_DESIGNER)
    live(designer)
    stack.ai.script(
        "DetectLabels",
        [{"result": {"Labels": [{"Name": "Car", "Confidence": 97.0, "Parents": []}]}}],
        match="/web-kit/",
    )
    photo = tmp_path / "car.jpg"
    photo.write_bytes(jpeg(colour=(30, 30, 200)))
    designer.get_by_label("Title").fill("My new car")
    designer.locator("#upload-file").set_input_files(str(photo))
    rejected = designer.locator(".upload.rejected")
    expect(rejected).to_have_count(1)
    expect(rejected.locator(".status")).to_have_text("rejected")
    expect(rejected.locator(".reasons li").first).not_to_be_empty()
    assert rejected.locator("img").count() == 0  # a refused upload is never shown as an image
    photo_id = rejected.get_attribute("data-photo-id")
    visitor = contexts()
    visitor.goto(site(stack))
    live(visitor)
    card = visitor.locator(f'[data-design-id="{shown}"]')
    expect(card).to_be_visible()
    assert visitor.locator(f'[data-design-id="{photo_id}"]').count() == 0
    designer.reload()  # REST agrees with what arrived live
    expect(designer.locator(f'.upload.rejected[data-photo-id="{photo_id}"]')).to_have_count(1)
    screenshot(designer, "my-uploads-phone")
    card.locator(".card-by").click()
    expect(visitor.get_by_role("heading", name="Designs by web-lou")).to_be_visible()
    expect(visitor.locator(f'[data-design-id="{shown}"]')).to_be_visible()
    screenshot(visitor, "album-desktop")


def test_a_held_comment_never_reaches_another_page_until_approved_and_its_author_sees_the_notice(
    stack: Any, client: Any, contexts: Any, tmp_path: Any, screenshot: Any
) -> None:
    design_id = published_design(client, stack, tmp_path, "web-hana")
    watcher = contexts()
    watcher.goto(site(stack) + f"#/designs/{design_id}")
    live(watcher)
    author = contexts(PHONE)
    sign_in(author, stack, client, "web-ivo", names.GROUP_CUSTOMER)
    author.goto(site(stack) + f"#/designs/{design_id}")
    live(author)
    author.get_by_label("Your comment").fill("You are an idiot, who taught you to paint?")
    author.get_by_role("button", name="Post comment").click()
    expect(watcher.locator(".meter-text")).to_contain_text("1 comment")  # counted, not shown
    expect(watcher.locator(".comment")).to_have_count(0)
    watcher.reload()
    expect(watcher.locator(".meter-text")).to_contain_text("1 comment")
    expect(watcher.locator(".comment")).to_have_count(0)
    author.get_by_role("link", name="My comments").first.click()
    expect(author.locator(".my-comment .status")).to_have_text("waiting for moderation")
    screenshot(author, "my-comments-phone")
    [held] = [c for c in client.held_comments() if c["designId"] == design_id]
    owner = contexts()
    sign_in(owner, stack, client, "web-owner-hana", names.GROUP_OWNER)
    owner.goto(site(stack) + "#/owner")
    item = owner.locator(f'#owner-held-comments [data-comment-id="{held["commentId"]}"]')
    expect(item.locator("blockquote")).to_have_text("You are an idiot, who taught you to paint?")
    expect(item.get_by_role("list", name="Screening labels")).to_contain_text("INSULT")
    item.get_by_role("button", name="Reject").click()  # a rejection needs the reason the author will read
    expect(item.locator(".form-message.error")).to_contain_text("Give a reason first")
    item.get_by_role("button", name="Show it").click()
    expect(item.locator(".decided")).to_have_text("Comment by web-ivo: shown.")
    expect(watcher.locator(".comment-text")).to_have_text("You are an idiot, who taught you to paint?")  # live


def test_personal_data_is_masked_on_the_page(stack: Any, client: Any, contexts: Any, tmp_path: Any) -> None:
    design_id = published_design(client, stack, tmp_path, "web-jade")
    client.comment(design_id, "web-kim", "Gorgeous! Text me on +44 20 7946 0958 or kim@example.com", wait=True)
    page = contexts()
    page.goto(site(stack) + f"#/designs/{design_id}")
    expect(page.locator(".comment-text")).to_have_text("Gorgeous! Text me on [phone] or [email]")
    assert "kim@example.com" not in page.content()
