"""An officer in real Chromium makes a signing key (WebCrypto Ed25519, kept in IndexedDB and not
extractable), sends a signed protocol, and the station page shows that version signed with that key,
with a log entry and an inclusion proof that check out against the page's signed checkpoint.

Uses a withheld protocol of the commission's territory in a district contest (the other officer
tests take its list-contest ones).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from playwright.sync_api import Page, expect

import loopback
from saylau.model import Protocol
from saylau.store.canonical import dumps, protocol_message
from saylau.transparency.merkle import verify_inclusion
from saylau.transparency.note import Verifier, open_checkpoint

from .conftest import Site, screenshot


def field_id(field: str) -> str:
    return "#f-" + re.sub(r"[^a-zA-Z0-9_-]", "_", field)


def district_protocol(site: Site) -> Protocol:
    prefix = site.commission_territory + "-"
    found = [p for p in site.withheld if p.station.startswith(prefix) and p.contest != "mazhilis-list"]
    assert found, "the browser site should hold back a district protocol of the commission's region"
    return sorted(found, key=lambda p: (p.contest, p.station))[0]


def test_an_officer_signs_a_protocol_and_its_station_page_shows_it_signed(page: Page, site: Site) -> None:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    p = district_protocol(site)

    page.goto(site.base_url + "/en/officer/")
    page.get_by_label("Token").fill(site.tokens["commission"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in")).to_be_visible()
    expect(page.locator("#signing-key")).to_be_visible()
    expect(page.locator("#signing-key-status")).to_contain_text("No signing key in this browser")
    page.get_by_role("button", name="Make a signing key").click()
    status = page.locator("#signing-key-status")
    expect(status).to_contain_text("registered for")
    key_id = re.search(r"Signing key ([0-9a-f]{16})", status.inner_text()).group(1)
    screenshot(page, "officer-signing-key")

    # The private key is a CryptoKey the page can sign with but not read out.
    kept = page.evaluate(
        """async () => {
          const token = JSON.parse(await (await fetch('/api/v1/whoami', {headers: {Authorization:
            'Bearer ' + sessionStorage.getItem('saylau.officer.token')}})).text()).token;
          const record = await window.saylauSigning.load(token);
          let exported = 'exported';
          try { await crypto.subtle.exportKey('pkcs8', record.privateKey); }
          catch (e) { exported = e.name; }
          return {keyId: record.keyId, type: record.privateKey.type,
                  extractable: record.privateKey.extractable, exported: exported};
        }"""
    )
    assert kept == {
        "keyId": key_id,
        "type": "private",
        "extractable": False,
        "exported": "InvalidAccessError",
    }
    registered = loopback.get(f"{site.base_url}/api/v1/keys/{key_id}").json()
    assert registered["territory"] == site.commission_territory and registered["revoked_at"] is None

    page.get_by_role("link", name="Enter a protocol").first.click()
    expect(page.locator("#form-body")).to_be_visible()
    page.get_by_label("Contest").select_option(p.contest)
    expect(page.locator("#form-body")).to_be_visible()
    page.get_by_label("Polling station").select_option(p.station)
    expect(page.locator("#signing-state")).to_have_text(
        f"Each protocol is signed with key {key_id} before it is sent."
    )
    for name, value in p.lines.items():
        page.fill(field_id(f"lines.{name}"), str(value))
    for option, value in p.votes.items():
        page.fill(field_id(f"votes.{option}"), str(value))
    expect(page.locator("#check-summary")).to_contain_text("Every control relation holds.")
    page.get_by_role("button", name="Submit the protocol").click()
    expect(page.locator("#accepted")).to_be_visible()
    expect(page.locator("#accepted-text")).to_have_text("Accepted: version 1 stored.")
    expect(page.locator("#accepted-facts")).to_contain_text(key_id)
    screenshot(page, "officer-signed-accepted")

    # The server stored the signature the browser made, over the bytes docs/verification.md gives.
    admin = {"Authorization": f"Bearer {site.tokens['admin']}"}
    versions = loopback.get(
        f"{site.base_url}/api/v1/protocols",
        params={"station": p.station, "contest": p.contest},
        headers=admin,
    ).json()["contests"][0]["versions"]
    (version,) = versions
    assert version["signed"] and version["key_id"] == key_id
    seq = version["audit_seq"]
    (entry,) = loopback.get(
        f"{site.base_url}/api/v1/log/entries", params={"start": seq - 1, "end": seq}
    ).json()["entries"]
    doc = json.loads(entry["entry"])
    assert doc["signature"] == {"key": key_id, "value": version["signature"]}
    election = loopback.get(f"{site.base_url}/api/v1/election").json()["id"]
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(registered["public_key"]))
    public.verify(base64.b64decode(version["signature"]), protocol_message(election, dumps(doc["protocol"])))

    # The public station page: this version signed with that key, its entry and a working proof
    # against the signed checkpoint the page carries.
    public_page = page.context.new_page()
    station_url = f"{site.base_url}/en/station/{p.station}"
    public_page.goto(station_url)
    heading = public_page.locator(f"#p-{p.contest}-v1")
    expect(heading).to_be_visible()
    facts = heading.locator("xpath=following-sibling::dl[1]")
    expect(facts.locator("[data-signed=true]")).to_have_text("Signed")
    expect(facts).to_contain_text(key_id)
    checkpoint = public_page.locator("[data-checkpoint]")
    # the page of a snapshot that counted the new version: the whole ballot day's snapshot takes a
    # while on a busy machine, so wait by the clock, not by a count of tries
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if int((checkpoint.text_content() or "").split("\n")[1]) >= seq:
            break
        public_page.wait_for_timeout(200)
        public_page.goto(station_url)
    vkey = loopback.get(f"{site.base_url}/api/v1/log/key").text.strip()
    signed_tree = open_checkpoint(checkpoint.text_content() or "", Verifier.parse(vkey))
    assert signed_tree.size >= seq
    proof_link = facts.locator("[data-inclusion-proof]")
    href = proof_link.get_attribute("href")
    assert href == f"/api/v1/log/proof/inclusion?index={seq - 1}&size={signed_tree.size}"
    entry_link = facts.locator("[data-log-entry]").get_attribute("href")
    (linked,) = loopback.get(site.base_url + entry_link).json()["entries"]
    assert linked["entry"] == entry["entry"]
    proof_link.click()  # the link works in the browser too: the proof's JSON
    proof = json.loads(public_page.locator("body").inner_text())
    leaf = hashlib.sha256(b"\x00" + linked["entry"].encode()).digest()
    assert bytes.fromhex(proof["leaf_hash"]) == leaf and bytes.fromhex(proof["root"]) == signed_tree.root
    verify_inclusion(
        seq - 1, signed_tree.size, leaf, [bytes.fromhex(h) for h in proof["proof"]], signed_tree.root
    )
    public_page.goto(station_url)
    screenshot(public_page, "station-signed")
    public_page.close()
    assert refused == []


def test_an_officer_uploads_a_file_signed_protocol_by_protocol(page: Page, site: Site) -> None:
    prefix = site.commission_territory + "-"
    found = [p for p in site.withheld if p.station.startswith(prefix) and p.contest != "mazhilis-list"]
    p = sorted(found, key=lambda p: (p.contest, p.station))[1]
    page.goto(site.base_url + "/en/officer/")
    page.get_by_label("Token").fill(site.tokens["commission"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Make a signing key").click()
    status = page.locator("#signing-key-status")
    expect(status).to_contain_text("registered for")
    key_id = re.search(r"Signing key ([0-9a-f]{16})", status.inner_text()).group(1)
    page.goto(site.base_url + "/en/officer/upload")
    expect(page.locator("#signing-state")).to_have_text(
        f"Each protocol is signed with key {key_id} before it is sent."
    )
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["station", "contest", *p.lines, *p.votes])
    w.writerow([p.station, p.contest, *p.lines.values(), *p.votes.values()])
    page.get_by_label("File").set_input_files(
        files=[{"name": "signed.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-status-box")).to_contain_text("1 protocol(s) stored")
    admin = {"Authorization": f"Bearer {site.tokens['admin']}"}
    (version,) = loopback.get(
        f"{site.base_url}/api/v1/protocols",
        params={"station": p.station, "contest": p.contest},
        headers=admin,
    ).json()["contests"][0]["versions"]
    assert version["signed"] and version["key_id"] == key_id and version["source"] == "upload signed.csv"
