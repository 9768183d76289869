"""The consortium agreement as code: field types (:mod:`.fields`), the model (:mod:`.model`), and reading YAML files
and the JSON Schema (:mod:`.loading`)."""

from ccsi_dao.agreement.fields import (
    COUNTRY_CODES,
    GROUP_NAMES,
    MAX_NAME_LENGTH,
    MAX_WEIGHT,
    ROLE_NAMES,
    parse_ratio,
    sha256_file,
)
from ccsi_dao.agreement.loading import AgreementError, agreement_json_schema, load_agreement, parse_yaml
from ccsi_dao.agreement.model import Agreement, CategoryRule, Document, Floors, Partner, Rules, Timelock, Voting
from ccsi_dao.types import group_name, role_name

__all__ = [
    "COUNTRY_CODES",
    "GROUP_NAMES",
    "MAX_NAME_LENGTH",
    "MAX_WEIGHT",
    "ROLE_NAMES",
    "Agreement",
    "AgreementError",
    "CategoryRule",
    "Document",
    "Floors",
    "Partner",
    "Rules",
    "Timelock",
    "Voting",
    "agreement_json_schema",
    "group_name",
    "load_agreement",
    "parse_ratio",
    "parse_yaml",
    "role_name",
    "sha256_file",
]
