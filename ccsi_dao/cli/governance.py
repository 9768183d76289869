"""The governance round: deploy, members, proposals, votes, ballots, queue, execute, cancel, proxies, resign."""

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ccsi_dao.cli.common import (
    FromOpt,
    JsonOpt,
    PasswordFileOpt,
    YesOpt,
    confirm,
    done,
    handled,
    new_app,
    password_prompt,
    print_fields,
    print_json,
    print_table,
    settings,
)

if TYPE_CHECKING:
    from ccsi_dao.governance.consortium import Member, ProposalStatus
    from ccsi_dao.governance.describe import ActionDescriber

ProposalArg = Annotated[str, typer.Argument(help="Proposal: its number in `proposals list`, or its full id.")]
members_app = new_app("Show the consortium's members.")
proposals_app = new_app("Show proposals: state, category, votes, rules, actions.")
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

    Shows each transaction's gas, price and cost before sending, and asks (unless --yes, CI or no terminal)."""
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
    _show_plan(plan, chain.balance(address))
    if plan.to_send:
        confirm(f"Send {len(plan.to_send)} transaction{'s' if len(plan.to_send) != 1 else ''}?", yes)
    deployer = deployer or s.signer(password_prompt())
    path.parent.mkdir(parents=True, exist_ok=True)
    record = deploy_suite(chain, deployer, params, plan=plan, record_path=path)
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
    members = [_member_json(m) for m in settings(ctx).consortium().members()]
    if json_:
        print_json(members)
        return
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
                m["proxy"] or "-",
                m["power"],
            )
            for m in members
        ],
    )


@members_app.command("show")
@handled
def members_show(
    ctx: typer.Context, address: Annotated[str, typer.Argument(help="The member's address.")], json_: JsonOpt = False
) -> None:
    """One member's record."""
    from ccsi_dao.addresses import parse_address

    m = _member_json(settings(ctx).consortium().member(parse_address(address)))
    if json_:
        print_json(m)
        return
    m["joined_at"] = when(m["joined_at"]) if m["status"] != "none" else "-"
    print_fields(list(m.items()))


# ---------------------------------------------------------------------- proposals


def _status_json(describer: "ActionDescriber", st: "ProposalStatus", number: int | None = None) -> dict[str, Any]:
    from ccsi_dao.types import VoteType

    p = st.proposal
    share = st.approval_share
    return {
        "number": number,
        "id": str(p.id),
        "title": p.text,
        "proposer": p.proposer,
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


@proposals_app.command("list")
@handled
def proposals_list(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """Every proposal with its state, category and votes."""
    dao = settings(ctx).consortium()
    rows = []
    for number, p in enumerate(dao.proposals(), start=1):
        st = dao.status(p)
        rows.append((number, st))
    if json_:
        describer = dao.describer()
        print_json([_status_json(describer, st, n) for n, st in rows])
        return
    if not rows:
        typer.echo("no proposals yet")
        return
    from ccsi_dao.types import VoteType

    print_table(
        ["#", "state", "category", "for/against/abstain", "quorum", "deadline", "title"],
        [
            (
                n,
                st.state.name.lower(),
                st.category.name.lower(),
                f"{st.votes[VoteType.FOR]}/{st.votes[VoteType.AGAINST]}/{st.votes[VoteType.ABSTAIN]}",
                f"{st.participation}/{st.quorum_votes}",
                when(st.deadline),
                st.proposal.text[:60],
            )
            for n, st in rows
        ],
    )


@proposals_app.command("show")
@handled
def proposals_show(ctx: typer.Context, proposal: ProposalArg, json_: JsonOpt = False) -> None:
    """One proposal: votes against its quorum and threshold, deadlines in local time, actions in plain words."""
    dao = settings(ctx).consortium()
    number, p = dao.find_proposal(proposal)
    data = _status_json(dao.describer(), dao.status(p), number)
    if json_:
        print_json(data)
        return
    v, q, a = data["votes"], data["quorum"], data["approval"]
    print_fields(
        [
            ("proposal", f"#{number}  {data['title']}"),
            ("id", data["id"]),
            ("proposer", data["proposer"]),
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
        typer.echo(f"  {i}. {action['description']}")


# ---------------------------------------------------------------------- votes and ballots


def vote(
    ctx: typer.Context,
    proposal: ProposalArg,
    support: Annotated[str, typer.Argument(help="for, against or abstain.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why; recorded on chain with the vote.")] = "",
    sign_only: Annotated[
        bool, typer.Option("--sign-only", help="Write a signed ballot file for someone to relay; send nothing.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Ballot file to write (with --sign-only).")] = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Vote on a proposal, or sign a ballot for gasless voting."""
    import json

    from ccsi_dao.errors import UserError
    from ccsi_dao.fileio import write_atomic
    from ccsi_dao.types import ProposalState, VoteType

    try:
        choice = VoteType[support.strip().upper()]
    except KeyError:
        raise UserError(f"the vote must be for, against or abstain, not {support!r}") from None
    s = settings(ctx, account, password_file)
    dao = s.consortium()
    number, p = dao.find_proposal(proposal)
    state = dao.state(p.id)
    if state != ProposalState.ACTIVE:
        raise UserError(f"proposal #{number} is {state.name.lower()}; votes are taken only while it is active")
    if sign_only and out is not None and out.exists():
        raise UserError(f"{out} already exists; it was left unchanged")
    if sign_only and out is not None and not out.parent.is_dir():
        raise UserError(f"cannot write the ballot to {out}: the folder {out.parent} does not exist")
    voter = s.signer(password_prompt())
    if sign_only:
        dao.check_vote(voter.address, p.id, choice)  # a ballot the governor would refuse is not written
        ballot = dao.sign_ballot(voter, p.id, choice, reason)
        path = out or Path(f"ballot-{number}-{voter.address[2:10].lower()}.json")
        write_atomic(path, json.dumps(ballot.to_json(), indent=2) + "\n", exclusive=True)
        done(
            f"signed ballot: {choice.name.lower()} on #{number} by {voter.address} -> {path} (relay it with ccsi-dao relay)"
        )
        return
    receipt = dao.vote(voter, p.id, choice, reason)
    done(
        f"voted {choice.name.lower()} on #{number} as {voter.address} (tx 0x{bytes(receipt['transactionHash']).hex()})"
    )


def relay(
    ctx: typer.Context,
    ballots: Annotated[list[Path], typer.Argument(help="Ballot files written by vote --sign-only.")],
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Submit signed ballots, paying their gas."""
    import json

    from ccsi_dao.errors import ConfigError, UserError
    from ccsi_dao.governance.consortium import Ballot

    loaded = []
    for path in ballots:  # every file is checked before anything is sent
        try:
            loaded.append((path, Ballot.from_json(json.loads(path.read_text(encoding="utf-8")))))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise ConfigError(f"cannot read ballot file {path}: not a readable JSON file") from None
    votes = [(b.governor, b.proposal_id, b.voter) for _, b in loaded]
    for n, vote_key in enumerate(votes):
        if vote_key in votes[:n]:  # the second copy would fail after the first was sent
            first = loaded[votes.index(vote_key)][0]
            raise UserError(
                f"ballot files {first} and {loaded[n][0]} are votes of the same voter on the same proposal; relay one"
            )
    s = settings(ctx, account, password_file)
    dao = s.consortium()
    relayer = s.signer(password_prompt())
    for path, ballot in loaded:
        dao.relay(relayer, ballot)
        done(f"relayed {path.name}: {ballot.voter} voted {ballot.support.name.lower()}")


# ---------------------------------------------------------------------- lifecycle


def _lifecycle(ctx: typer.Context, proposal: str, account: str | None, password_file: Path | None, step: str) -> None:
    s = settings(ctx, account, password_file)
    dao = s.consortium()
    number, p = dao.find_proposal(proposal)
    signer = s.signer(password_prompt())
    receipt = getattr(dao, step)(signer, p)
    past = {"queue": "queued", "execute": "executed", "cancel": "cancelled"}[step]
    extra = ""
    if step == "queue":
        extra = f"; executable from {when(dao.chain.read(dao.governor.functions.proposalEta(p.id)))}"
    done(f"{past} #{number} (tx 0x{bytes(receipt['transactionHash']).hex()}){extra}")


def queue(
    ctx: typer.Context, proposal: ProposalArg, account: FromOpt = None, password_file: PasswordFileOpt = None
) -> None:
    """Queue a succeeded proposal in the timelock."""
    _lifecycle(ctx, proposal, account, password_file, "queue")


def execute(
    ctx: typer.Context, proposal: ProposalArg, account: FromOpt = None, password_file: PasswordFileOpt = None
) -> None:
    """Execute a queued proposal once the timelock delay has passed."""
    _lifecycle(ctx, proposal, account, password_file, "execute")


def cancel(
    ctx: typer.Context, proposal: ProposalArg, account: FromOpt = None, password_file: PasswordFileOpt = None
) -> None:
    """Withdraw your own proposal while it is still pending."""
    _lifecycle(ctx, proposal, account, password_file, "cancel")


# ---------------------------------------------------------------------- a member's own acts


@proxy_app.command("set")
@handled
def proxy_set(
    ctx: typer.Context,
    proxy: Annotated[str, typer.Argument(help="The member to vote for you.")],
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Appoint another active member as your proxy."""
    from ccsi_dao.addresses import parse_address

    s = settings(ctx, account, password_file)
    dao = s.consortium()
    target = parse_address(proxy)
    member = s.signer(password_prompt())
    dao.appoint_proxy(member, target)
    done(f"{target} now votes with {member.address}'s power")


@proxy_app.command("revoke")
@handled
def proxy_revoke(ctx: typer.Context, account: FromOpt = None, password_file: PasswordFileOpt = None) -> None:
    """Take your voting power back from your proxy."""
    s = settings(ctx, account, password_file)
    dao = s.consortium()
    member = s.signer(password_prompt())
    dao.revoke_proxy(member)
    done(f"{member.address} votes with its own power again")


def resign(
    ctx: typer.Context, account: FromOpt = None, password_file: PasswordFileOpt = None, yes: YesOpt = False
) -> None:
    """Leave the consortium (this cannot be undone except by a new admission)."""
    s = settings(ctx, account, password_file)
    dao = s.consortium()
    member = s.signer(password_prompt())
    confirm(f"Resign {member.address} from {dao.record.consortium}?", yes)
    dao.resign(member)
    done(f"{member.address} has resigned")
