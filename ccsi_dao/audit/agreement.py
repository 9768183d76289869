"""``ccsi-dao agreement verify FILE``: a local copy of the agreement's text checked against the hash anchored on chain.

The registry keeps every version of the consortium agreement as the SHA-256 of its text and a URI
(``agreement(version)``). :func:`check_document` hashes the file and compares it with the version asked for (the
current one by default), and says which versions, if any, the file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccsi_dao.agreement import sha256_file
from ccsi_dao.errors import UserError
from ccsi_dao.governance.consortium import Consortium


@dataclass(frozen=True)
class AnchoredVersion:
    """One version of the agreement as the registry keeps it."""

    version: int
    sha256: bytes
    uri: str
    adopted_at: int


@dataclass(frozen=True)
class DocumentCheck:
    """The result: the file's hash, the version it was checked against, and every version on chain."""

    path: Path
    sha256: bytes
    checked: int  # the version compared with
    versions: tuple[AnchoredVersion, ...]

    @property
    def current(self) -> int:
        return len(self.versions)

    @property
    def matches(self) -> tuple[int, ...]:
        """The versions whose anchored hash is the file's."""
        return tuple(v.version for v in self.versions if v.sha256 == self.sha256)

    @property
    def ok(self) -> bool:
        return self.checked in self.matches

    def sentence(self) -> str:
        """The result in one sentence."""
        anchored = self.versions[self.checked - 1]
        which = "the current version" if self.checked == self.current else f"version {self.checked}"
        if self.ok:
            return (
                f"{self.path} is {which} ({self.checked} of {self.current}) of the agreement anchored on chain: "
                f"sha256 0x{self.sha256.hex()}, {anchored.uri}"
            )
        others = [v for v in self.matches if v != self.checked]
        elsewhere = (
            f"; it is version {', '.join(map(str, others))}" if others else "; it matches no version anchored on chain"
        )
        return (
            f"{self.path} is NOT {which} of the agreement: its sha256 is 0x{self.sha256.hex()}, the anchored one "
            f"0x{anchored.sha256.hex()} ({anchored.uri}){elsewhere}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "file": str(self.path),
            "sha256": "0x" + self.sha256.hex(),
            "checked_version": self.checked,
            "current_version": self.current,
            "matching_versions": list(self.matches),
            "versions": [
                {"version": v.version, "sha256": "0x" + v.sha256.hex(), "uri": v.uri, "adopted_at": v.adopted_at}
                for v in self.versions
            ],
        }


def anchored_versions(consortium: Consortium) -> tuple[AnchoredVersion, ...]:
    """Every version of the agreement the registry keeps, oldest first."""
    reg = consortium.membership
    chain = consortium.chain
    count = int(chain.read(reg.functions.agreementVersion()))
    read = chain.reader("latest")
    read.prefetch((reg, "agreement", v) for v in range(1, count + 1))
    out = []
    for v in range(1, count + 1):
        content_hash, adopted_at, uri = read(reg, "agreement", v)
        out.append(AnchoredVersion(v, bytes(content_hash), str(uri), int(adopted_at)))
    return tuple(out)


def check_version_number(version: int | None) -> None:
    """UserError for a version number that no agreement can have (checked before the chain is asked)."""
    if version is not None and version < 1:
        raise UserError(f"agreement version {version} does not exist: versions are numbered from 1")


def check_document(consortium: Consortium, path: Path | str, *, version: int | None = None) -> DocumentCheck:
    """Hash ``path`` and compare it with agreement ``version`` (default: the current one) anchored on chain."""
    check_version_number(version)
    path = Path(path)
    digest = sha256_file(path)
    versions = anchored_versions(consortium)
    if not versions:  # pragma: no cover - the registry's constructor anchors version 1
        raise UserError("the registry holds no agreement version")
    checked = version if version is not None else len(versions)
    if checked > len(versions):
        raise UserError(f"there is no agreement version {checked}: the registry holds {len(versions)}")
    return DocumentCheck(path, digest, checked, versions)


__all__ = ["AnchoredVersion", "DocumentCheck", "anchored_versions", "check_document", "check_version_number"]
