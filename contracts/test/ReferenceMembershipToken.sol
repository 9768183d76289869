// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Votes} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title ReferenceMembershipToken
 * @notice Benchmark reference only: a membership NFT with votes, as OpenZeppelin's documentation composes it
 * (ERC721 + ERC721Votes, owner-minted), on the timestamp clock so it compares like for like with ccsi-dao.
 */
contract ReferenceMembershipToken is ERC721, EIP712, ERC721Votes, Ownable {
    uint256 private _nextId;

    /// @param owner_ Who may mint (the timelock, once governance is set up).
    /// @param members Initial members; each gets one token and delegates to itself.
    constructor(address owner_, address[] memory members) ERC721("Reference Membership", "RMEM") EIP712("Reference Membership", "1") Ownable(owner_) {
        for (uint256 i = 0; i < members.length; ++i) {
            _mintTo(members[i]);
        }
    }

    /// @notice Admit a member: mint it a token and activate its votes. Owner only.
    function safeMint(address to) external onlyOwner {
        _mintTo(to);
    }

    /// @notice The timestamp clock (ERC-6372).
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice Machine-readable description of the clock.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _mintTo(address to) private {
        _safeMint(to, _nextId++);
        _delegate(to, to);
    }

    function _update(address to, uint256 tokenId, address auth) internal override(ERC721, ERC721Votes) returns (address) {
        return super._update(to, tokenId, auth);
    }

    function _increaseBalance(address account, uint128 amount) internal override(ERC721, ERC721Votes) {
        super._increaseBalance(account, amount);
    }
}
