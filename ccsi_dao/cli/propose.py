"""``ccsi-dao propose``: typed proposal builders. Each shows the category the contracts will apply and the
actions in plain words, dry-runs them as the timelock would execute them, and only then sends."""

import unicodedata
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ccsi_dao.cli.common import (
    FromOpt,
    PasswordFileOpt,
    YesOpt,
    confirm,
    consortium,
    done,
    handled,
    new_app,
    print_json,
    settings,
    shown,
    tx_json,
    unlock,
)
from ccsi_dao.cli.options import TokenOpt, account_argument

if TYPE_CHECKING:
    from ccsi_dao.governance.actions import Action

_BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

app = new_app("Submit a proposal (shows its category before sending).")

_COLLECT = "ccsi_dao.option_actions"
"""Context key: while set, a ``propose`` subcommand hands its actions' builder to ``propose choice``."""

AddressArg = Annotated[str, account_argument("The organisation.")]
DescriptionOpt = Annotated[
    str | None, typer.Option("--description", "-d", help="What the partners vote on (default: the action in words).")
]
ProposeJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print the proposal as sent and its transaction as JSON (implies --yes).")
]


class RoleChoice(str, Enum):
    founding_partner = "founding-partner"
    partner = "partner"
    observer = "observer"


class GroupChoice(str, Enum):
    ministry_agency = "ministry-agency"
    civil_society = "civil-society"
    academia = "academia"
    business = "business"
    municipality = "municipality"
    other = "other"


class CategoryChoice(str, Enum):
    ordinary = "ordinary"
    treasury = "treasury"
    membership = "membership"
    constitutional = "constitutional"


def _role(choice: RoleChoice):  # noqa: ANN202
    from ccsi_dao.types import Role

    return Role[choice.value.upper().replace("-", "_")]


def _group(choice: GroupChoice):  # noqa: ANN202
    from ccsi_dao.types import StakeholderGroup

    return StakeholderGroup[choice.value.upper().replace("-", "_")]


def _submit(
    ctx: typer.Context,
    build: "Callable[[Any], list[Action]]",
    description: str | None,
    account: str | None,
    password_file: Path | None,
    yes: bool,
    json_: bool = False,
) -> None:
    """Build the actions against the live consortium, show them, check them, confirm, send."""
    collected = ctx.meta.get(_COLLECT)
    if collected is not None:  # an option's action of `propose choice`: built there, not sent
        collected.append(build)
        return
    s = settings(ctx, account, password_file)
    dao = consortium(ctx)
    actions: list[Action] = build(dao)
    describer = dao.describer()
    words = [describer.describe(a) for a in actions]
    category = dao.categorize(actions)
    dao.check_executable(actions)
    if not json_:
        typer.echo(f"category: {category.name.lower()} (decided by the governor from the actions)")
        for i, text in enumerate(words, start=1):
            typer.echo(f"  {i}. {shown(text)}")
        confirm("Submit this proposal?", yes)
    proposer = unlock(s)
    default = "; ".join(words)  # upper-case the first letter only: capitalize() would lower-case addresses and names
    proposal, receipt = dao.submit(proposer, actions, description or default[:1].upper() + default[1:])
    number, _ = dao.find_proposal(proposal.id)
    from ccsi_dao.cli.governance import when

    if json_:
        print_json(
            {
                "proposal": {"number": number, "id": str(proposal.id), "title": proposal.text,
                             "category": proposal.category.name.lower(), "snapshot": proposal.snapshot,
                             "deadline": proposal.deadline},
                "actions": [{"target": a.target, "value": str(a.value), "data": "0x" + a.data.hex(), "description": w}
                            for a, w in zip(actions, words, strict=True)],
                "proposer": proposer.address,
                "transaction": tx_json(receipt),
            }
        )  # fmt: skip
        return
    done(
        f"proposal #{number} submitted by {proposer.address}; voting from {when(proposal.snapshot)} to {when(proposal.deadline)}"
    )
    typer.echo(f"id: {proposal.id}")


def _registry_call(builder_name: str):  # noqa: ANN202
    def build_for(target: str):  # noqa: ANN202
        from ccsi_dao.governance import actions

        return lambda dao: [getattr(actions, builder_name)(dao.record.membership, target)]

    return build_for


@app.command()
@handled
def admit(
    ctx: typer.Context,
    address: AddressArg,
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    role: Annotated[RoleChoice, typer.Option("--role")] = RoleChoice.partner,
    group: Annotated[GroupChoice, typer.Option("--group")] = GroupChoice.other,
    weight: Annotated[int, typer.Option("--weight", min=1, max=1_000_000)] = 1,
    constitutional_vote: Annotated[
        bool,
        typer.Option(
            "--constitutional-vote",
            help="Also give it a vote in constitutional decisions (the proposal then is constitutional).",
        ),
    ] = False,
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose admitting a new member. A partner or observer is admitted by a membership decision and votes in
    ordinary, treasury and membership decisions; a founding partner, or a member given a constitutional vote, needs
    a constitutional decision."""
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance import actions
    from ccsi_dao.types import Role

    target = address
    if not name.strip() or len(name) > 100:
        raise UserError("the name must have 1 to 100 characters")
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in name):
        raise UserError("the name must not contain control characters or text-direction overrides")
    grp = _group(group)

    def build(dao):  # noqa: ANN001, ANN202
        registry = dao.record.membership
        admission = [actions.admit(registry, target, " ".join(name.split()), _role(role), grp, weight)]
        if constitutional_vote and _role(role) != Role.FOUNDING_PARTNER:
            admission.append(actions.set_constitutional_vote(registry, target, True))
        return admission

    _submit(ctx, build, description, account, password_file, yes, json_)


@app.command("constitutional-vote")
@handled
def constitutional_vote(
    ctx: typer.Context,
    address: AddressArg,
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the constitutional vote away instead.")] = False,
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose giving a member a vote in constitutional decisions (or taking it away): a constitutional decision."""
    from ccsi_dao.governance import actions

    target = address
    _submit(
        ctx,
        lambda dao: [actions.set_constitutional_vote(dao.record.membership, target, not revoke)],
        description,
        account,
        password_file,
        yes,
        json_,
    )


def _status_command(verb: str, summary: str) -> None:
    @app.command(verb, help=summary)
    @handled
    def command(
        ctx: typer.Context,
        address: AddressArg,
        description: DescriptionOpt = None,
        account: FromOpt = None,
        password_file: PasswordFileOpt = None,
        yes: YesOpt = False,
        json_: ProposeJsonOpt = False,
    ) -> None:
        _submit(ctx, _registry_call(verb)(address), description, account, password_file, yes, json_)


_status_command("remove", "Propose removing a member.")
_status_command("suspend", "Propose suspending a member (it keeps its record, loses its vote).")
_status_command("reinstate", "Propose lifting a member's suspension.")


@app.command("set-weight")
@handled
def set_weight(
    ctx: typer.Context,
    address: AddressArg,
    weight: Annotated[int, typer.Argument(min=1, max=1_000_000, help="New voting weight.")],
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose changing a member's voting weight."""
    from ccsi_dao.governance import actions

    target = address
    _submit(
        ctx,
        lambda dao: [actions.set_weight(dao.record.membership, target, weight)],
        description,
        account,
        password_file,
        yes,
        json_,
    )


@app.command("set-role")
@handled
def set_role(
    ctx: typer.Context,
    address: AddressArg,
    role: Annotated[RoleChoice, typer.Argument()],
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose changing a member's role."""
    from ccsi_dao.governance import actions

    target = address
    _submit(
        ctx,
        lambda dao: [actions.set_role(dao.record.membership, target, _role(role))],
        description,
        account,
        password_file,
        yes,
        json_,
    )


@app.command("set-group")
@handled
def set_group(
    ctx: typer.Context,
    address: AddressArg,
    group: Annotated[GroupChoice, typer.Argument()],
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose moving a member to another stakeholder group (constitutional). Proposals whose snapshot is earlier
    still count its vote in the chamber of its former group."""
    from ccsi_dao.governance import actions

    target = address
    _submit(
        ctx,
        lambda dao: [actions.set_group(dao.record.membership, target, _group(group))],
        description,
        account,
        password_file,
        yes,
        json_,
    )


@app.command()
@handled
def amend(
    ctx: typer.Context,
    document: Annotated[Path, typer.Option("--document", help="The new agreement text; its SHA-256 goes on chain.")],
    uri: Annotated[
        str | None, typer.Option("--uri", help="Where partners can read it (default: the file name).")
    ] = None,
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose a new version of the consortium agreement (constitutional)."""
    from ccsi_dao.agreement import sha256_file
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance import actions

    if uri is not None and (
        not uri or len(uri) > 2000 or any(c.isspace() or unicodedata.category(c) == "Cc" for c in uri)
    ):
        raise UserError("--uri must be a URI of 1 to 2000 characters without spaces, such as ipfs://… or https://…")
    location = uri or document.name
    digest = sha256_file(document)
    _submit(
        ctx,
        lambda dao: [actions.amend_agreement(dao.record.membership, digest, location)],
        description,
        account,
        password_file,
        yes,
        json_,
    )


@app.command()
@handled
def transfer(
    ctx: typer.Context,
    to: Annotated[str, account_argument("The recipient.")],
    amount: Annotated[str, typer.Argument(help="Amount, e.g. 250.75 (ETH, or the token's own units with --token).")],
    token: TokenOpt = None,
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose paying from the treasury, in ETH or an ERC-20 token (the amount in the token's units: 250.75 tEUR)."""
    from ccsi_dao.governance import actions

    def build(dao):  # noqa: ANN001, ANN202
        if token is None:
            return [actions.transfer_eth(to, actions.parse_amount(amount))]
        decimals = dao.token(token).decimals
        return [actions.transfer_erc20(token, to, actions.parse_amount(amount, decimals))]

    _submit(ctx, build, description, account, password_file, yes, json_)


@app.command()
@handled
def rules(
    ctx: typer.Context,
    category: Annotated[CategoryChoice, typer.Argument(help="The category whose rule changes.")],
    quorum: Annotated[str | None, typer.Option("--quorum", help="New participation quorum, e.g. 1/2 or 50%.")] = None,
    approval: Annotated[str | None, typer.Option("--approval", help="New approval threshold, e.g. 2/3.")] = None,
    early_close: Annotated[
        bool | None, typer.Option("--early-close/--no-early-close", help="Switch early close.")
    ] = None,
    approval_voting: Annotated[
        bool | None,
        typer.Option("--approval-voting/--no-approval-voting", help="Let ballots on choices select several options."),
    ] = None,
    agreement: Annotated[
        Path | None,
        typer.Option(
            "--agreement",
            help="Take the category's quorum, approval and chamber conditions (and the approval-voting switch) from "
            "this agreement file.",
        ),
    ] = None,
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose changing a category's quorum, approval threshold or chamber conditions (constitutional). Chamber
    conditions not changed are kept; entrenched ones can never be dropped or weakened."""
    from ccsi_dao.agreement import parse_ratio
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance import actions
    from ccsi_dao.types import Category

    def ratio(text: str, what: str):  # noqa: ANN202
        try:
            return parse_ratio(text)
        except ValueError as exc:
            raise UserError(f"{what} {text!r}: {exc}") from None

    if quorum is None and approval is None and early_close is None and approval_voting is None and agreement is None:
        raise UserError(
            "nothing to change: give --quorum, --approval, --early-close/--no-early-close, "
            "--approval-voting/--no-approval-voting or --agreement"
        )
    new_quorum = ratio(quorum, "quorum") if quorum is not None else None
    new_approval = ratio(approval, "approval") if approval is not None else None
    chosen = Category[category.value.upper()]
    from_file = None
    if agreement is not None:
        from ccsi_dao.agreement import load_agreement
        from ccsi_dao.governance.decisions import agreement_chambers

        loaded = load_agreement(agreement)
        from_file = (loaded.rules[chosen].quorum, loaded.rules[chosen].approval,
                     agreement_chambers(loaded)[0].get(chosen, 0), loaded.approval_voting)  # fmt: skip

    def build(dao):  # noqa: ANN001, ANN202
        now = dao.rule_set_now()
        current, chambers = dict(now.rules), dict(now.chambers)
        q, a = current[chosen]
        voting = now.approval_voting
        if from_file is not None:
            q, a, chambers[chosen], voting = from_file
        current[chosen] = (new_quorum or q, new_approval or a)
        actions.check_rules(current, now.floors)
        actions.check_chambers(chambers, now.entrenched)
        return [
            actions.update_rules(
                dao.record.membership,
                current,
                now.early_close if early_close is None else early_close,
                chambers,
                voting if approval_voting is None else approval_voting,
            )
        ]

    _submit(ctx, build, description, account, password_file, yes, json_)


@app.command()
@handled
def signal(
    ctx: typer.Context,
    description: Annotated[str, typer.Option("--description", "-d", help="The statement the partners vote on.")],
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose a text-only decision (ordinary; no on-chain effect beyond the record of the vote)."""
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance import actions

    if not "".join(c for c in description if c.isprintable()).strip():
        raise UserError("a signal proposal needs a description")
    _submit(ctx, lambda dao: [actions.signal()], description, account, password_file, yes, json_)


@app.command()
@handled
def raw(
    ctx: typer.Context,
    target: Annotated[str, account_argument("Contract to call.")],
    data: Annotated[str, typer.Option("--data", help="Calldata as 0x-prefixed hex.")] = "0x",
    value: Annotated[str, typer.Option("--value", help="ETH to send with the call, e.g. 0.1.")] = "0",
    description: DescriptionOpt = None,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose any other call (its category is still derived on chain: unknown calls on the DAO are constitutional)."""
    from ccsi_dao.errors import UserError
    from ccsi_dao.governance import actions

    address = target
    hex_data = data.strip().removeprefix("0x")
    try:
        payload = bytes.fromhex(hex_data)
    except ValueError:
        raise UserError(f"--data must be 0x-prefixed hex, not {data!r}") from None
    wei = 0 if value.strip() in ("0", "0.0", "") else actions.parse_amount(value)
    _submit(ctx, lambda dao: [actions.raw(address, payload, wei)], description, account, password_file, yes, json_)


_NOT_OPTION_ACTIONS = {"choice", "signal"}


@app.command()
@handled
def choice(
    ctx: typer.Context,
    description: Annotated[str, typer.Option("--description", "-d", help="The question the partners choose on.")],
    option: Annotated[
        list[str], typer.Option("--option", help="An option's label (repeat: 2 to 10 options, in this order).")
    ],
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            help='An action of one option, as a propose subcommand: "Cooperative: amend --document coop.md" (the '
            "option's label or number, a colon, the subcommand and its arguments; repeat for more). Options "
            "without actions are text-only.",
        ),
    ] = None,
    max_selections: Annotated[
        int,
        typer.Option(
            "--max-selections", min=1, max=10, help="Options one ballot may select (more than 1: approval voting)."
        ),
    ] = 1,
    account: FromOpt = None,
    password_file: PasswordFileOpt = None,
    yes: YesOpt = False,
    json_: ProposeJsonOpt = False,
) -> None:
    """Propose a choice among 2 to 10 options, each text-only or with its own actions; only the winner's actions
    are executed. The category is the strictest of all options' actions (ordinary when all are text-only)."""
    from ccsi_dao.errors import UserError

    if not "".join(c for c in description if c.isprintable()).strip():
        raise UserError("a choice needs a description: the question the partners choose on")
    labels = [" ".join(label.split()) for label in option]
    for label in labels:
        if not label or len(label) > 100 or any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in label):
            raise UserError(
                f"option {label!r}: a label needs 1 to 100 characters without control characters or direction overrides"
            )
    if not 2 <= len(labels) <= 10:
        raise UserError(f"a choice offers 2 to 10 options, not {len(labels)}: repeat --option for each")
    builders: list[list[Any]] = [[] for _ in labels]
    for text in action or []:
        index, words = _option_action(text, labels)
        builders[index].append(_collect_action(ctx, text, words))

    def build(dao):  # noqa: ANN001, ANN202
        options = []
        for label, option_builders in zip(labels, builders, strict=True):
            acts: list[Action] = []
            for make in option_builders:
                try:
                    acts.extend(make(dao))
                except UserError as error:
                    raise type(error)(f"option {label!r}: {error}") from None
            options.append((label, acts))
        return dao.choice_actions(options, max_selections)

    _submit(ctx, build, description, account, password_file, yes, json_)


def _option_action(text: str, labels: list[str]) -> tuple[int, list[str]]:
    """``"Cooperative: amend --document coop.md"`` -> (the option's index, the subcommand's words)."""
    import shlex

    from ccsi_dao.errors import UserError

    head, sep, rest = text.partition(":")
    folded = [label.casefold() for label in labels]
    found = None
    for i, label in sorted(enumerate(folded), key=lambda item: -len(item[1])):  # labels may contain colons
        if text.casefold().startswith(label + ":"):
            found, rest = i, text[len(label) + 1 :]
            break
    if found is None and sep and head.strip().isascii() and head.strip().isdigit():
        number = int(head.strip())
        if not 1 <= number <= len(labels):
            raise UserError(f"--action {text!r}: there is no option {number}; the choice offers 1 to {len(labels)}")
        found = number - 1
    if found is None:
        raise UserError(
            f"--action {text!r} names no option: begin it with an option's label or number and a colon, such as "
            f'"{labels[0]}: transfer ADDRESS 1.5"'
        )
    try:
        words = shlex.split(rest)
    except ValueError as error:
        raise UserError(f"--action {text!r}: {error}") from None
    if not words:
        raise UserError(f"--action {text!r} has no action after the colon, such as transfer ADDRESS 1.5")
    return found, words


def _collect_action(ctx: typer.Context, text: str, words: list[str]) -> Any:
    """The actions' builder of the ``propose`` subcommand ``words`` names, parsed and checked as that command
    parses it, without sending anything."""
    from ccsi_dao.errors import UserError

    group: Any = ctx.parent.command if ctx.parent is not None else None  # the `propose` group
    verb = words[0]
    sub = group.get_command(ctx, verb) if group is not None else None
    if sub is None or verb in _NOT_OPTION_ACTIONS:
        allowed = sorted(set(group.list_commands(ctx)) - _NOT_OPTION_ACTIONS) if group is not None else []
        raise UserError(f"--action {text!r}: {verb!r} is not an action an option can have; use one of "
                        f"{', '.join(allowed)}")  # fmt: skip
    from ccsi_dao.cli.common import RAISE_ERRORS
    from ccsi_dao.errors import CcsiDaoError

    collected: list[Any] = []
    ctx.meta[_COLLECT] = collected
    token = RAISE_ERRORS.set(True)
    try:
        with sub.make_context(verb, words[1:], parent=ctx) as sub_ctx:
            sub.invoke(sub_ctx)
    except CcsiDaoError as error:
        raise type(error)(f"--action {text!r}: {error}") from None
    except typer.TyperException as error:  # click's usage errors, as typer vendors click
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        raise UserError(f"--action {text!r}: {message}") from None
    except typer.Exit:  # --help inside an action: printed, nothing to build
        raise UserError(f"--action {text!r}: give the action itself, not --help") from None
    finally:
        RAISE_ERRORS.reset(token)
        del ctx.meta[_COLLECT]
    return collected[0]
