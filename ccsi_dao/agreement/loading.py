"""Reading an agreement file: YAML without its traps, then the model's checks, every problem reported at once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ccsi_dao.agreement.fields import describe
from ccsi_dao.agreement.model import Agreement
from ccsi_dao.errors import ConfigError


class AgreementError(ConfigError):
    """An agreement file has problems; ``problems`` lists them as ``field.path: what is wrong`` lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"{path}: {count} in the consortium agreement:\n" + "\n".join(f"  {p}" for p in problems))
        self.path = path
        self.problems = problems


def load_agreement(path: str | Path) -> Agreement:
    """Read and check the agreement at ``path``; AgreementError (a ConfigError) lists every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"agreement file {path} not found; check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read agreement file {path}: {error}") from None
    raw = parse_yaml(text, path)
    if not isinstance(raw, dict):
        raise AgreementError(path, ["(top level): expected a mapping with consortium, document, partners, rules, …"])
    try:
        return Agreement.model_validate(raw, context={"base_dir": path.parent})
    except ValidationError as error:
        raise AgreementError(path, describe(error)) from None


def agreement_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the agreement YAML, for editors."""
    schema = Agreement.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "CCSI consortium agreement",
    }


# ---------------------------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """YAML without its traps: only true/false are booleans (so country NO stays "NO"), 0x… stays text,
    and a key given twice is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in the same mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.yaml_implicit_resolvers["0"].insert(0, ("tag:yaml.org,2002:str", re.compile(r"^0x[0-9a-fA-F_]+$")))


def parse_yaml(text: str, path: Path | str = "<text>") -> Any:
    """Parse YAML text the way agreement files are read; ConfigError with line and column on a syntax error."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path} is not valid YAML: {error.problem or error.context}{where}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path} is nested too deeply to be a consortium agreement") from None
