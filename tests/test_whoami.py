"""``/api/v1/whoami?lang=`` names the token's territory, so the officer pages need not fetch the
whole election (1.1 MB on the whole ballot day) to say where an officer may write."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from conftest import demo_build
from saylau.server import create_app
from saylau.store.tokens import Tokens


def test_whoami_names_the_token_s_territory_in_the_language_asked(tmp_path: Path) -> None:
    db = tmp_path / "kz.db"
    demo_build(db)
    with Tokens(str(db)) as tokens:
        commission = tokens.create("commission", actor="test", name="Astana", territory="KZ-71").text
        admin = tokens.create("admin", actor="test", name="cec").text
    with TestClient(create_app(str(db))) as c:
        names = {
            lang: {t["id"]: t["name"] for t in c.get(f"/api/v1/election?lang={lang}").json()["territories"]}
            for lang in ("kk", "ru", "en")
        }
        for lang in ("kk", "ru", "en"):
            me = c.get(
                f"/api/v1/whoami?lang={lang}", headers={"Authorization": f"Bearer {commission}"}
            ).json()
            assert (me["territory"], me["territory_name"]) == ("KZ-71", names[lang]["KZ-71"])
        assert len({names[lang]["KZ-71"] for lang in ("kk", "ru", "en")}) > 1  # each its own
        me = c.get("/api/v1/whoami?lang=kk", headers={"Authorization": f"Bearer {admin}"}).json()
        assert (me["role"], me["territory"], me["territory_name"]) == ("admin", None, None)
        assert (
            c.get("/api/v1/whoami?lang=de", headers={"Authorization": f"Bearer {admin}"}).status_code == 422
        )
