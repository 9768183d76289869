"""The governance round: deploy, members, proposals, votes, ballots, queue, execute, cancel, proxies, resign.

Every string that comes from the chain (names, descriptions, reasons) is shown through ``common.shown`` (tables and
fields do it for every cell) or escaped in JSON by ``common.print_json``."""

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ccsi_dao.cli.common import (
    FromOpt,
    JsonOpt,
    PasswordFileOpt,
    YesOpt,
    confirm,
    consortium,
    done,
    handled,
    my_address,
    new_app,
    password_prompt,
    print_fields,
    print_json,
    print_table,
    save_index,
    settings,
    shown,
    tx_hash,
    tx_json,
    unlock,
)
from ccsi_dao.cli.options import AccountArg, account_argument

if TYPE_CHECKING:
    from ccsi_dao.governance.consortium import CastVote, Member, Proposal, ProposalStatus
    from ccsi_dao.governance.describe import ActionDescriber

ProposalArg = Annotated[str, typer.Argument(help="Proposal: its number in `proposals list`, or its full id.")]
WriteJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print what was sent and its transaction as JSON, for scripts.")
]
members_app = new_app("Show the consortium's members.")
proposals_app = new_app("Show proposals: state, category, votes, rules, actions, who voted how.")
proxy_app = new_app("Let another member vote with your power, or take it back.")


def when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M %Z") if timestamp else "-"


# ---------------------------------------------------------------------- deploy


def deploy(
    ctx: typer.Context,
    agreement: Annotated[Path, typer.Argument(help="The consortium agreement YAML file.")],
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an existing deployment record.")] = False,
    json_: WriteJsonOpt = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Finish a deployment that stopped half-way, from its record (nothing twice)."),
    ] = False,
    confirmations: Annotated[
        int, typer.Option("--confirmations", min=0, max=1000, help="Blocks to wait for after each transaction.")
    ] = 0,
    yes: YesOpt = False,
) -> None:
    """Deploy the consortium's contracts from its agreement; prove the deployer kept no power; save the record.

    Shows each transaction's gas, price and cost before sending, and asks (unless --yes or --json, CI or no
    terminal)."""
    from ccsi_dao.agreement import load_agreement
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance.deployment import PartialDeployment, SuiteParams, deploy_suite, plan_deployment

    if resume and replace:
        raise UserError("--resume finishes the recorded deployment and --replace starts a new one: give one of them")
    s = settings(ctx, account, password_file)
    s.confirmations = confirmations
    params = SuiteParams.from_agreement(load_agreement(agreement))
    path = s.deployment_path
    partial = None
    if resume:
        partial = PartialDeployment.load(path)
    elif path.exists() and not replace:
        if _unfinished(path):
            raise UserError(
                f"the deployment recorded at {path} did not finish; finish it with --resume, or start again with "
                "--replace"
            )
        raise UserError(
            f"a deployment record already exists at {path}; use --replace to overwrite it, "
            "or write another record with ccsi-dao --deployment PATH deploy ..."
        )
    chain = s.chain(partial.chain_id if partial else None)
    address = s.signer_address()
    deployer = None
    if address is None:  # a keystore that does not record its address (Foundry's): unlock it first
        deployer = s.signer(password_prompt())
        address = deployer.address
    plan = plan_deployment(chain, address, params, resume=partial)
    if not json_:
        _show_plan(plan, chain.balance(address))
    if plan.to_send:
        confirm(f"Send {len(plan.to_send)} transaction{'s' if len(plan.to_send) != 1 else ''}?", yes or json_)
    deployer = deployer or s.signer(password_prompt())
    path.parent.mkdir(parents=True, exist_ok=True)
    record = deploy_suite(chain, deployer, params, plan=plan, record_path=path)
    if json_:
        print_json({**record.model_dump(mode="json"), "record": str(path)})
        return
    done(f"deployed {record.consortium} on chain {record.chain_id} (block {record.block_number})")
    print_fields(
        [
            ("governor", record.governor),
            ("membership", record.membership),
            ("timelock", record.timelock),
            ("deployer", f"{record.deployer}: holds no role or privilege (checked)"),
            ("record", str(path)),
        ]
    )


def _unfinished(path: Path) -> bool:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8")).get("status") == "partial"
    except (OSError, ValueError, AttributeError):
        return False


def _show_plan(plan: Any, balance: int) -> None:
    """Each transaction still to send with its gas, price and cost, the total, and the deployer's balance;
    UserError if the deployer cannot pay."""
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance.deployment import currency

    unit = currency(plan.chain_id)
    fees = plan.fees
    price = _gwei(fees.expected) + (" (legacy)" if fees.legacy else f" (at most {_gwei(fees.cap)})")
    rows = []
    for step in plan.steps:
        if step.name in plan.done:
            state = "mined" if plan.done[step.name].block is not None else "sent, waiting"
            rows.append((step.action, "-", "-", f"done before ({state})"))
            continue
        gas = f"{step.gas:,}" if step.exact else f"~{step.gas:,}"
        rows.append((step.action, gas, price, f"{_coins(step.gas * fees.expected)} {unit}"))
    typer.echo(
        f"deploying {plan.params.name} to chain {plan.chain_id} from {plan.deployer}: "
        f"{len(plan.to_send)} transaction{'s' if len(plan.to_send) != 1 else ''} to send"
    )
    print_table(["transaction", "gas", "price per gas", "cost"], rows)
    typer.echo(
        f"total: {plan.gas:,} gas, about {_coins(plan.cost)} {unit} (at most {_coins(plan.max_cost)} {unit}); "
        f"the deployer holds {_coins(balance)} {unit}"
    )
    if plan.cost > balance:
        raise UserError(
            f"the deployer {plan.deployer} holds {_coins(balance)} {unit}, but the deployment costs about "
            f"{_coins(plan.cost)} {unit}: fund it first; nothing was sent"
        )


def _gwei(wei: int) -> str:
    return f"{wei / 10**9:.4g} gwei"


def _coins(wei: int) -> str:
    if wei == 0:
        return "0"
    return f"{wei / 10**18:.6f}".rstrip("0").rstrip(".") if wei >= 10**12 else f"{wei / 10**18:.3g}"


# ---------------------------------------------------------------------- members


def _member_json(m: "Member") -> dict[str, Any]:
    from ccsi_dao.types import group_name, role_name

    return {
        "address": m.address,
        "name": m.name,
        "role": role_name(m.role),
        "group": group_name(m.group),
        "status": m.status.name.lower(),
        "weight": m.weight,
        "constitutional_vote": m.constitutional_vote,
        "joined_at": m.joined_at,
        "proxy": m.proxy,
        "power": m.power,
    }


@members_app.command("list")
@handled
def members_list(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Every member: role, group, weight, whether it votes in constitutional decisions, status, proxy and voting
    power now."""
    members = [_member_json(m) for m in consortium(ctx).members()]
    if json_:
        print_json(members)
        return
    names = {m["address"]: m["name"] for m in members}
    print_table(
        ["name", "address", "role", "group", "weight", "constitutional", "status", "proxy", "power"],
        [
            (
                m["name"],
                m["address"],
                m["role"],
                m["group"],
                m["weight"],
                "yes" if m["constitutional_vote"] else "no",
                m["status"],
                (names.get(m["proxy"]) or m["proxy"]) if m["proxy"] else "-",
                m["power"],
            )
            for m in members
        ],
        flexible=("name", "proxy"),
        optional=("constitutional", "group", "weight", "proxy", "role"),
    )


@members_app.command("show")
@handled
def members_show(ctx: typer.Context, member: AccountArg, json_: JsonOpt = False) -> None:
    """One member's record (by address, name or keystore alias)."""
    dao = consortium(ctx)
    m = _member_json(dao.member(member))
    if json_:
        print_json(m)
        return
    m["joined_at"] = when(m["joined_at"]) if m["status"] != "none" else "-"
    if m["proxy"]:
        proxy_name = dao.member(m["proxy"]).name
        m["proxy"] = f"{m['proxy']} ({proxy_name})" if proxy_name else m["proxy"]
    print_fields(list(m.items()))


# ---------------------------------------------------------------------- proposals


class StateChoice(str, Enum):
    pending = "pending"
    active = "active"
    canceled = "canceled"
    defeated = "defeated"
    succeeded = "succeeded"
    queued = "queued"
    expired = "expired"
    executed = "executed"


def _proposal_json(p: "Proposal", number: int | None) -> dict[str, Any]:
    """Which proposal: what a person checks before acting on it (its title, category and full id)."""
    return {"number": number, "id": str(p.id), "title": p.text, "category": p.category.name.lower()}


def _status_json(describer: "ActionDescriber", st: "ProposalStatus", number: int | None = None) -> dict[str, Any]:
    from ccsi_dao.types import VoteType

    p = st.proposal
    share = st.approval_share
    return {
        "number": number,
        "id": str(p.id),
        "title": p.text,
        "proposer": p.proposer,
        "proposer_name": describer.name_of(p.proposer) or None,
        "state": st.state.name.lower(),
        "category": st.category.name.lower(),
        "votes": {
            "for": st.votes[VoteType.FOR],
            "against": st.votes[VoteType.AGAINST],
            "abstain": st.votes[VoteType.ABSTAIN],
        },
        "quorum": {"rule": str(st.quorum), "needed": st.quorum_votes, "cast": st.participation, "of": st.total_power},
        "approval": {"rule": str(st.approval), "share": str(share) if share else None},
        "snapshot": p.snapshot,
        "deadline": st.deadline,
        "eta": st.eta,
        "actions": [
            {
                "target": a.target,
                "value": str(a.value),
                "data": "0x" + a.data.hex(),
                "description": describer.describe(a),
            }
            for a in p.actions
        ],
    }


def _cast_json(v: "CastVote", names: dict[str, str]) -> dict[str, Any]:
    return {
        "voter": v.voter,
        "name": names.get(v.voter) or None,
        "vote": v.support.name.lower(),
        "weight": v.weight,
        "reason": v.reason,
        "relayer": v.relayer,
        "transaction": v.transaction,
        "block": v.block,
    }


@proposals_app.command("list")
@handled
def proposals_list(
    ctx: typer.Context,
    open_: Annotated[
        bool, typer.Option("--open", help="Only proposals still to be voted on (pending or active).")
    ] = False,
    state: Annotated[
        list[StateChoice] | None, typer.Option("--state", help="Only proposals in this state (repeat for several).")
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only proposals you made (the account of --from).")] = False,
    account: Annotated[
        str | None,
        typer.Option(
            "--from", "-a", help='Your account, for --mine and the "your vote" column (or $CCSI_DAO_ACCOUNT).'
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every proposal; without it, the open ones and the 20 most recent others.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Proposals with their state, category, votes and, when your account is known, your vote: the open ones and
    the 20 most recent others (--all: every one)."""
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance.consortium import LIST_RECENT
    from ccsi_dao.types import ProposalState, VoteType

    s = settings(ctx, account)
    me = my_address(s)
    if mine and me is None:
        raise UserError("--mine needs your account: give --from ALIAS (or set CCSI_DAO_ACCOUNT)")
    dao = consortium(ctx)
    wanted = {ProposalState[c.value.upper()] for c in state or ()}
    if open_:
        wanted |= {ProposalState.PENDING, ProposalState.ACTIVE}
    listing = dao.listing(states=wanted, proposer=me if mine else None, recent=None if all_ else LIST_RECENT)
    rows = listing.rows
    mine_votes = {v.proposal_id: v.support.name.lower() for v in dao.votes_cast(voter=me)} if me else {}
    save_index(dao)

    def your_vote(st: "ProposalStatus") -> str:
        if st.proposal.id in mine_votes:
            return mine_votes[st.proposal.id]
        return "not yet" if st.state == ProposalState.ACTIVE else "-"

    if json_:
        describer = dao.describer()
        print_json([{**_status_json(describer, st, n), **({"your_vote": your_vote(st)} if me else {})}
                    for n, st in rows])  # fmt: skip
        if listing.hidden:
            typer.echo(_hidden(listing.hidden), err=True)
        return
    if not rows:
        typer.echo("no proposals yet" if not (wanted or mine) else "no proposals match")
        return
    headers = ["#", "state", "category", "for/against/abstain", "quorum", "deadline", *(["your vote"] if me else []),
               "title"]  # fmt: skip
    print_table(
        headers,
        [
            (
                n,
                st.state.name.lower(),
                st.category.name.lower(),
                f"{st.votes[VoteType.FOR]}/{st.votes[VoteType.AGAINST]}/{st.votes[VoteType.ABSTAIN]}",
                f"{st.participation}/{st.quorum_votes}",
                when(st.deadline),
                *([your_vote(st)] if me else []),
                st.proposal.text,
            )
            for n, st in rows
        ],
        flexible=("title",),
        optional=("quorum", "for/against/abstain", "category"),
        min_width=12,
    )
    if listing.hidden:
        typer.echo(_hidden(listing.hidden))


def _hidden(count: int) -> str:
    return f"{count} older proposal{'s' if count != 1 else ''} not shown; --all shows every one"


@proposals_app.command("show")
@handled
def proposals_show(ctx: typer.Context, proposal: ProposalArg, json_: JsonOpt = False) -> None:
    """One proposal: who proposed it, votes against its quorum and threshold, deadlines in local time, actions in
    plain words, and who voted how (and why)."""
    dao = consortium(ctx)
    number, p = dao.find_proposal(proposal)
    describer = dao.describer()
    data = _status_json(describer, dao.status(p), number)
    cast = dao.votes_cast(p.id)
    names = {v.voter: describer.name_of(v.voter) or "" for v in cast}
    data["votes_cast"] = [_cast_json(v, names) for v in cast]
    progress = dao.progress(p) if _judged_in_detail(dao, p) else None
    data.update(_progress_json(p, progress))
    if progress is not None and progress.manifest is not None:  # what each ballot was for
        for entry, options in zip(data["votes_cast"], dao.ballot_options(p), strict=True):
            entry["options"] = [progress.labels[i] for i in options if i < len(progress.labels)]
    save_index(dao)
    if json_:
        print_json(data)
        return
    v, q, a = data["votes"], data["quorum"], data["approval"]
    proposer = f"{data['proposer']} ({data['proposer_name']})" if data["proposer_name"] else data["proposer"]
    print_fields(
        [
            ("proposal", f"#{number}  {data['title']}"),
            ("id", data["id"]),
            ("proposer", proposer),
            ("state", data["state"]),
            ("category", data["category"]),
            ("votes", f"for {v['for']}, against {v['against']}, abstain {v['abstain']}"),
            ("quorum", f"{q['cast']} cast, {q['needed']} needed ({q['rule']} of {q['of']} voting power)"),
            ("approval", f"{a['share'] or 'no votes yet'} for (needs at least {a['rule']}, and more for than against)"),
            ("voting", f"{when(data['snapshot'])} to {when(data['deadline'])}"),
            ("executable", when(data["eta"]) if data["eta"] else "-"),
        ]
    )
    for i, action in enumerate(data["actions"], start=1):
        typer.echo(f"  {i}. {shown(action['description'])}")
    if data.get("options"):
        typer.echo("options" + (f" (a ballot may select up to {data['max_selections']})"
                                if data["max_selections"] > 1 else "") + ":")  # fmt: skip
        for option in data["options"]:
            acts = ", ".join(str(n) for n in option["actions"]) or "none (text-only)"
            typer.echo(f"  {option['number']}. {shown(option['label'])}: actions {acts}")
    if data.get("progress"):
        typer.echo("progress against every rule:")
        for line in data["progress"]:
            typer.echo(f"  {shown(line)}")
    if not cast:
        typer.echo("no votes cast yet")
        return
    typer.echo("")
    print_table(
        ["voter", "address", "vote", "weight", "reason"],
        [
            (
                c["name"] or "-",
                c["voter"],
                c["vote"]
                + (f" {', '.join(c['options'])}" if c.get("options") else "")
                + (" (ballot)" if c["relayer"] else ""),
                c["weight"],
                c["reason"] or "-",
            )
            for c in data["votes_cast"]
        ],
        flexible=("voter", "reason"),
        optional=("weight",),
    )


def _judged_in_detail(dao: Any, p: "Proposal") -> bool:
    """A choice, or a proposal whose category has chamber conditions: judged option by option, chamber by
    chamber."""
    from ccsi_dao.governance.progress import manifest_of

    if manifest_of(p) is not None:
        return True
    at = min(p.snapshot, dao.chain.now() - 1)
    return bool(dao.chain.read(dao.membership.functions.electorateAt(at, int(p.category)))[3])


def _progress_json(p: "Proposal", progress: Any) -> dict[str, Any]:
    """A choice's options and, once voting has opened, the proposal against each rule in words and its winner."""
    from ccsi_dao.governance.progress import manifest_of, outcome_words, progress_words

    found: dict[str, Any] = {}
    manifest = manifest_of(p)
    if manifest is not None:
        found["options"] = [
            {"number": i + 1, "label": label, "actions": [n + 1 for n in manifest.actions_of(i)],
             "votes": progress.decision.options[i] if progress is not None else None}
            for i, label in enumerate(manifest.labels)
        ]  # fmt: skip
        found["max_selections"] = manifest.max_selections
    if progress is not None:
        j = progress.judgement
        found["progress"] = progress_words(progress)
        found["outcome"] = {
            "quorum_reached": j.quorum_reached,
            "winner": None if j.winner is None or not j.quorum_reached else (
                manifest.labels[j.winner] if manifest is not None else "the proposal"),
            "tie": j.tie,
            "certain": j.outcome.name.lower(),
            "words": outcome_words(progress),
        }  # fmt: skip
    return found


# ---------------------------------------------------------------------- votes and ballots


def _show_proposal(p: "Proposal", number: int) -> None:
    """What is voted on, shown before anything is signed: the title from the proposal's own creation event, the
    category carried by its id, and the full id (what the signature covers)."""
    typer.echo(f"proposal #{number}: {shown(p.text)}")
    typer.echo(f"category: {p.category.name.lower()}")
    typer.echo(f"id: {p.id}")


def vote(
    ctx: typer.Context,
    proposal: ProposalArg,
    support: Annotated[
        str | None, typer.Argument(help="for, against or abstain (for, when --option is given).")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            help="On a choice: the option voted for, by label or number (repeat where approval voting allows).",
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why; recorded on chain with the vote.")] = "",
    sign_only: Annotated[
        bool, typer.Option("--sign-only", help="Write a signed ballot file for someone to relay; send nothing.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Ballot file to write (with --sign-only).")] = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    json_: WriteJsonOpt = False,
) -> None:
    """Vote on a proposal, or sign a ballot for gasless voting. Shows the proposal's title, category and id first."""
    import json

    from ccsi_dao.errors import UserError
    from ccsi_dao.fileio import write_atomic
    from ccsi_dao.types import VoteType

    if support is None and not option:
        raise UserError("say how you vote: for, against or abstain (or --option on a choice)")
    try:
        choice = VoteType[("for" if support is None else support).strip().upper()]
    except KeyError:
        raise UserError(f"the vote must be for, against or abstain, not {support!r}") from None
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    number, p = dao.find_proposal(proposal)
    chosen = dao.choice_options(p, option or [], choice)
    dao.check_voting_open(p, number)
    if sign_only and out is not None and out.exists():
        raise UserError(f"{out} already exists; it was left unchanged")
    if sign_only and out is not None and not out.parent.is_dir():
        raise UserError(f"cannot write the ballot to {out}: the folder {out.parent} does not exist")
    if not json_:
        _show_proposal(p, number)
    voter = unlock(s)
    summary = {"proposal": _proposal_json(p, number), "vote": choice.name.lower(), "reason": reason,
               "voter": voter.address}  # fmt: skip
    if sign_only:
        dao.check_vote(voter.address, p.id, choice, chosen)  # a ballot the governor would refuse is not written
        ballot = dao.sign_ballot(voter, p.id, choice, reason, chosen)
        path = out or Path(f"ballot-{number}-{voter.address[2:10].lower()}.json")
        write_atomic(path, json.dumps(ballot.to_json(), indent=2) + "\n", exclusive=True)
        save_index(dao)
        if json_:
            print_json({**summary, "ballot": str(path), "nonce": ballot.nonce, "transaction": None})
            return
        done(
            f"signed ballot: {choice.name.lower()} on #{number} by {voter.address} -> {path} (relay it with ccsi-dao relay)"
        )
        return
    receipt = dao.vote(voter, p.id, choice, reason, chosen)
    save_index(dao)
    labels = _labels(p)
    picked = [labels[i] for i in chosen]
    if json_:
        print_json({**summary, **({"options": picked} if labels else {}), "transaction": tx_json(receipt)})
        return
    what = f"for {', '.join(shown(label) for label in picked)}" if picked else choice.name.lower()
    done(f"voted {what} on #{number} as {voter.address} (tx {tx_hash(receipt)})")


def _labels(p: "Proposal") -> tuple[str, ...]:
    from ccsi_dao.governance.progress import manifest_of

    manifest = manifest_of(p)
    return manifest.labels if manifest is not None else ()


def relay(
    ctx: typer.Context,
    ballots: Annotated[list[Path], typer.Argument(help="Ballot files written by vote --sign-only.")],
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    json_: WriteJsonOpt = False,
) -> None:
    """Submit signed ballots, paying their gas; prints each transaction."""
    import json

    from ccsi_dao.errors import ConfigError, UserError
    from ccsi_dao.governance.consortium import Ballot

    loaded = []
    for path in ballots:  # every file is checked before anything is sent
        try:
            loaded.append((path, Ballot.from_json(json.loads(path.read_text(encoding="utf-8")))))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise ConfigError(f"cannot read ballot file {path}: not a readable JSON file") from None
        except UserError as error:
            raise UserError(f"{path}: {error}") from None
    votes = [(b.governor, b.proposal_id, b.voter) for _, b in loaded]
    for n, vote_key in enumerate(votes):
        if vote_key in votes[:n]:  # the second copy would fail after the first was sent
            first = loaded[votes.index(vote_key)][0]
            raise UserError(
                f"ballot files {first} and {loaded[n][0]} are votes of the same voter on the same proposal; relay one"
            )
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    checked = []
    for path, ballot in loaded:  # each ballot can still count: checked before the first is sent
        try:
            checked.append((path, ballot, dao.check_ballot(ballot)))
        except UserError as error:
            raise type(error)(f"{path.name}: {error}") from None
    relayer = unlock(s)
    results = []
    for path, ballot, p in checked:
        receipt = dao.relay(relayer, ballot)
        number = dao.number_of(p.id)
        if json_:
            results.append({"ballot": str(path), "proposal": _proposal_json(p, number), "voter": ballot.voter,
                            "vote": ballot.support.name.lower(), "reason": ballot.reason, "relayer": relayer.address,
                            "transaction": tx_json(receipt)})  # fmt: skip
            continue
        done(
            f"relayed {path.name}: {ballot.voter} voted {ballot.support.name.lower()} on #{number} (tx {tx_hash(receipt)})"
        )
    save_index(dao)
    if json_:
        print_json(results)


# ---------------------------------------------------------------------- lifecycle


def _lifecycle(
    ctx: typer.Context, proposal: str, account: str | None, password_file: Path | None, step: str, json_: bool
) -> None:
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    number, p = dao.find_proposal(proposal)
    if step in ("queue", "execute"):
        dao.check_step(step, p, number)
    signer = unlock(s)
    receipt = getattr(dao, step)(signer, p)
    save_index(dao)
    past = {"queue": "queued", "execute": "executed", "cancel": "cancelled"}[step]
    eta = int(dao.chain.read(dao.governor.functions.proposalEta(p.id))) if step == "queue" else None
    if json_:
        print_json({"step": step, "proposal": _proposal_json(p, number), "from": signer.address,
                    **({"executable_from": eta} if eta is not None else {}), "transaction": tx_json(receipt)})  # fmt: skip
        return
    extra = f"; executable from {when(eta)}" if eta is not None else ""
    done(f"{past} #{number} (tx {tx_hash(receipt)}){extra}")


def queue(
    ctx: typer.Context,
    proposal: ProposalArg,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    json_: WriteJsonOpt = False,
) -> None:
    """Queue a succeeded proposal in the timelock."""
    _lifecycle(ctx, proposal, account, password_file, "queue", json_)


def execute(
    ctx: typer.Context,
    proposal: ProposalArg,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    json_: WriteJsonOpt = False,
) -> None:
    """Execute a queued proposal once the timelock delay has passed."""
    _lifecycle(ctx, proposal, account, password_file, "execute", json_)


def cancel(
    ctx: typer.Context,
    proposal: ProposalArg,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    json_: WriteJsonOpt = False,
) -> None:
    """Withdraw your own proposal while it is still pending."""
    _lifecycle(ctx, proposal, account, password_file, "cancel", json_)


# ---------------------------------------------------------------------- a member's own acts


@proxy_app.command("set")
@handled
def proxy_set(
    ctx: typer.Context,
    proxy: Annotated[str, account_argument("The member to vote for you.")],
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Appoint another active member as your proxy."""
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    member = unlock(s)
    dao.appoint_proxy(member, proxy)
    name = dao.member(proxy).name
    done(f"{proxy}{f' ({shown(name)})' if name else ''} now votes with {member.address}'s power")


@proxy_app.command("revoke")
@handled
def proxy_revoke(ctx: typer.Context, account: FromOpt = None, password_file: PasswordFileOpt = None) -> None:
    """Take your voting power back from your proxy."""
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    member = unlock(s)
    dao.revoke_proxy(member)
    done(f"{member.address} votes with its own power again")


def resign(
    ctx: typer.Context, account: FromOpt = None, password_file: PasswordFileOpt = None, yes: YesOpt = False
) -> None:
    """Leave the consortium (this cannot be undone except by a new admission)."""
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    member = unlock(s)
    confirm(f"Resign {member.address} from {shown(dao.record.consortium)}?", yes)
    dao.resign(member)
    done(f"{member.address} has resigned")
