// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title MetamorphicFactory
 * @notice Test-only replay of the Tornado Cash governance attack (May 2023): a factory deploys a deployer with
 * CREATE2 (same salt, same address), the deployer deploys the proposal's target with CREATE (same deployer nonce,
 * same address). Self-destructing both after the vote and redeploying would, before EIP-6780, put different code
 * at the address voters approved. On cancun, SELFDESTRUCT outside the creating transaction no longer removes code
 * or resets the nonce, so the redeployment collides and fails.
 * @dev WARNING: for tests only.
 */
contract MetamorphicFactory {
    /// @notice A deployer was created at `deployer` with `salt`.
    event DeployerCreated(address indexed deployer, bytes32 salt);

    /// @dev CREATE2 with `salt` failed: an account with code or a nonce still exists at the address.
    error MetamorphicRedeployFailed(bytes32 salt);

    /// @notice Create a {MetamorphicDeployer} at the address `salt` determines.
    function deploy(bytes32 salt) external returns (address deployer) {
        try new MetamorphicDeployer{salt: salt}() returns (MetamorphicDeployer created) {
            deployer = address(created);
        } catch {
            revert MetamorphicRedeployFailed(salt);
        }
        emit DeployerCreated(deployer, salt);
    }
}

/**
 * @title MetamorphicDeployer
 * @notice Deploys the proposal target with CREATE, so its address depends only on this contract's nonce.
 * @dev WARNING: for tests only.
 */
contract MetamorphicDeployer {
    /// @notice A target was created at `target`; `hostile` says which code it got.
    event TargetCreated(address indexed target, bool hostile);

    /// @notice Deploy the benign or the hostile target at this deployer's next CREATE address.
    function deployTarget(bool hostile, address registry) external returns (address target) {
        target = hostile ? address(new MetamorphicHostile(registry)) : address(new MetamorphicBenign());
        emit TargetCreated(target, hostile);
    }

    /// @notice Self-destruct (on cancun, outside the creating transaction, this only sends the balance away).
    function destroy() external {
        selfdestruct(payable(msg.sender));
    }
}

/**
 * @title MetamorphicBenign
 * @notice The code voters read: {run} only records that it ran.
 * @dev WARNING: for tests only.
 */
contract MetamorphicBenign {
    /// @notice {run} was called by `caller`.
    event Ran(address indexed caller);

    /// @notice What the proposal calls.
    function run() external {
        emit Ran(msg.sender);
    }

    /// @notice Self-destruct (on cancun, outside the creating transaction, this only sends the balance away).
    function destroy() external {
        selfdestruct(payable(msg.sender));
    }
}

/**
 * @title MetamorphicHostile
 * @notice The code the attacker wants at the approved address: {run} admits the attacker with the maximum weight.
 * @dev WARNING: for tests only.
 */
contract MetamorphicHostile {
    address private immutable _registry;

    constructor(address registry) {
        _registry = registry;
    }

    /// @notice What the proposal calls: try to take over the consortium.
    function run() external {
        // admit(address,uint8,uint8,uint96,string): the attacker as founding partner with the maximum weight.
        (bool ok, bytes memory data) = _registry.call(
            abi.encodeWithSignature("admit(address,uint8,uint8,uint96,string)", tx.origin, 1, 5, 1_000_000, "Attacker")
        );
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(data, 0x20), mload(data))
            }
        }
    }
}
