"""Schemathesis hooks for the API fuzz test (test/e2e/api-fuzz.test.ts).

The fuzzer learns ids from the answers it reads (a token list, a tenant list) and sends them back to other
operations, which is how it reaches real objects. Among those ids are the ones the run itself stands on: the
tenant and operator tokens it authenticates with and the seeded tenant. Revoking either token, or suspending or
offboarding the tenant, is the API working as documented, and would leave every later case of the run answering
401 or 403, testing nothing. So those three calls, and only when they aim at the run's own token or tenant, are
pointed at an id that does not exist: the operation is still called and its answer still checked (404), and every
other id, including tokens and tenants the fuzzer made itself, is revoked, suspended or offboarded for real.
"""

import os

import schemathesis

# Comma-separated ids the test passes in the environment.
KEPT_TOKENS = {i for i in os.environ.get("FUZZ_KEPT_TOKEN_IDS", "").split(",") if i}
KEPT_TENANTS = {i for i in os.environ.get("FUZZ_KEPT_TENANT_IDS", "").split(",") if i}
# Well formed, so the call reaches the lookup rather than stopping at the id's syntax.
ABSENT_TOKEN = "tok_2026_absent000000000"
ABSENT_TENANT = "tnt_2026_absent000000000"

TOKEN_REVOCATIONS = {("DELETE", "/api/v2/tokens/{id}"), ("DELETE", "/api/v2/admin/tokens/{id}")}
TENANT_STOPS = {("DELETE", "/api/v2/admin/tenants/{id}"), ("POST", "/api/v2/admin/tenants/{id}/suspend")}


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters
    if not params:
        return
    key = (case.method.upper(), case.path)
    if key in TOKEN_REVOCATIONS and params.get("id") in KEPT_TOKENS:
        params["id"] = ABSENT_TOKEN
    elif key in TENANT_STOPS and params.get("id") in KEPT_TENANTS:
        params["id"] = ABSENT_TENANT
