"""Ranking hunts by fit: platforms from the text, platforms of rules, evidence, cap, floor, why."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ttpmap._brief import brief_schema
from ttpmap._exceptions import InvalidParameterError
from ttpmap._results import Evidence, Technique
from ttpmap.hunts._rank import evidence_strength, infer_platforms, rule_platform, tools_in


@pytest.mark.parametrize(
    ("text", "platforms"),
    [
        ("The loader runs powershell.exe from WINWORD.EXE on Windows 10.", {"windows"}),
        ("A crontab entry on the Ubuntu host re-downloads the miner into /tmp/.", {"linux"}),
        ("The DMG asks for the password with osascript and reads the keychain.", {"macos"}),
        ("On macOS, the command pipes a script from curl to bash, which writes to /tmp/.", {"macos"}),
        ("The macOS and Ubuntu builds both drop the miner into /tmp/.", {"macos", "linux"}),
        ("The script is piped to bash and copied into /tmp/.", {"linux"}),
        ("They used the EC2 role's keys to list S3 buckets.", {"cloud"}),
        ("The attacker created an inbox rule in Microsoft 365.", {"saas"}),
        ("Ivanti Connect Secure appliances were exploited.", {"network"}),
        ("Attackers exploited on-premises SharePoint Server farms.", {"windows"}),
        ("The stolen token opened files in SharePoint Online.", {"saas"}),
        ("They browsed the victim's SharePoint sites.", set()),
        ("The package was published to the npm registry.", set()),
        ("The group sent emails to a list of targets.", set()),
        ("Its MAC address and the s3 key were logged.", set()),
        ("Through a group policy the IAM user held iam:* in AWS.", {"cloud"}),
        ("A Group Policy Object pushed the script to every computer.", {"windows"}),
        # a router's own shell and folders are the device's; an appliance's shell is a Linux host's
        ("The implant on the routers appends a line to /etc/rc.local and runs from /tmp/.", {"network"}),
        ("The routers forward traffic to Ubuntu servers, where cron re-runs /tmp/x.", {"network", "linux"}),
        ("On the BIG-IP appliances the actor ran bash and wrote to /etc/.", {"network", "linux"}),
    ],
)
def test_infer_platforms(text, platforms):
    assert set(infer_platforms(text)) == platforms


def _sentences(*parts: str) -> tuple[str, list[Evidence]]:
    text, out = "", []
    for part in parts:
        start = len(text) + (1 if text else 0)
        text = f"{text} {part}" if text else part
        out.append(Evidence(part, start, len(text)))
    return text, out


@pytest.mark.parametrize(
    ("parts", "platforms"),
    [
        (("The loader runs on Windows.", "On macOS and Linux the added code does nothing."), {"windows"}),
        (("The implant targets Windows servers.", "Linux hosts are not affected."), {"windows"}),
        (("The backdoor doesn't run on macOS.", "On Linux it adds a cron job."), {"linux"}),
        (("It cannot spread further.", "On Ubuntu it adds a crontab entry."), {"linux"}),
    ],
)
def test_a_sentence_that_denies_its_platforms_does_not_count(parts, platforms):
    text, sentences = _sentences(*parts)
    assert set(infer_platforms(text, sentences)) == platforms


def test_platform_evidence_is_the_sentence():
    text = "First sentence here. Then the actor ran schtasks on the server."
    sentences = [Evidence(text[0:20], 0, 20), Evidence(text[21:], 21, len(text))]
    assert infer_platforms(text, sentences)["windows"] == sentences[1]


@pytest.mark.parametrize(
    ("logsource", "platform"),
    [
        (("process_creation", "windows", ""), "windows"),
        (("file_event", "linux", ""), "linux"),
        (("process_creation", "macos", ""), "macos"),
        (("", "aws", "cloudtrail"), "cloud"),
        (("", "azure", "signinlogs"), "saas"),
        (("", "m365", "exchange"), "saas"),
        (("proxy", "", ""), None),
        (("webserver", "", ""), None),
    ],
)
def test_rule_platform(logsource, platform):
    assert rule_platform(logsource) == platform


def test_tools_in_skips_generic_shells_and_long_lists():
    assert tools_in({"kql": 'FolderPath endswith "\\\\certutil.exe"'}) == {"certutil"}
    both = 'FolderPath endswith "\\\\powershell.exe" or FolderPath endswith "\\\\certutil.exe"'
    assert tools_in({"kql": both}) == {"certutil"}
    assert tools_in({"kql": 'FolderPath endswith "\\\\powershell.exe"'}) == {"powershell"}
    many = " ".join(f'"\\\\tool{i}.exe"' for i in range(12))
    assert tools_in({"kql": many}) == frozenset()


def test_a_hunt_for_powershell_alone_fits_less_where_powershell_is_not_named():
    from ttpmap.hunts._rank import article_words, fit

    tech = Technique("T1105", "", (), 0.7, (Evidence("The second script downloads the payload.", 0, 40),))
    shells = frozenset({"powershell", "pwsh"})
    silent = fit([(tech, 1.0)], "windows", shells, {}, article_words("wscript.exe downloads it"))
    named = fit([(tech, 1.0)], "windows", shells, {}, article_words("powershell.exe downloads it"))
    assert silent.score == pytest.approx(0.8 * named.score)
    assert named.tools == ()  # a named shell adds nothing


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (
            "- Using that session the actor enrolled a new device for the user, so that it kept access.",
            "prose",
        ),
        ("2. The DLL copies both files to the user's folder and adds a Run key value.", "prose"),
        ("- T1105 Ingress Tool Transfer: the loader downloads the payload over HTTPS.", "list"),
        ("- Ingress Tool Transfer", "list"),
        ("| T1105 | the loader downloads the payload over HTTPS from a server. |", "list"),
    ],
)
def test_a_bullet_that_tells_what_happened_is_prose(line, kind):
    tech = Technique("T1105", "", (), 0.7, (Evidence(line, 0, len(line)),))
    assert evidence_strength(tech)[2] == kind


def test_prose_evidence_beats_a_list_line():
    prose = Technique("T1105", "", (), 0.7, (Evidence("The script downloads the payload with curl.", 0, 43),))
    listed = Technique("T1105", "", (), 0.7, (Evidence("- T1105 Ingress Tool Transfer", 0, 29),))
    assert evidence_strength(prose)[0] > evidence_strength(listed)[0]
    assert evidence_strength(prose)[2] == "prose"
    assert evidence_strength(listed)[2] == "list"


LINUX_ARTICLE = (
    "The intruders logged on to the Ubuntu server over SSH. They added a crontab entry that downloads "
    "the miner with wget every ten minutes."
)


def _tech(tid: str, confidence: float, sentence: str, source: str = "model", article: str = "") -> Technique:
    """A technique whose evidence is `sentence`, at its place in `article` (else at offset 0)."""
    start = article.index(sentence) if article else 0
    return Technique(
        tid, "", (), confidence, (Evidence(sentence, start, start + len(sentence)),), source=source
    )


def test_recommend_drops_hunts_for_other_platforms(pack):
    techs = [
        _tech("T1053.003", 0.7, "They added a crontab entry that downloads the miner every ten minutes."),
        _tech(
            "T1105", 0.7, "They added a crontab entry that downloads the miner with wget every ten minutes."
        ),
    ]
    everything = {h.id for h in pack.hunts_for(techs)}
    assert "UC_CERTUTIL_DOWNLOAD" in everything  # Windows tool transfer, before ranking
    rec = pack.recommend(techs, LINUX_ARTICLE)
    ids = [h.id for h in rec.hunts]
    assert "UC_CERTUTIL_DOWNLOAD" not in ids
    assert "UC_CRON_PERSISTENCE" in ids[:2]
    assert rec.left_out >= 1
    assert [h.rank for h in rec.hunts] == list(range(1, len(rec.hunts) + 1))
    why = rec.hunts[0].why
    assert why is not None
    assert why["platform_match"] == "match"
    assert why["platform"] == "linux"
    assert why["evidence_kind"] == "prose"
    assert why["text"]


def test_recommend_cap_counts_what_it_leaves_out(pack):
    techs = [_tech("T1059.001", 0.8, "The macro starts PowerShell with an encoded command on Windows.")]
    full = pack.recommend(techs, "The macro starts PowerShell with an encoded command on Windows.")
    capped = pack.recommend(
        techs, "The macro starts PowerShell with an encoded command on Windows.", max_hunts=1
    )
    assert len(full.hunts) >= 2
    assert [h.id for h in capped.hunts] == [full.hunts[0].id]
    assert capped.over_cap == len(full.hunts) - 1
    assert capped.left_out == full.left_out + capped.over_cap


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_recommend_rejects_a_bad_cap(pack, bad):
    with pytest.raises(InvalidParameterError, match="max_hunts"):
        pack.recommend([], "text", max_hunts=bad)


def test_analyzer_max_hunts_caps_the_brief_and_markdown_shows_five():
    from ttpmap import Analyzer

    text = (
        "The phishing e-mail carried a Word document whose macro started powershell.exe with an encoded "
        "command. The script downloaded a loader with certutil and ran it with rundll32. The actor dumped "
        "LSASS memory with procdump, deleted shadow copies with vssadmin and encrypted the file servers, "
        "leaving a ransom note. Persistence was a scheduled task created with schtasks on Windows hosts."
    )
    brief = Analyzer().analyze(text)
    assert len(brief.hunts) > 5
    md = brief.to_markdown()
    section = md.split("## Recommended hunts", 1)[1].split("\n## ", 1)[0]
    assert sum(line.startswith("### ") for line in section.splitlines()) == 5
    assert "more hunt(s) in the JSON brief" in section
    assert "_Why (rank 1):_" in section
    doc = brief.to_dict()
    jsonschema.validate(doc, brief_schema())
    assert [h["rank"] for h in doc["hunts"]] == list(range(1, len(brief.hunts) + 1))
    capped = Analyzer(max_hunts=2).analyze(text)
    assert [h.id for h in capped.hunts] == [h.id for h in brief.hunts[:2]]
    assert capped.hunts_left_out == brief.hunts_left_out + len(brief.hunts) - 2
    assert json.loads(capped.to_json())["hunts_left_out"] == capped.hunts_left_out


def test_analyzer_rejects_a_bad_max_hunts():
    from ttpmap import Analyzer

    with pytest.raises(InvalidParameterError, match="max_hunts"):
        Analyzer(max_hunts=0)


def test_threat_names_from_an_emerging_threat_rule_folder():
    from ttpmap.hunts._rank import threat_names

    key = "sigmahq-rules/rules-emerging-threats/2018/TA/APT29-CozyBear/proc_creation_win_apt_apt29.yml"
    assert threat_names(key) == {"apt29-cozybear", "apt29", "cozybear"}
    assert threat_names("r/rules-emerging-threats/2025/Exploits/CVE-2025-33053/x.yml") == {"cve-2025-33053"}
    assert threat_names("x.yml") == frozenset()


def test_detection_observables_are_what_an_article_can_name():
    from ttpmap.hunts._rank import detection_observables

    detection = {
        "selection": {"EventID": 4625, "LogonType": [3, 10], "Image|endswith": "\\certutil.exe"},
        "selection_path": {"TargetFilename|contains": ["/root/.ssh/authorized_keys", "/tmp/"]},
        "selection_api": [{"eventName": "CreateAccessKey"}, {"CommandLine|re": "a+b"}],
        "filter_private": {"IpAddress|cidr": "10.0.0.0/8", "Image|endswith": "\\explorer.exe"},
        "filter_main": {"User": "backupsvc"},
        "condition": "selection and not 1 of filter_*",
    }
    assert detection_observables(detection) == (
        "4625",
        "certutil",
        "root/.ssh/authorized_keys",
        "createaccesskey",
    )


def test_named_in_counts_what_the_article_writes_as_written():
    from ttpmap.hunts._rank import article_words, named_in

    text = "Failed logons (event ID 4625) came before curl fetched 169.254.169.254; files were copied."
    observables = ("4625", "169.254.169.254", "curl", "copy", "462", "security-credentials")
    named = named_in(observables, text.lower(), article_words(text))
    assert named == ("169.254.169.254", "4625")  # curl: a tool every hunt lists; copy: a common verb


def test_one_phrase_counts_half_of_a_sentence_the_model_reads():
    sentence = "Once a password worked, the operators logged on over RDP before deploying ransomware."
    ev = Evidence(sentence, 0, len(sentence))
    phrase = Technique("T1486", "", (), 0.9, (ev,), source="phrase")
    model = Technique("T1486", "", (), 0.9, (ev,), source="model")
    other = Evidence("The ransomware encrypted every share on the file servers overnight.", 100, 167)
    phrase_twice = Technique("T1486", "", (), 0.9, (ev, other), source="phrase")
    assert evidence_strength(phrase)[0] == pytest.approx(evidence_strength(model)[0] / 2)
    assert evidence_strength(phrase_twice)[0] == evidence_strength(model)[0]


RDP_ARTICLE = (
    "Our honeypots recorded password guessing against Windows servers that expose Remote Desktop. "
    "Each address tried thousands of passwords, producing a flood of failed logons with event ID 4625. "
    "Once a password worked, the operators logged on over RDP and disabled the antivirus before "
    "deploying ransomware."
)


def _shown_by(tid: str, confidence: float, sentence: str, source: str) -> Technique:
    return _tech(tid, confidence, sentence, source, RDP_ARTICLE)


def test_a_hunt_for_the_event_id_the_article_names_outranks_one_generic_phrase(pack):
    techs = [
        _shown_by("T1486", 0.92, "Once a password worked, the operators logged on over RDP", "phrase"),
        _shown_by("T1110.001", 0.44, "Our honeypots recorded password guessing against Windows", "name"),
    ]
    ids = [h.id for h in pack.recommend(techs, RDP_ARTICLE).hunts]
    assert ids[0] == "UC_RDP_BRUTE_FORCE_FAILED_LOGON", ids
    brute = pack.recommend(techs, RDP_ARTICLE).hunts[0]
    assert brute.why is not None
    assert brute.why["named"] == ["4625"]
    assert "4625" in brute.why["text"]
    ransom = next(
        h for h in pack.recommend(techs, RDP_ARTICLE).hunts if h.why and h.why["technique"] == "T1486"
    )
    assert ransom.why is not None
    assert "one phrase" in ransom.why["text"]


def test_rule_info_keeps_its_observables_through_the_pack_cache():
    from ttpmap.hunts._pack import load_pack
    from ttpmap.hunts._rules import RuleInfo

    info = next(i for i, _ in load_pack() if i.label == "UC_RDP_BRUTE_FORCE_FAILED_LOGON")
    assert info.observables == ("4625",)
    assert RuleInfo.from_dict(info.to_dict()) == info


@pytest.mark.parametrize("value", ["\u00b2", "", "   ", 1.5, None, True, {"nested": "4625"}])
def test_detection_observables_take_odd_values_without_error(value):
    from ttpmap.hunts._rank import detection_observables

    assert detection_observables({"selection": {"EventID": value}, "condition": "selection"}) == ()


def test_a_hunt_for_tunnelling_tools_the_article_never_names_ranks_below_the_rdp_hunts(pack):
    # UC_RDP_TUNNEL looks for four programs (plink, ssh, chisel, ngrok) forwarding port 3389: an RDP
    # article that names none of them is not about a tunnel
    rdp = _shown_by("T1021.001", 0.75, "Once a password worked, the operators logged on over RDP", "model")
    brute = _shown_by("T1110.001", 0.67, "Our honeypots recorded password guessing against Windows", "model")
    ids = [h.id for h in pack.recommend([rdp, brute], RDP_ARTICLE).hunts]
    assert ids.index("UC_RDP_BRUTE_FORCE_FAILED_LOGON") < ids.index("UC_RDP_TUNNEL"), ids
    tunnel = RDP_ARTICLE.replace("logged on over RDP", "tunnelled RDP out with plink")
    ids = [h.id for h in pack.recommend([rdp, brute], tunnel).hunts]
    assert ids[0] == "UC_RDP_TUNNEL", ids


def test_detection_requirements_are_the_selections_an_article_must_name():
    from ttpmap.hunts._rank import detection_requirements

    office_child = {
        "selection_parent": {"ParentImage|endswith": ["\\WINWORD.EXE", "\\EXCEL.EXE"]},
        "selection_child": {"Image|endswith": ["\\cmd.exe", "\\certutil.exe"]},  # a shell: any article
        "filter_main": {"CommandLine|contains": "excel /safe"},
        "condition": "selection_parent and selection_child and not filter_main",
    }
    assert detection_requirements(office_child) == ((("excel", "winword"),),)
    either = {
        "selection_a": {"Image|endswith": "\\rubeus.exe"},
        "selection_b": {"CommandLine|contains": ["kerberoast", "asktgs"]},
        "condition": "1 of selection_*",
    }
    assert detection_requirements(either) == ((("asktgs", "kerberoast"),), (("rubeus",),))
    both = dict(either, condition="all of selection_*")
    assert detection_requirements(both) == ((("asktgs", "kerberoast"), ("rubeus",)),)
    assert detection_requirements(dict(either, condition="selection_a and (")) == ()
    assert detection_requirements({"selection": {"CommandLine|re": "a+"}, "condition": "selection"}) == ()


def test_what_an_article_names_counts_only_when_it_meets_the_hunts_condition(pack):
    # UC_PHISH_OFFICE_CHILD looks for Office applications starting certutil, schtasks and shells: a
    # batch file that runs certutil names certutil but no Office application
    batch = (
        "A ZIP attachment holds a batch file that copies itself to the Temp folder and runs certutil -decode "
        "to write a DLL, then creates a task with schtasks that loads it with regsvr32 at every logon."
    )
    macro = batch.replace("A ZIP attachment holds a batch file that", "A Word document's macro")
    phish = _tech("T1566.001", 0.8, batch.split(" that ")[0])
    phish_macro = _tech("T1566.001", 0.8, macro.split(" copies")[0])

    def office_child(article: str, tech: Technique):
        hunts = pack.recommend([tech], article).hunts
        return next(h for h in hunts if h.id == "UC_PHISH_OFFICE_CHILD")

    no_office = office_child(batch, phish)
    assert no_office.why is not None
    assert no_office.why["named"] == []
    assert "winword" in no_office.why["unmet"]
    assert "its query also needs one of" in no_office.why["text"]
    with_office = office_child(macro, phish_macro)
    assert with_office.why is not None
    assert with_office.why["named"] == ["certutil", "schtasks"]
    assert with_office.why["unmet"] == []
    assert with_office.why["fit"] > no_office.why["fit"]


def test_named_values_corroborate_a_technique_shown_by_one_phrase_on_the_articles_platform():
    from ttpmap.hunts._rank import fit

    sentence = "From a Windows jump server they ran nltest /dclist: and nltest /domain_trusts."
    tech = _tech("T1018", 0.8, sentence, "phrase")
    platforms = infer_platforms(sentence)
    words = frozenset(sentence.lower().split())
    one = fit([(tech, 0.8)], "windows", frozenset(), platforms, words, "T1018", ("nltest",))
    two = fit([(tech, 0.8)], "windows", frozenset(), platforms, words, "T1018", ("dclist", "nltest"))
    assert one.one_phrase
    assert not two.one_phrase
    assert two.score == pytest.approx(one.score * 2 * (1 + 2 * 0.5) / (1 + 0.5))
    elsewhere = fit([(tech, 0.8)], "linux", frozenset(), platforms, words, "T1018", ("dclist", "nltest"))
    assert elsewhere.one_phrase


def test_rule_info_keeps_its_requirements_through_the_pack_cache():
    from ttpmap.hunts._pack import load_pack
    from ttpmap.hunts._rules import RuleInfo

    info = next(i for i, _ in load_pack() if i.label == "UC_PHISH_OFFICE_CHILD")
    assert info.requires
    assert "winword" in info.requires[0][0]
    assert RuleInfo.from_dict(info.to_dict()) == info


def test_a_corpus_rule_meets_its_condition_only_when_the_article_names_each_part(tmp_path, catalog):
    from ttpmap.hunts import HuntLibrary

    (tmp_path / "office_certutil.yml").write_text(
        "title: Office starts certutil\n"
        "id: 5b6f3c3e-8f0e-4d55-9a51-2f1b1f0c2a11\n"
        "status: test\n"
        "tags:\n    - attack.t1140\n"
        "logsource:\n    category: process_creation\n    product: windows\n"
        "detection:\n"
        "    selection_parent:\n        ParentImage|endswith: '\\WINWORD.EXE'\n"
        "    selection_child:\n        Image|endswith: '\\certutil.exe'\n"
        "    condition: selection_parent and selection_child\n"
        "level: high\n",
        "utf-8",
    )
    library = HuntLibrary.from_directory(tmp_path, catalog)
    plain = "On Windows hosts the loader ran certutil -decode to write its DLL into the Temp folder."
    word = plain.replace("the loader ran", "a Word document's macro ran")
    for text, named in ((plain, []), (word, ["certutil"])):
        (hunt,) = library.recommend([_tech("T1140", 0.8, text)], text).hunts
        assert hunt.why is not None
        assert hunt.why["named"] == named


@pytest.mark.parametrize(
    ("hunt", "text"),
    [
        ("UC_LSASS_DUMP_COMMAND", "The operators ran Mimikatz against LSASS on every server."),
        ("UC_SCHTASK_CREATE", "A scheduled task runs the loader at every logon."),
        ("UC_REGISTRY_RUN_KEY", "The implant persists through a Run key under HKCU."),
    ],
)
def test_a_hunts_condition_is_met_by_what_people_call_its_values(hunt, text):
    from ttpmap.hunts._pack import load_pack
    from ttpmap.hunts._rank import article_words, named_in, unmet_requirement

    info = next(i for i, _ in load_pack() if i.label == hunt)
    lower, words = text.lower(), article_words(text)
    assert unmet_requirement(info.requires, named_in(info.observables, lower, words), lower, words) == ()
    unrelated = "The operators ran a loader on every server."
    lower, words = unrelated.lower(), article_words(unrelated)
    assert unmet_requirement(info.requires, named_in(info.observables, lower, words), lower, words) != ()
