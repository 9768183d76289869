"""The legal-model example end to end through the real ``ccsi-dao`` command: deploy ``examples/legal-model.yaml``
(founders' consent and a double majority on constitutional decisions), propose the choice of the centre's legal
model with each option's statute as its action, vote as several partners, read the progress per chamber and per
option in ``proposals show``, then queue and execute: only the winner's statute is adopted. Then a text-only
choice of the management structure with approval voting, and the mistakes a partner can make on a choice (one
sentence, exit 2, nothing sent)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.anvil import start_anvil
from tests.support.cli import Cli, Rpc, dev_account, write_keystore

pytestmark = pytest.mark.slow

LEGAL_MODEL = ROOT / "examples" / "legal-model.yaml"
ALIASES = {"deployer": 0, "sda": 1, "navw": 2, "ministry": 3, "plovdiv": 4, "sofia": 5, "university": 6,
           "zaedno": 7, "bcnl": 8}  # fmt: skip
FORMS = ("Association", "Cooperative", "Foundation", "Public-private partnership")
VOTING_DELAY, TIMELOCK_DELAY = 3600, 2 * 86400  # legal-model.yaml: 1 h, 2 d


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, Rpc, Path]]:
    """The legal-model consortium deployed through the CLI on an anvil of this module, with every partner's key
    and one statute per legal form."""
    proc, url = start_anvil()
    rpc = Rpc(url)
    rpc("anvil_setBlockTimestampInterval", 1)
    folder = tmp_path_factory.mktemp("legal-model")
    for alias, index in ALIASES.items():
        write_keystore(folder / "home", alias, dev_account(index).key)
    for form in FORMS:
        (folder / f"statute-{form.split()[0].lower()}.md").write_text(f"# Statute of CCSI Bulgaria as {form}\n")
    cli = Cli(folder / "home", url, cwd=folder)
    cli.ok("deploy", str(LEGAL_MODEL), "--from", "deployer")  # the real ccsi-dao process
    cli.in_process = True  # from here each command in a fork of this process, through the same entry point
    yield cli, rpc, folder
    proc.terminate()
    proc.wait(timeout=10)


def _choice_args(folder: Path) -> list[str]:
    args = ["propose", "choice", "-d", "Legal model of the Competence Centre"]
    for form in FORMS:
        statute = folder / f"statute-{form.split()[0].lower()}.md"
        args += ["--option", form, "--action", f"{form}: amend --document {statute}"]
    return args


def test_legal_model_choice(deployed: tuple[Cli, Rpc, Path]) -> None:
    cli, rpc, folder = deployed
    with rpc.rolled_back():
        proposed = cli.ok(*_choice_args(folder), "--from", "sda", "--yes")
        assert proposed.stdout.startswith("category: constitutional (decided by the governor from the actions)\n")
        assert "  1. offer a choice among 4 options" in proposed.stdout
        rpc.advance(VOTING_DELAY + 1)

        # the founders agree first: no founder against, but the double majority is not there yet
        ballot = folder / "ballot-navw.json"
        cli.ok_all(
            ("vote", "1", "--option", "cooperative", "--from", "sda"),
            ("vote", "1", "--option", "2", "--sign-only", "--out", str(ballot), "--from", "navw",
             "--reason", "members own it"),
            ("vote", "1", "for", "--option", "Cooperative", "--from", "ministry"),
        )  # fmt: skip
        assert json.loads(ballot.read_text())["options"] == [1]
        relayed = cli.ok("relay", str(ballot), "--from", "plovdiv")  # a signed ballot for an option, relayed
        assert "voted for on #1" in relayed.stdout
        shown = cli.ok("proposals", "show", "1").stdout
        assert "options:\n  1. Association: actions 2\n  2. Cooperative: actions 3\n" in shown
        assert "option 2, Cooperative: 8 for, does not qualify" in shown
        assert "ok founding partners: 0 against, 8 for: not blocked (any vote against blocks)" in shown
        assert "-- all members: 3 of 8 members for, needs at least 55% of 8 (5)" in shown
        assert "-- all members: 8 of 16 votes for, needs at least 65% of 16 (11)" in shown
        assert "no option qualifies so far: nothing would be executed" in shown
        rows = [" ".join(line.split()) for line in shown.splitlines()]
        assert "Sofia Development Association 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 for Cooperative 3 -" in rows
        assert any(r.endswith("for Cooperative (ballot) 2 members own it") for r in rows)

        # the partners: one municipality prefers an association, the law centre abstains; still open
        cli.ok_all(
            ("vote", "1", "--option", "Association", "--from", "sofia"),
            ("vote", "1", "abstain", "--from", "bcnl"),
        )
        cli.ok("vote", "1", "--option", "Cooperative", "--from", "plovdiv")
        data = cli.ok("proposals", "show", "1", "--json").json()
        assert data["state"] == "active" and data["outcome"]["certain"] == "open"
        assert "   -- all members: 4 of 8 members for, needs at least 55% of 8 (5)" in data["progress"]
        # the university brings the double majority: the outcome is certain and voting closes early
        cli.ok("vote", "1", "--option", "coop", "--from", "university")
        data = cli.ok("proposals", "show", "1", "--json").json()
        assert [(o["label"], o["votes"]) for o in data["options"]] == [
            ("Association", 2), ("Cooperative", 12), ("Foundation", 0), ("Public-private partnership", 0)
        ]  # fmt: skip
        assert data["state"] == "succeeded" and data["outcome"]["winner"] == "Cooperative"
        assert "   ok all members: 5 of 8 members for, needs at least 55% of 8 (5)" in data["progress"]
        assert "   ok all members: 12 of 16 votes for, needs at least 65% of 16 (11)" in data["progress"]
        assert data["progress"][-1] == "winner so far: Cooperative (certain: the votes not cast cannot change it)"
        late = cli.run("vote", "1", "--option", "Cooperative", "--from", "zaedno")
        assert late.code == 2 and "closed early" in late.stderr, str(late)

        # only the winner's statute is queued and adopted
        cli.ok("queue", "1", "--from", "sda")
        rpc.advance(TIMELOCK_DELAY + 1)
        cli.ok("execute", "1", "--from", "sda")
        versions = cli.ok("agreement", "versions", "--json").json()
        statute = (folder / "statute-cooperative.md").read_bytes()
        assert len(versions) == 2 and versions[1]["sha256"] == "0x" + hashlib.sha256(statute).hexdigest()
        assert versions[1]["uri"] == "statute-cooperative.md"


def test_management_structure_by_approval_voting(deployed: tuple[Cli, Rpc, Path]) -> None:
    """A text-only choice (ordinary) where a ballot may approve two structures; a tie at the top decides nothing."""
    cli, rpc, _folder = deployed
    with rpc.rolled_back():
        structures = ("General assembly and board", "Board and executive director", "Steering committee")
        args = ["propose", "choice", "-d", "Management structure", "--max-selections", "2"]
        for label in structures:
            args += ["--option", label]
        proposed = cli.ok(*args, "--from", "ministry", "--yes")
        assert proposed.stdout.startswith("category: ordinary")
        rpc.advance(VOTING_DELAY + 1)
        cli.ok_all(
            ("vote", "1", "--option", "1", "--option", "2", "--from", "sda"),  # weight 3
            ("vote", "1", "--option", "2", "--from", "ministry"),  # weight 3
            ("vote", "1", "--option", "1", "--from", "plovdiv"),  # weight 2, 1 ties with 2
            ("vote", "1", "against", "--from", "bcnl"),
        )
        data = cli.ok("proposals", "show", "1", "--json").json()
        assert [o["votes"] for o in data["options"]] == [5, 6, 0]
        assert data["outcome"]["winner"] == "Board and executive director"
        cli.ok("vote", "1", "--option", "1", "--from", "zaedno")  # weight 1: 6 and 6
        data = cli.ok("proposals", "show", "1", "--json").json()
        assert data["outcome"]["winner"] is None and data["outcome"]["tie"]
        assert data["outcome"]["words"].startswith(
            "no winner so far: General assembly and board and Board and executive director tie at the top with 6 each"
        )
        rpc.advance(7 * 86400 + 1)  # the voting period ends on the tie: defeated, nothing to queue
        refused = cli.run("queue", "1", "--from", "ministry")
        assert refused.code == 2 and refused.stderr.startswith(
            "error: proposal #1 was defeated (no winner so far: General assembly and board and Board and executive "
            "director tie at the top with 6 each, and a tie decides nothing"
        ), str(refused)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("vote", "1", "--option", "Company", "--from", "sda"),
         "error: this choice has no option 'Company'; it offers 1. Association, 2. Cooperative, 3. Foundation, "
         "4. Public-private partnership\n"),
        (("vote", "1", "--option", "1", "--option", "2", "--from", "sda"),
         "error: a ballot on this proposal may select one option, not 2\n"),
        (("vote", "1", "against", "--option", "1", "--from", "sda"),
         "error: options go with a vote for; a vote against is against or abstains on all of them\n"),
        (("vote", "1", "--option", "7", "--from", "sda"),
         "error: option 7 does not exist: this choice offers options 1 to 4\n"),
        (("vote", "1", "for", "--from", "sda"),
         "error: this proposal is a choice: a vote for names the option(s) it is for\n"),
    ],
)  # fmt: skip
def test_bad_votes_on_a_choice(deployed: tuple[Cli, Rpc, Path], args: tuple[str, ...], message: str) -> None:
    cli, rpc, folder = deployed
    with rpc.rolled_back():
        cli.ok(*_choice_args(folder), "--from", "sda", "--yes")
        rpc.advance(VOTING_DELAY + 1)
        before = rpc.block_number()
        result = cli.run(*args)
        assert (result.code, result.stderr) == (2, message), str(result)
        assert rpc.block_number() == before


def test_bad_choices(deployed: tuple[Cli, Rpc, Path]) -> None:
    """A choice the governor would refuse is one sentence and nothing is sent."""
    cli, rpc, _folder = deployed
    before = rpc.block_number()
    cases = {
        ("propose", "choice", "-d", "Q", "--option", "Only one", "--from", "sda", "--yes"):
            "error: a choice offers 2 to 10 options, not 1: repeat --option for each\n",
        ("propose", "choice", "-d", "Q", *[a for i in range(11) for a in ("--option", f"Form {i}")], "--from", "sda"):
            "error: a choice offers 2 to 10 options, not 11: repeat --option for each\n",
        ("propose", "choice", "-d", "Q", "--option", "A", "--option", "B", "--max-selections", "3", "--from", "sda"):
            "error: a ballot may select 1 to 2 options, not 3\n",
        ("propose", "choice", "-d", "Q", "--option", "A", "--option", "a", "--from", "sda", "--yes"):
            "error: option 'A' is offered twice; give each option a different label\n",
        ("propose", "choice", "-d", "Q", "--option", "A", "--option", "B", "--action", "C: transfer sda 1",
         "--from", "sda"):
            "error: --action 'C: transfer sda 1' names no option: begin it with an option's label or number and a "
            "colon, such as \"A: transfer ADDRESS 1.5\"\n",
        ("propose", "choice", "-d", "Q", "--option", "A", "--option", "B", "--action", "A: signal -d x",
         "--from", "sda"):
            "error: --action 'A: signal -d x': 'signal' is not an action an option can have; use one of admit, amend",
    }  # fmt: skip
    for args, message in cases.items():
        result = cli.run(*args)
        assert result.code == 2 and result.stderr.startswith(message), str(result)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, str(result)
    assert rpc.block_number() == before


def test_rule_changes_keep_the_entrenched_conditions(deployed: tuple[Cli, Rpc, Path]) -> None:
    """A rule change from an agreement file carries its chamber conditions; one that drops the founders' consent,
    which the agreement entrenched, is refused before anything is sent."""
    cli, rpc, folder = deployed
    text = LEGAL_MODEL.read_text()
    founders = "      - {members: founding partners, blocking: any against, entrenched: true}\n"
    assert founders in text
    (folder / "legal-model-agreement.md").write_text((LEGAL_MODEL.parent / "legal-model-agreement.md").read_text())
    (folder / "weaker.yaml").write_text(text.replace(founders, ""))
    (folder / "stricter.yaml").write_text(text.replace("support: at least 55%", "support: at least 3/5"))
    before = rpc.block_number()
    refused = cli.run("propose", "rules", "constitutional", "--agreement", str(folder / "weaker.yaml"),
                      "--from", "sda", "--yes")  # fmt: skip
    assert (refused.code, refused.stderr) == (2, (
        "error: the constitutional rule would drop or weaken the entrenched condition on founding partners: any "
        "vote against blocks; a rule change must keep it at least as strict\n")), str(refused)  # fmt: skip
    assert rpc.block_number() == before
    with rpc.rolled_back():
        proposed = cli.ok("propose", "rules", "constitutional", "--agreement", str(folder / "stricter.yaml"),
                          "--from", "sda", "--yes")  # fmt: skip
        assert "all members (counted by members): at least 60% of their members are for" in proposed.stdout
        assert "founding partners: any vote against blocks" in proposed.stdout
        assert "approval voting on choices allowed" in proposed.stdout
