"""A partner bank's client for the eWTP Hub API, written from the published OpenAPI document
alone: it reads the token URL, the paths and the required request fields from
``/api/schema/`` at run time, so nothing about the hub is hard-coded but operation ids.

Standard library only; Python 3.11+. Examples::

    python examples/bank_client.py --hub http://localhost:8000 --client-id ID \\
        --client-secret SECRET confirm-payment --order EW-7K2M9QXA \\
        --bank-reference CIMB-000123 --amount 90.00 --currency MYR --payer "Hangzhou Buyer"

    python examples/bank_client.py --hub ... report-payouts --status settled

Every POST carries an Idempotency-Key derived from what it reports, so running the same
command twice (after a timeout, say) never applies a payment or a status twice.
"""

import argparse
import base64
import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class HubError(Exception):
    def __init__(self, status: int, problem: dict):
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")
        self.status, self.problem = status, problem


class OpenApiClient:
    def __init__(self, hub: str, client_id: str, client_secret: str):
        if urllib.parse.urlsplit(hub).scheme not in ("http", "https"):
            raise ValueError("The hub's address starts with https:// (or http:// locally).")
        self.hub = hub.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.schema = self._get_json("/api/schema/?format=json")
        # scopes -> (access token, when to ask for a new one): tokens live ten minutes
        self._tokens: dict[str, tuple[str, float]] = {}

    # what the schema says

    def operation(self, operation_id: str) -> tuple[str, str, dict]:
        for path, operations in self.schema["paths"].items():
            for method, operation in operations.items():
                if operation.get("operationId") == operation_id:
                    return method.upper(), path, operation
        raise KeyError(f"The hub publishes no operation {operation_id}")

    def _scopes(self, operation: dict) -> list[str]:
        return sorted(
            {scope for req in operation.get("security", []) for scope in req.get("oauth2", [])}
        )

    def _token_url(self) -> str:
        flows = self.schema["components"]["securitySchemes"]["oauth2"]["flows"]
        return flows["clientCredentials"]["tokenUrl"]

    def _check_body(self, operation: dict, body: dict) -> None:
        """Refuse locally what the schema says the hub would refuse: a missing field."""
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = self.schema["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        missing = [name for name in schema.get("required", []) if name not in body]
        if missing:
            raise ValueError(f"Missing field(s) for this operation: {', '.join(missing)}")

    # HTTP

    def call(self, operation_id: str, *, path_params=None, query=None, body=None, key=None):
        method, path, operation = self.operation(operation_id)
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe=""))
        if query:
            path += "?" + urllib.parse.urlencode(query)
        headers = {"Authorization": f"Bearer {self._token(self._scopes(operation))}"}
        data = None
        if body is not None:
            self._check_body(operation, body)
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        for attempt in range(5):
            try:
                return self._send(method, path, data, headers)
            except HubError as error:
                # 409 with this code: the same key is still being processed; wait and replay
                if error.problem.get("code") != "idempotency_key_in_flight" or attempt == 4:
                    raise
                time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def _token(self, scopes: list[str]) -> str:
        wanted = " ".join(scopes)
        token, renew_at = self._tokens.get(wanted, ("", 0.0))
        if time.monotonic() >= renew_at:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": wanted})
            body = self._send(
                "POST",
                self._token_url(),
                form.encode(),
                {
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            # a new one a minute before this one expires, so no call carries a stale token
            token = body["access_token"]
            self._tokens[wanted] = (token, time.monotonic() + body["expires_in"] - 60)
        return token

    def _get_json(self, path: str):
        return self._send("GET", path, None, {})

    def _send(self, method: str, path: str, data, headers: dict):
        url = self.hub + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
                if response.headers.get_content_type() == "application/xml":
                    return raw
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"code": "http_error", "detail": raw[:200].decode("utf-8", "replace")}
            raise HubError(error.code, problem) from None


def confirm_payment(client: OpenApiClient, *, order, bank_reference, amount, currency, payer):
    """Tell the hub a transfer for ``order`` arrived. Returns the hub's answer."""
    return client.call(
        "payments_incoming",
        body={
            "order_reference": order,
            "bank_reference": bank_reference,
            "amount": {"amount": amount, "currency": currency},
            "payer": {"name": payer},
        },
        key=_key("payment", bank_reference),
    )


def report_payouts(client: OpenApiClient, *, status: str, reason_code: str = "") -> list[dict]:
    """Download each batch's pain.001 and report ``status`` for every payout still open in it
    (what a bank does after executing the file). Returns the hub's answers."""
    answers = []
    for batch in _pages(client, "payout_batches_list"):
        client.call("payout_batch_pain001", path_params={"public_id": batch["id"]})
        for payout in _pages(client, "payout_batch_payouts", {"public_id": batch["id"]}):
            if payout["status"] not in ("batched", "accepted"):
                continue
            body = {"end_to_end_id": payout["end_to_end_id"], "status": status}
            if reason_code:
                body["reason_code"] = reason_code
            answers.append(
                client.call(
                    "payout_status_report",
                    body=body,
                    key=_key("payout", payout["end_to_end_id"], status),
                )
            )
    return answers


def _pages(client: OpenApiClient, operation: str, path_params: dict | None = None):
    """Every row of a list operation, following its ``next`` cursor page by page."""
    cursor = None
    while True:
        page = client.call(
            operation,
            path_params=path_params,
            query={"cursor": cursor} if cursor else None,
        )
        yield from page["results"]
        if not page.get("next"):
            return
        cursor = urllib.parse.parse_qs(urllib.parse.urlparse(page["next"]).query)["cursor"][0]


def _key(*parts: str) -> str:
    """The same report always carries the same key: a rerun replays instead of acting."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hub", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    pay = commands.add_parser("confirm-payment")
    for name in ("order", "bank-reference", "amount", "currency", "payer"):
        pay.add_argument(f"--{name}", required=True)
    report = commands.add_parser("report-payouts")
    report.add_argument("--status", choices=["accepted", "settled", "rejected"], required=True)
    report.add_argument("--reason-code", default="")
    args = parser.parse_args(argv)
    client = OpenApiClient(args.hub, args.client_id, args.client_secret)
    try:
        if args.command == "confirm-payment":
            result = confirm_payment(
                client,
                order=args.order,
                bank_reference=args.bank_reference,
                amount=args.amount,
                currency=args.currency,
                payer=args.payer,
            )
        else:
            result = report_payouts(client, status=args.status, reason_code=args.reason_code)
    except HubError as error:
        print(json.dumps(error.problem, indent=2), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
