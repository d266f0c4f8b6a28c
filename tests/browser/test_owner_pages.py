"""The owner's page, upload titles, take-downs, quarantine and accounts in real headless Chromium.

Review queue: an unsure upload made through My uploads waits for review (the designer sees it live), the
owner opens the review from the email's link, sees the image, labels, reasons and deadline, and approves;
the task token never reaches the page. Quarantined uploads are never public; the owner sends one to review
and keeps it. A take-down removes the card from an open gallery live. Non-owners are refused. Customers
sign up and reset a password with the codes the local mailbox receives.
"""

from __future__ import annotations

import re
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, expect

from functions import names
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_gallery_pages import live, published_design, sign_in, site
from tests.conftest import jpeg

UNSURE = [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 61.0, "Parents": []}]}}]
EXPLICIT = [{"Name": "Explicit Nudity", "ParentName": "Explicit", "Confidence": 95.2, "TaxonomyLevel": 2}]
HOSTILE_TITLE = 'Rose <b>gold</b> & "chrome" <img src=x onerror=alert(1)>'


def upload_through_page(page: Page, tmp_path: Path, title: str, name: str) -> str:
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(jpeg(colour=(210, 90, 150)))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description (optional)").fill("Gold foil\non nude")
    page.locator("#upload-file").set_input_files(str(path))
    item = page.locator(".upload").first
    expect(item).to_have_attribute("data-photo-id", re.compile(".+"))
    return str(item.get_attribute("data-photo-id"))


def test_owner_decides_a_review_opened_from_the_email_link(
    stack: Any, client: Any, contexts: Any, tmp_path: Path, screenshot: Any
) -> None:
    designer = contexts()
    sign_in(designer, stack, client, "web-rue", names.GROUP_DESIGNER)
    live(designer)
    untitled = tmp_path / "untitled.jpg"
    untitled.write_bytes(jpeg())
    designer.get_by_label("Title").fill("   ")
    designer.locator("#upload-file").set_input_files(str(untitled))
    expect(designer.locator(".drop .form-message")).to_have_text("Give the design a title first.")
    assert designer.locator(".upload").count() == 0
    stack.ai.script("DetectLabels", UNSURE, match="/web-rue/")
    photo_id = upload_through_page(designer, tmp_path, HOSTILE_TITLE, "unsure")
    waiting = designer.locator(f'.upload[data-photo-id="{photo_id}"]')
    expect(waiting.locator(".status")).to_have_text("waiting for review")  # PhotoInReview arrived live
    expect(waiting.locator(".upload-title")).to_have_text(HOSTILE_TITLE)

    owner = contexts()
    owner.clock.install()  # real time flows; lets the test jump past the image URLs' lifetime
    sign_in(owner, stack, client, "web-boss", names.GROUP_OWNER)
    expect(owner.get_by_role("heading", name="Owner", exact=True)).to_be_visible()
    reads: list[str] = []
    owner.on("request", lambda r: reads.append(r.url) if r.url.endswith("/reviews") else None)
    owner.goto(site(stack) + f"reviews/{photo_id}")  # the link in the owner's email: a path, redirected
    assert owner.url.endswith(f"#/reviews/{photo_id}")
    review = owner.locator(f'.review[data-photo-id="{photo_id}"]')
    expect(review.locator("h3")).to_have_text(HOSTILE_TITLE)  # HTML in a title is text
    assert owner.locator(".review-body img, .review-body b").count() == 0
    expect(review.locator("img")).to_have_js_property("naturalWidth", 256)  # the presigned image loads
    expect(review.locator(".labels li").first).to_have_text("Manicure 61%")
    expect(review.locator(".meta")).to_contain_text("decide by")
    expect(review.locator(".reasons li").first).not_to_be_empty()
    token = client.aws("dynamodb").get_item(
        TableName=names.REVIEWS_TABLE, Key={"photoId": {"S": photo_id}}, ConsistentRead=True
    )["Item"]["taskToken"]["S"]
    assert token and token not in owner.content()
    screenshot(owner, "owner-review-desktop")

    first = len(reads)
    owner.clock.fast_forward("04:10")  # 250 s: past 80% of the 300 s image URLs
    deadline = time.monotonic() + 20
    while len(reads) <= first and time.monotonic() < deadline:
        owner.wait_for_timeout(200)
    assert len(reads) > first, "the page did not reload the review list before its image URLs expired"
    expect(review.locator("img")).to_have_js_property("naturalWidth", 256)

    owner.get_by_label("Note (shown to the designer)").fill("Lovely work")
    owner.get_by_role("button", name="Approve").click()
    expect(owner.locator(".decided")).to_contain_text("approved")
    assert token not in owner.content()

    expect(designer.locator(f'.upload.published[data-photo-id="{photo_id}"]')).to_have_count(1)
    visitor = contexts(PHONE)
    visitor.goto(site(stack) + f"#/designs/{photo_id}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(HOSTILE_TITLE)
    expect(visitor.locator(".description")).to_have_text("Gold foil\non nude")
    assert visitor.locator("main").inner_text().count("by web-rue") == 1  # the byline once
    visitor.goto(site(stack))
    expect(visitor.locator(f'[data-design-id="{photo_id}"] .card-title')).to_have_text(HOSTILE_TITLE)
    src = visitor.locator(f'[data-design-id="{photo_id}"] img').get_attribute("src")
    assert src == f"images/{photo_id}"  # public images are site paths: nothing in them expires


def test_a_quarantined_upload_is_never_public_and_the_owner_keeps_it(
    stack: Any, client: Any, contexts: Any, tmp_path: Path, screenshot: Any
) -> None:
    shown = published_design(client, stack, tmp_path, "web-qia")
    stack.ai.script("DetectModerationLabels", [{"result": {"ModerationLabels": EXPLICIT}}], match="/web-qia/")
    path = tmp_path / "withheld.jpg"
    path.write_bytes(jpeg(colour=(10, 200, 10)))
    withheld = client.upload(path, "web-qia", wait=True, title="Withheld one")
    assert withheld["verdict"] == "quarantined"
    qid = withheld["photoId"]
    visitor = contexts()
    visitor.goto(site(stack))
    live(visitor)
    expect(visitor.locator(f'[data-design-id="{shown}"]')).to_be_visible()
    assert visitor.locator(f'[data-design-id="{qid}"]').count() == 0
    visitor.locator(f'[data-design-id="{shown}"] .card-by').click()
    expect(visitor.get_by_role("heading", name="Designs by web-qia")).to_be_visible()
    expect(visitor.locator(f'[data-design-id="{shown}"]')).to_be_visible()
    assert visitor.locator(f'[data-design-id="{qid}"]').count() == 0
    visitor.goto(site(stack) + f"#/designs/{qid}")
    expect(visitor.get_by_role("heading", name="Design not found")).to_be_visible()
    assert visitor.evaluate("async (id) => (await fetch('images/' + id)).status", qid) == 404
    assert requests.get(site(stack) + f"images/{qid}", timeout=5).status_code == 404

    owner = contexts()
    sign_in(owner, stack, client, "web-boss", names.GROUP_OWNER)
    item = owner.locator(f'#owner-quarantine .review[data-photo-id="{qid}"]')
    expect(item.locator("h3")).to_have_text("Withheld one")
    expect(item.locator("img")).to_have_js_property("naturalWidth", 256)
    expect(item.locator(".reasons li").first).not_to_be_empty()
    expect(owner.locator("#owner-insights h3").first).to_be_visible()
    for chart in ("chart-customers", "chart-satisfaction", "chart-sentiment"):  # drawn by the vendored Chart.js
        owner.wait_for_function("(id) => window.Chart && window.Chart.getChart(id) !== undefined", arg=chart)
    inked = owner.evaluate(
        "() => { const c = document.getElementById('chart-sentiment'); const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0;"
        " return n; }"
    )
    assert inked > 500  # the doughnut is on the canvas, not only registered
    assert "null" not in owner.locator("main").inner_text() and "undefined" not in owner.locator("main").inner_text()
    screenshot(owner, "owner-desktop")
    item.get_by_label("Why release it?").fill("Looks like a false alarm")
    item.get_by_role("button", name="Send to review for release").click()
    queued = owner.locator(f'#owner-reviews .review[data-photo-id="{qid}"]')
    expect(queued).to_be_visible()
    queued.get_by_role("button", name="Keep in quarantine").click()
    expect(owner.locator("#owner-reviews .decided")).to_contain_text("kept in quarantine")
    assert requests.get(site(stack) + f"images/{qid}", timeout=5).status_code == 404
    visitor.goto(site(stack))
    expect(visitor.locator(f'[data-design-id="{shown}"]')).to_be_visible()
    assert visitor.locator(f'[data-design-id="{qid}"]').count() == 0


def test_a_take_down_removes_the_card_from_an_open_gallery(
    stack: Any, client: Any, contexts: Any, tmp_path: Path
) -> None:
    design_id = published_design(client, stack, tmp_path, "web-tad")
    visitor = contexts(PHONE)
    visitor.goto(site(stack))
    live(visitor)
    card = visitor.locator(f'[data-design-id="{design_id}"]')
    expect(card).to_be_visible()
    owner = contexts()
    sign_in(owner, stack, client, "web-boss", names.GROUP_OWNER)
    row = owner.locator(f'#owner-take-down tr[data-design-id="{design_id}"]')
    row.get_by_role("button").click()
    expect(owner.locator("#owner-take-down .form-message.error")).to_contain_text("reason")
    owner.get_by_label("Reason for a take-down (shown to the designer)").fill("Copied from another salon")
    row.get_by_role("button").click()
    expect(row).to_contain_text("was taken down")
    expect(card).to_have_count(0)  # removed live, no reload
    assert visitor.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_the_owner_page_refuses_others(stack: Any, client: Any, contexts: Any, screenshot: Any) -> None:
    page = contexts(PHONE)
    sign_in(page, stack, client, "web-cus", names.GROUP_CUSTOMER)
    page.goto(site(stack) + "#/owner")
    expect(page.get_by_role("heading", name="Owner only")).to_be_visible()
    expect(page.locator(".refused")).to_contain_text("not in the owner group")
    assert page.get_by_role("link", name="Owner").is_hidden()
    token = client.token("web-cus", names.GROUP_CUSTOMER)
    for path in ("/reviews", "/quarantine", "/insights"):
        assert client.api("GET", path, token).status_code == 403, path
    screenshot(page, "owner-refused-phone")


def latest_code(mailbox: Path, to: str, after: float) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for path in sorted(mailbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            if path.stat().st_mtime < after:
                break
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if message["To"] == to:
                found = re.search(r"code is (\d{6})", message.get_content())
                if found:
                    return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code emailed to {to}")


def test_sign_up_and_password_reset_with_codes_from_the_mailbox(
    stack: Any, client: Any, contexts: Any, screenshot: Any
) -> None:
    mailbox = Path(client.endpoints.mailbox)
    page = contexts(DESKTOP)
    page.goto(site(stack) + "#/sign-in")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("web-newbie")
    page.get_by_label("Email").fill("newbie@example.com")
    page.get_by_label("Password").fill("Nails-4-ever!")
    started = time.time() - 1
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("emailed a code")
    code = latest_code(mailbox, "newbie@example.com", started)
    page.get_by_label("Code from the email").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("not the one we sent")
    page.get_by_label("Code from the email").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".done")).to_contain_text("account is ready")
    screenshot(page, "sign-up-desktop")
    idp = client.aws("cognito-idp")
    groups = idp.admin_list_groups_for_user(UserPoolId=client.endpoints.user_pool_id, Username="web-newbie")
    assert [g["GroupName"] for g in groups["Groups"]] == [names.GROUP_CUSTOMER]

    page.goto(site(stack) + "#/forgot-password")
    page.get_by_label("Username or email").fill("web-newbie")
    started = time.time() - 1
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("alert")).to_contain_text("code is on its way")
    code = latest_code(mailbox, "newbie@example.com", started)
    page.get_by_label("Code from the email").fill(code)
    page.get_by_label("New password").fill("Polish-2-shine!")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator(".done")).to_contain_text("password is changed")
    page.goto(site(stack) + "#/sign-in")
    page.get_by_label("Username or email").fill("web-newbie")
    page.get_by_label("Password").fill("Polish-2-shine!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    headers = requests.post(
        client.endpoints.moto,
        json={"ClientId": client.endpoints.user_pool_client_id, "Username": "web-newbie"},
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ForgotPassword",
        },
        timeout=5,
    ).headers
    assert not any("confirmation-code" in k.lower() for k in headers)  # moto's code header never leaves
