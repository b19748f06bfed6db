"""Commissions' signing keys from the command line: make a key pair, register its public half for a
commission's token, list and revoke keys.

The officer pages make their key in the browser; these commands are for files sent from a
commission's own machine (``saylau import --sign KEY``), and for a desk that registers a key on a
commission's behalf. ``keys create`` never writes over a file: a lost key is revoked and replaced,
not overwritten.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from saylau.cli.app import cli


def _actor() -> str:
    return os.environ.get("USER") or "cli"


@cli.group("keys")
def keys_group() -> None:
    """Commissions' Ed25519 keys that sign protocols (docs/verification.md)."""


@keys_group.command("create")
@click.option(
    "--out", required=True, metavar="FILE", help="Where the private key goes (FILE.pub: the public)."
)
def keys_create_command(out: str) -> None:
    """Make a key pair: the private key in FILE (PEM, mode 0600, never over a file), the public key
    in FILE.pub (base64, what ``keys register`` and POST /api/v1/keys take)."""
    from saylau.store.signing import write_key_pair

    public, key_id = write_key_pair(Path(out))
    click.echo(
        f"key {key_id}: private key {out} (secret: keep it on the commission's machine), public key {public}"
    )


@keys_group.command("register")
@click.argument("db", metavar="DB")
@click.argument("public_key_file", metavar="PUBLIC_KEY_FILE")
@click.option("--token-id", required=True, metavar="ID", help="The commission token the key is for.")
@click.option("--name", default=None, help="Whose key (default: the token's name).")
def keys_register_command(db: str, public_key_file: str, token_id: str, name: str | None) -> None:
    """Register the public key in PUBLIC_KEY_FILE (base64 or PEM) for the territory of commission
    token ID: from then on it signs that territory's protocols."""
    from saylau.errors import InputError
    from saylau.store import Store
    from saylau.store.tokens import token_id_of

    try:
        text = Path(public_key_file).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {public_key_file}: {getattr(e, 'strerror', None) or e}") from None
    with Store.open(db) as store:
        key = store.register_key(text, token_id=token_id_of(token_id), actor=_actor(), name=name)
    click.echo(
        f"key {key.id} registered for territory {key.territory} (token {key.token_id}, entry {key.event_seq})"
    )


@keys_group.command("revoke")
@click.argument("db", metavar="DB")
@click.argument("key_id", metavar="KEY_ID")
def keys_revoke_command(db: str, key_id: str) -> None:
    """Revoke a key: nothing signed with it is accepted from now on (what it signed stays signed)."""
    from saylau.store import Store

    with Store.open(db) as store:
        key = store.revoke_key(key_id, actor=_actor())
    click.echo(f"key {key.id} (territory {key.territory}) revoked at {key.revoked_at}")


@keys_group.command("list")
@click.argument("db", metavar="DB")
def keys_list_command(db: str) -> None:
    """Every key ever registered: id, territory, token, state, name."""
    from saylau.store import Store

    with Store.open(db) as store:
        found = store.keys()
    for k in found.values():
        state = f"revoked {k.revoked_at}" if k.revoked_at else f"registered {k.at}"
        click.echo(f"{k.id}  {k.territory:<10}  token {k.token_id}  {state:<40}  {k.name}")
