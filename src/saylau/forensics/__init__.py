"""Observers' statistical checks on station-level results (election forensics).

Pure functions over :class:`Stations` (one contest's counts as NumPy arrays): no I/O, no store.
Each check answers one question an observer asks of the protocols:

- :func:`fingerprint`: where do stations sit by turnout and the leader's share (Klimek et al.)?
- :func:`integer_test`: are whole percentages more frequent than counting chance allows
  (Kobak, Shpilkin and Pshenichnikov)?
- :func:`last_digit_test`: do the last digits of the counts look counted or written (Beber and
  Scacco)?
- :func:`shpilkin`: how many of the leader's votes rise with turnout beyond the clean ratio?

Stations that are not polling places (remote electronic voting) are set apart by every check
(``leave_out=``, :func:`set_apart`), which says how many it left out; :func:`of_kinds` finds them
by the kind the definition declares (:func:`leave_out_kinds`: every kind but polling by default).
:func:`report` runs the ones asked for and gives the JSON the CLI and the API print.
docs/forensics.md describes each method, its exact steps and what it finds on Russia 2011.
"""

from saylau.forensics.digits import LastDigitTest, chi2_sf, last_digit_test, regularized_gamma_q
from saylau.forensics.fingerprint import Fingerprint, fingerprint, fingerprint_svg
from saylau.forensics.integer import IntegerTest, integer_test, near_whole_percent
from saylau.forensics.report import TESTS, report
from saylau.forensics.set_apart import NO_KIND, Apart, leave_out_kinds, of_kinds, set_apart
from saylau.forensics.shpilkin import Shpilkin, shpilkin
from saylau.forensics.stations import Stations, from_arrays, from_protocols

__all__ = [
    "NO_KIND",
    "TESTS",
    "Apart",
    "Fingerprint",
    "IntegerTest",
    "LastDigitTest",
    "Shpilkin",
    "Stations",
    "chi2_sf",
    "fingerprint",
    "fingerprint_svg",
    "from_arrays",
    "from_protocols",
    "integer_test",
    "last_digit_test",
    "leave_out_kinds",
    "near_whole_percent",
    "of_kinds",
    "regularized_gamma_q",
    "report",
    "set_apart",
    "shpilkin",
]
