"""Net 2 of the audit trail (tests/common/audit_expectations.py): every function that
writes a status is known, so a new way to change one fails until it is audited and listed."""

import ast
import re
from pathlib import Path

from django.conf import settings as django_settings

ROOT = Path(django_settings.BASE_DIR)

STATUS_WRITERS = {
    ("customs/services/moves.py", "move"): "customs.declaration",
    ("hubs/services/kyc.py", "kyc_reopen"): "hubs.organization",
    ("logistics/services/consolidation.py", "_board"): "logistics.parcel",
    ("logistics/services/moves.py", "_parcels_on_board_move"): "logistics.parcel",
    ("payments/services/payouts.py", "payouts_batch"): "payments.payout",
    # not state machines (NOT_STATE)
    ("ewtp/common/idempotency.py", "_store"): "common.idempotencykey",
    ("ewtp/common/webhook_endpoints.py", "_cancel_pending"): "common.webhookdelivery",
    ("ewtp/common/webhooks.py", "_record"): "common.webhookdelivery",
}


SQL_STATUS_UPDATE = re.compile(r"\bUPDATE\b.*\bSET\b.*\bstatus\s*=", re.IGNORECASE | re.DOTALL)
STATUS_NAMES = {"status", "kyc_status"}


def _writes_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(part, ast.Attribute) and part.attr in STATUS_NAMES
            for target in targets
            for part in ast.walk(target)
        )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "update":
            return any(keyword.arg in STATUS_NAMES for keyword in node.keywords)
        if node.func.attr == "bulk_update":
            return any(
                isinstance(c, ast.Constant) and c.value in STATUS_NAMES
                for argument in node.args[1:] + [k.value for k in node.keywords]
                for c in ast.walk(argument)
            )
    if isinstance(node, ast.JoinedStr | ast.Constant):
        parts = node.values if isinstance(node, ast.JoinedStr) else [node]
        text = "".join(p.value for p in parts if isinstance(getattr(p, "value", None), str))
        return bool(SQL_STATUS_UPDATE.search(text))
    return False


def _status_writers() -> set[tuple[str, str]]:
    found = set()

    def visit(node, function, path):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name, path)
                continue
            if _writes_status(child):
                found.add((path, function))
            visit(child, function, path)

    for app in ("hubs", "payments", "customs", "logistics", "analytics", "ewtp"):
        for source in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in source.parts:
                continue
            visit(ast.parse(source.read_text()), "<module>", source.relative_to(ROOT).as_posix())
    return found


def test_every_function_that_writes_a_status_is_known():
    found = _status_writers()
    assert found - set(STATUS_WRITERS) == set(), (
        "These change a status and are not listed: write the audit row in the same "
        "transaction (audit_record, or audit_record_bulk after a bulk UPDATE), drive the "
        "transition in this module, then list them in STATUS_WRITERS."
    )
    assert set(STATUS_WRITERS) - found == set(), "listed writers that no longer write a status"
