"""The observers' checks (saylau.forensics): hand-computed cases, synthetic elections with known
anomalies (saylau.simulate), the CLI and the API route.

The CLI reads the bundled example's Mazhilis cut (conftest.mazhilis_example): the checks are of
the Mazhilis list, and the whole day's definition would add its 3,101 maslikhat contests to each
of a dozen commands.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from conftest import demo_build, mazhilis_example, run_cli
from saylau import spec
from saylau.errors import InputError
from saylau.forensics import (
    chi2_sf,
    fingerprint,
    fingerprint_svg,
    from_arrays,
    from_protocols,
    integer_test,
    last_digit_test,
    near_whole_percent,
    report,
    shpilkin,
)
from saylau.forensics.digits import last_digits
from saylau.model import Protocol
from saylau.simulate import parse_anomaly, simulate

SIM_STATIONS = 20_000
SIM_SEED = 3


# -- hand-made inputs ----------------------------------------------------------------------------


def test_whole_percent_is_decided_in_integers() -> None:
    # 100 k / n: 500/1000 = 50.00 (whole); 1001/2000 = 50.05 (on the edge: within); 1002/2000 =
    # 50.10 (not); 2/3 = 66.67 (not); 199/200 = 99.5 (not); 1999/2000 = 99.95 (within, to 100)
    k = np.array([500, 1001, 1002, 2, 199, 1999])
    n = np.array([1000, 2000, 2000, 3, 200, 2000])
    assert near_whole_percent(k, n).tolist() == [True, True, False, False, False, True]
    assert near_whole_percent(np.array([1]), np.array([3]), Fraction(1, 2)).tolist() == [True]  # 33.33


def test_chi_square_survival_matches_tables() -> None:
    assert chi2_sf(16.919, 9) == pytest.approx(0.05, abs=1e-5)  # the 5% critical value, 9 df
    assert chi2_sf(21.666, 9) == pytest.approx(0.01, abs=1e-5)
    assert chi2_sf(2.0, 2) == pytest.approx(math.exp(-1), rel=1e-12)  # 2 df: exp(-x/2)
    assert chi2_sf(0.0, 9) == 1.0
    assert chi2_sf(200.0, 9) < 1e-30


def test_last_digits_by_hand() -> None:
    assert last_digits(np.array([[10, 21, 9], [33, 40, 105]])) == (2, 1, 0, 1, 0, 1, 0, 0, 0, 0)
    st = from_arrays([100, 100], [50, 50], [[10, 20], [30, 45]], options=["a", "b"])
    test = last_digit_test(st, draws=0)
    assert test.counts == (3, 0, 0, 0, 0, 1, 0, 0, 0, 0)
    # chi2 against uniform: expected 0.4 each; (2.6^2 + 9 * 0.4^2 ... ) by hand
    assert test.chi2 == pytest.approx(((3 - 0.4) ** 2 + (1 - 0.4) ** 2 + 8 * 0.4**2) / 0.4)
    assert last_digit_test(st, options=["b"], draws=0).counts == (1, 0, 0, 0, 0, 1, 0, 0, 0, 0)  # 20, 45
    with pytest.raises(InputError, match="unknown options"):
        last_digit_test(st, options=["zz"])


def test_fingerprint_bins_by_hand() -> None:
    # turnout 50% share 60%; turnout 100% share 100%; turnout 99.5% share 99.5% (same corner bin);
    # a station with no ballots is left out
    st = from_arrays(
        [100, 10, 200, 50],
        [50, 10, 199, 0],
        [[30, 20], [10, 0], [199, 0], [0, 0]],
        options=["lead", "other"],
        leader="lead",
    )
    fp = fingerprint(st)
    assert fp.stations == 3
    assert fp.cell(50, 60) == 1
    assert fp.corner == 2
    assert int(fp.counts.sum()) == 3
    svg = fingerprint_svg(fp, title="Test <map>")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="fp-title">Test &lt;map&gt;</title>' in svg


def test_integer_test_by_hand() -> None:
    # station 1: turnout 500/1000 = 50% (whole); station 2: 333/1000 turnout, share 100/333 = 30.03%
    # (whole within 0.05); station 3: 90 registered (too small); station 4: 995/1000 > 99% (out)
    st = from_arrays(
        [1000, 1000, 90, 1000],
        [500, 333, 45, 995],
        [[123, 377], [100, 233], [20, 25], [500, 495]],
        options=["a", "b"],
        leader="a",
        ids=["s1", "s2", "s3", "s4"],
    )
    test = integer_test(st, draws=50, seed=1)
    assert (test.eligible, test.observed, test.observed_turnout, test.observed_share) == (2, 2, 1, 1)
    assert test.stations == ("s1", "s2")
    assert 0 <= test.expected < 2  # chance of a whole percent at a 1000-voter station is ~ 10-20%
    with pytest.raises(InputError):
        integer_test(st, draws=1)


def test_stations_from_protocols_and_bad_input() -> None:
    ps = [
        Protocol(
            "s1", "c", {"registered": 100, "issued": 60, "invalid": 2, "against_all": 3}, {"a": 40, "b": 15}
        ),
        Protocol("s2", "c", {"registered": 200, "issued": 100, "invalid": 0}, {"b": 70, "a": 30}),
        Protocol("s1", "d", {"registered": 100, "issued": 60}, {"x": 60}),
    ]
    st = from_protocols(ps, contest="c")
    assert st.options == ("a", "b") and st.leader == "b"  # b: 85 votes, a: 70
    assert st.valid.tolist() == [58, 100] and st.cast.tolist() == [60, 100]
    assert st.others.tolist() == [43, 30]
    with pytest.raises(InputError, match="2 contests"):
        from_protocols(ps)
    with pytest.raises(InputError, match="no protocols of contest 'zz'"):
        from_protocols(ps, contest="zz")
    with pytest.raises(InputError, match="unknown leader"):
        from_protocols(ps, contest="c", leader="q")
    with pytest.raises(InputError, match="unknown test"):
        report(st, ["benford"])


# -- synthetic elections with a known truth ------------------------------------------------------


def _simulated(tmp: Path, *anomalies: str):
    summary = simulate(SIM_STATIONS, tmp, seed=SIM_SEED, anomalies=[parse_anomaly(a) for a in anomalies])
    return summary, from_protocols(spec.load(tmp).protocols)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory):
    return _simulated(tmp_path_factory.mktemp("clean"))


def test_clean_simulation_is_quiet(clean) -> None:
    _, st = clean
    it = integer_test(st, draws=100)
    assert abs(it.z) < 3, it.as_json(False)  # no whole-percent excess beyond chance
    sh = shpilkin(st)
    # "~0": the regional spread of turnout and shares leaves a few tenths of a percent either way
    assert abs(sh.anomalous) < 0.02 * sh.leader_votes, sh.as_json(False)
    ld = last_digit_test(st)
    # quiet at the 0.1% level (clean simulations' p are spread over (0, 1): 0.009 for this seed,
    # 0.06 .. 0.8 for seeds 1, 2, 4-8; Russia 2011 gives ~1e-11)
    assert ld.p_resampled > 0.001, ld.as_json()
    # ... while plain uniformity is rejected even here: many small counts end in low digits
    assert ld.p_value < 1e-6
    fp = fingerprint(st)
    assert fp.corner <= 1


def test_stuffing_is_measured(tmp_path: Path, clean) -> None:
    summary, st = _simulated(tmp_path, "stuffing:0.1:0.5")
    (altered,) = summary.anomalies
    added = altered.ballots
    assert json.loads((tmp_path / "simulation.json").read_text())["anomalies"][0]["ballots_added"] == added
    sh = shpilkin(st)
    base = shpilkin(clean[1]).anomalous
    # the estimate is of the size injected: within 30% of it, and so is its rise over the clean run
    assert 0.7 * added < sh.anomalous < 1.3 * added, (sh.anomalous, added)
    assert 0.7 * added < sh.anomalous - base < 1.3 * added, (sh.anomalous - base, added)
    assert sh.clean_share < sh.official_share - 0.02


def test_rounding_is_found(tmp_path: Path) -> None:
    summary, st = _simulated(tmp_path, "rounding:0.03")
    (altered,) = summary.anomalies
    it = integer_test(st, draws=100)
    assert it.z > 4 and it.p_value < 0.02, it.as_json(False)
    # the excess is a large part of the stations rounded, not all: the simulator rounds to the
    # nearest ballot, which is within ±0.05 pp of the whole percent only at stations of 1,000 voters
    # or more (about half of them), and some were whole by chance already (279 of 600 here)
    assert 0.3 * len(altered.stations) < it.excess < len(altered.stations)
    assert set(it.stations) & set(altered.stations)


# -- the command line and the API -----------------------------------------------------------------


def test_cli_report_on_the_example() -> None:
    kz = str(mazhilis_example())
    done = run_cli("forensics", kz)
    assert done.returncode == 0, done.stderr
    for heading in ("Fingerprint", "Whole percentages", "Last digits", "Shpilkin"):
        assert heading in done.stdout
    done = run_cli("forensics", kz, "--test", "shpilkin", "--json")
    out = json.loads(done.stdout)
    assert out["leader"] == "amanat" and out["stations"] == 10_418
    assert out["shpilkin"]["leader_votes"] == 3_431_510  # the official count, read back


def first_station(kz: Path, contest: str) -> str:
    """The station of the first protocol in the example's file of ``contest`` (the file alone)."""
    with gzip.open(kz / "protocols" / f"{contest}.csv.gz", "rt", encoding="utf-8") as f:
        return next(csv.DictReader(f))["station"]


def test_cli_peak_and_stations_set_apart() -> None:
    folder = mazhilis_example()
    kz = str(folder)
    done = run_cli("forensics", kz, "--test", "shpilkin", "--json")
    auto = json.loads(done.stdout)["shpilkin"]
    assert auto["peak_source"] == "automatic" and auto["left_out"] == 0
    peak = auto["peak_turnout_percent"] + 5
    out = json.loads(run_cli("forensics", kz, "--test", "shpilkin", "--json", "--peak", str(peak)).stdout)
    sh = out["shpilkin"]
    assert (sh["peak_turnout_percent"], sh["peak_source"]) == (peak, "observer")
    assert sh["automatic_peak_turnout_percent"] == auto["peak_turnout_percent"]
    assert sh["anomalous_votes"] != auto["anomalous_votes"]
    station = first_station(folder, out["contest"])
    done = run_cli("forensics", kz, "--json", "--leave-out", station)
    out = json.loads(done.stdout)
    assert out["left_out"] == {"stations": 1, "ids": [station]}
    for section in ("fingerprint", "integer", "last_digit", "shpilkin"):
        assert out[section]["left_out"] == 1
    assert out["shpilkin"]["stations"] == 10_417
    done = run_cli("forensics", kz, "--test", "shpilkin", "--leave-out", station)
    assert done.returncode == 0 and "1 stations set apart" in done.stdout
    done = run_cli("forensics", kz, "--leave-out", "no-such-station")
    assert done.returncode == 2 and "cannot leave out 'no-such-station'" in done.stderr
    done = run_cli("forensics", kz, "--peak", "100")
    assert done.returncode == 2


def test_cli_svg_and_bad_input(tmp_path: Path) -> None:
    svg = tmp_path / "fp.svg"
    kz = str(mazhilis_example())
    done = run_cli("forensics", kz, "--test", "fingerprint", "--svg", str(svg))
    assert done.returncode == 0 and svg.read_text().startswith("<svg")
    done = run_cli("forensics", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error:")
    done = run_cli("forensics", kz, "--contest", "nope")
    assert done.returncode == 2 and "no contest 'nope'" in done.stderr


def test_api_route(tmp_path: Path) -> None:
    from saylau.server import Settings, create_app
    from saylau.store.tokens import Tokens

    db = str(tmp_path / "kz.db")
    demo_build(db)
    with Tokens(db) as tokens:
        observer = tokens.create("observer", actor="test", name="observer").text
        public = tokens.create("public", actor="test", name="public").text
    settings = Settings(snapshot_interval=0.0)
    with TestClient(create_app(db, settings)) as client:
        assert client.get("/api/v1/forensics").status_code == 401
        r = client.get("/api/v1/forensics", headers={"Authorization": f"Bearer {public}"})
        assert r.status_code == 403
        auth = {"Authorization": f"Bearer {observer}"}
        r = client.get("/api/v1/forensics", headers=auth)
        assert r.status_code == 200, r.text
        body = r.json()
        for section in ("fingerprint", "integer", "last_digit", "shpilkin"):
            assert section in body
        assert body["contest"] == "mazhilis-list" and body["leader"] == "amanat"
        assert body["shpilkin"]["leader_votes"] == 3_431_510
        again = client.get("/api/v1/forensics", headers=auth).json()
        assert again == body  # served from the snapshot's cache
        r = client.get("/api/v1/forensics?test=integer", headers=auth)
        assert set(r.json()) >= {"integer"} and "shpilkin" not in r.json()
        assert client.get("/api/v1/forensics?contest=nope", headers=auth).status_code == 404
        sh = body["shpilkin"]
        fixed = client.get(
            f"/api/v1/forensics?test=shpilkin&peak={sh['peak_turnout_percent'] + 5}", headers=auth
        ).json()["shpilkin"]
        assert fixed["peak_source"] == "observer" and fixed["anomalous_votes"] != sh["anomalous_votes"]
        assert client.get("/api/v1/forensics?peak=100", headers=auth).status_code == 422
        station = body["integer"]["stations"][0]  # any station of the contest
        r = client.get(f"/api/v1/forensics?test=shpilkin&leave_out={station}", headers=auth)
        assert r.status_code == 200 and r.json()["left_out"] == {"stations": 1, "ids": [station]}
        assert r.json()["shpilkin"]["left_out"] == 1
        r = client.get("/api/v1/forensics?leave_out=nope", headers=auth)
        assert r.status_code == 422 and "cannot leave out 'nope'" in r.text
        svg = client.get(f"/api/v1/forensics/fingerprint.svg?leave_out={station}", headers=auth)
        assert svg.status_code == 200
        svg = client.get("/api/v1/forensics/fingerprint.svg", headers=auth)
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
