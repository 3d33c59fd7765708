"""Every refusal carries a code from its app's error enum (ewtp/common/errors.py says why).

Read from the source: a raise of an ApplicationError (or a subclass), or of Django's or DRF's
ValidationError, passes its code as a member of an ``…ErrorCode`` enum, never a plain string
and never nothing. Programmer errors (ValueError, TypeError, CommandError…) are not refusals.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "ewtp",
    "hubs",
    "payments",
    "customs",
    "logistics",
    "warehousing",
    "analytics",
    "pipeline",
    "peering",
    "demo",
)
REFUSALS = {
    "ApplicationError",
    "NotAllowedError",
    "NotFoundError",
    "ConflictError",
    "TariffError",
    "ValidationError",
}


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _code(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    if name != "ValidationError" and len(call.args) >= 2:
        return call.args[1]
    return None


def _is_enum_member(node) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id.endswith("ErrorCode")
    )


def refusals_without_enum_code() -> list[str]:
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in REFUSALS and not _is_enum_member(_code(node.exc, name)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_every_refusal_raises_an_enum_code():
    assert refusals_without_enum_code() == []
