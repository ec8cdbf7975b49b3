"""Short texts that tell no attack: advice, announcements, events and statistics."""

from __future__ import annotations

import pytest

from ttpmap._general import tells_no_attack


@pytest.mark.parametrize(
    "sentences",
    [
        ["How to configure multi-factor authentication for your tenant: a step-by-step guide."],
        ["Our gateway now scans QR codes inside PDF attachments, for all customers."],
        ["CISA urges organisations to keep offline backups before the holidays."],
        ["Ransomware payments fell by a third last year, according to a crime report."],
        ["CFP is open: we'd love talks on software supply chain attacks."],
        ["Organisations should block macros in files from the internet."],
        ["Webinar: building a career in threat intelligence.", "Register now, seats are limited."],
        ["Fewer companies are paying.", "The highest share on record refused to pay last quarter."],
        ["A man from Leeds was sentenced to six years for his part in a ransomware operation."],
        ["Police have arrested two suspects and charged them with running a phishing kit shop."],
        ["Councils barred from paying ransoms under new law."],
    ],
)
def test_advice_announcements_statistics_and_court_news_tell_no_attack(sentences):
    assert tells_no_attack(sentences)


@pytest.mark.parametrize(
    "sentences",
    [
        ["LockBit affiliates encrypted VMware ESXi hosts at a hospital chain."],
        ["Check Point found crafted subtitle files that exploit a flaw in media players."],
        # one sentence that tells what happened is enough
        ["How to stay safe from the new stealer.", "The stealer sends browser cookies to a Telegram bot."],
        # 'must' and 'should' in an account of malware (ATT&CK procedure examples, TRAM2 sentences)
        ["Dyre has been delivered with encrypted resources and must be unpacked for execution."],
        ["It checks the C2 server to determine if it should connect to the second stage."],
        ["The threat to Travelex comes after one of the most notable ransomware attacks of the year."],
        # callback phishing lures 'urge' their recipients: that is the attack
        ["Emails about a fake renewal urge recipients to phone a number and install AnyDesk."],
        # an arrest told together with what the suspects did
        ["Police arrested two suspects.", "They had phished bank customers with fake parcel-delivery texts."],
        ["The malware charged victims' cards and the gang encrypted their servers."],
        # a long article always tells one, whatever its sentences say
        ["You should patch."] * 4,
        [],
    ],
)
def test_a_text_that_tells_an_attack_or_is_long_does(sentences):
    assert not tells_no_attack(sentences)
