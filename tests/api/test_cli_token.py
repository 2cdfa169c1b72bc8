"""``chronicle token``: a development JWT that a real server accepts for its roles, and only those."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from api.auth import ROLES
from api.tokens import MAX_TTL, TokenRefused, parse_roles, parse_ttl
from tests.api.test_cli import chronicle
from tests.security.conftest import SECRET, codes, post
from tests.support.server import RunningServer, running_server

AUDIENCE = "chronicle-tests"
ISSUER = "https://issuer.example"
SERVER_ENV = {"CHRONICLE_JWT_SECRET": SECRET, "CHRONICLE_ALLOW_ANONYMOUS": "false",
              "CHRONICLE_JWT_AUDIENCE": AUDIENCE, "CHRONICLE_JWT_ISSUER": ISSUER}
"""The server and the command read the same settings, as a developer's shell would give both."""

OPEN = """mutation { openAccount(input: {owner: "Token Test", currency: "EUR"}) {
  __typename ... on AccountSuccess { events { metadata } } } }"""
EVENTS = "{ events(first: 1) { edges { node { position } } } }"
REBUILD = 'mutation { rebuildProjection(name: "accounts") { name } }'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("token")
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log",
                        env=SERVER_ENV) as running:
        yield running


def mint(*args: str, env: dict[str, str] | None = None) -> str:
    """Run ``chronicle token <args>`` and return the token it printed on stdout."""
    result = chronicle("token", *args, env=SERVER_ENV if env is None else env)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1, result.stdout
    return result.stdout.strip()


def test_a_teller_token_runs_commands_but_cannot_read_the_log(server: RunningServer) -> None:
    teller = mint("--roles", "teller", "--subject", "dev-alice")

    opened = post(server, OPEN, bearer=teller)["data"]["openAccount"]
    assert opened["__typename"] == "AccountSuccess"
    assert opened["events"][0]["metadata"]["actor"] == "dev-alice"
    assert codes(post(server, EVENTS, bearer=teller)) == ["FORBIDDEN"]
    assert codes(post(server, REBUILD, bearer=teller)) == ["FORBIDDEN"]


def test_an_auditor_token_reads_the_log_but_runs_no_command(server: RunningServer) -> None:
    auditor = mint("--roles", "auditor")

    assert "errors" not in post(server, EVENTS, bearer=auditor)
    assert codes(post(server, OPEN, bearer=auditor)) == ["FORBIDDEN"]


def test_a_token_with_two_roles_holds_both(server: RunningServer) -> None:
    both = mint("--roles", "teller, auditor")

    assert post(server, OPEN, bearer=both)["data"]["openAccount"]["__typename"] == "AccountSuccess"
    assert "errors" not in post(server, EVENTS, bearer=both)
    assert codes(post(server, REBUILD, bearer=both)) == ["FORBIDDEN"]


def test_a_token_for_another_secret_is_refused(server: RunningServer) -> None:
    stranger = mint("--roles", "admin", env={**SERVER_ENV, "CHRONICLE_JWT_SECRET": "another-" + "z" * 40})

    assert codes(post(server, EVENTS, bearer=stranger)) == ["UNAUTHENTICATED"]


def test_the_token_carries_the_configured_claims_and_lifetime() -> None:
    minted = mint("--roles", "auditor,teller", "--subject", "dev-bob", "--ttl", "1h30m")

    claims = jwt.decode(minted, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["sub"] == "dev-bob"
    assert claims["roles"] == ["auditor", "teller"]
    assert claims["exp"] - claims["iat"] == 90 * 60
    assert "kid" not in jwt.get_unverified_header(minted)


def test_the_roles_claim_follows_the_setting() -> None:
    minted = mint("--roles", "teller", env={**SERVER_ENV, "CHRONICLE_JWT_ROLES_CLAIM": "chronicle_roles"})

    claims = jwt.decode(minted, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["chronicle_roles"] == ["teller"]
    assert "roles" not in claims


@pytest.mark.parametrize("env", [{}, {"CHRONICLE_JWT_SECRET": ""}])
def test_without_a_secret_it_refuses_with_exit_2(env: dict[str, str]) -> None:
    result = chronicle("token", "--roles", "teller", env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == ("cannot mint a token: no CHRONICLE_JWT_SECRET is configured (set "
                                     "CHRONICLE_JWT_SECRET to the secret the server uses (at least 32 bytes))")


def test_with_only_a_public_key_it_refuses_and_says_why(tmp_path: Path) -> None:
    pem = tmp_path / "public.pem"
    pem.write_text("not read: the command refuses before loading keys")

    result = chronicle("token", "--roles", "teller", env={"CHRONICLE_JWT_PUBLIC_KEY_FILE": str(pem)})

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"the server verifies RS256 tokens with {pem}" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--roles", "teller,root"), "cannot mint a token: unknown role root; known roles: admin, auditor, teller"),
    (("--roles", "boss,root"), "cannot mint a token: unknown roles boss, root; known roles: admin, auditor, teller"),
    (("--roles", "teller,"), "cannot mint a token: --roles must be a comma-separated list of roles "
                             "(admin, auditor, teller)"),
    (("--roles", "teller", "--ttl", "forever"), "cannot mint a token: --ttl 'forever' is not a duration such as "
                                                "15m, 1h, 1h30m or 7d"),
    (("--roles", "teller", "--ttl", "400d"), "cannot mint a token: --ttl '400d' must be between 1s and 365d"),
    (("--roles", "teller", "--subject", "a\u202eb"), "cannot mint a token: --subject must be 1 to 256 "
                                                     "printable characters"),
])
def test_refused_arguments_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = chronicle("token", *args, env=SERVER_ENV)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == message


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("1h30m", 5400), ("1.5h", 5400),
                                               ("7d", 604_800), ("2w", 1_209_600), ("1:30:00", 5400),
                                               ("90 minutes", 5400), ("1s", 1), ("365d", 31_536_000)])
def test_ttl_accepts_human_durations(text: str, seconds: int) -> None:
    assert parse_ttl(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", " ", "forever", "3600", "1e3", "0s", "0h", "-1h", "0.5s", "1.5s", "366d",
                                  "1y", "\uff15h", "1h-", "h", "NaN"])
def test_ttl_refuses_anything_else(text: str) -> None:
    with pytest.raises(TokenRefused):
        parse_ttl(text)


def test_the_longest_ttl_is_the_documented_one() -> None:
    assert parse_ttl(f"{MAX_TTL.days}d") == MAX_TTL


def test_roles_are_the_ones_the_permissions_know() -> None:
    assert parse_roles(",".join(sorted(ROLES))) == ROLES
    assert parse_roles(" teller , auditor ") == {"teller", "auditor"}
    assert parse_roles("teller,teller") == {"teller"}
    for text in ("", ",", "teller,,auditor", "Teller", "root"):
        with pytest.raises(TokenRefused):
            parse_roles(text)
