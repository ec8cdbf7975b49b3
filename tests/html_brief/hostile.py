"""A hostile article: markup and script that would mark the page if any of it ran."""

from __future__ import annotations

MARK = "document.body.setAttribute('data-pwned', '{}')"

TITLE = "<script>document.title = 'pwned'</script>Invoice lure</title><b>"

TEXT = f"""# Intrusion report <script>document.title = 'pwned'</script>

The actor sent a spearphishing attachment and ran PowerShell (T1059.001) to download a payload from
185.225.73[.]41 <img src=x onerror="{MARK.format("img")}"> and hxxp://evil-cdn[.]com/a.ps1"><svg onload="{MARK.format("svg")}">.

Victims were told to [open the invoice](javascript:{MARK.format("md-link")}) or
<a href="javascript:{MARK.format("a")}">click here</a>; the loader then encrypted the victims' files
with ransomware and deleted volume shadow copies with vssadmin.

<iframe srcdoc="<script>parent.{MARK.format("iframe")}</script>"></iframe>
<style>body {{ display: none }}</style>
"""
