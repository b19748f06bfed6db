"""Spain's Congress of Deputies: D'Hondt in each province, 3% of its valid votes, blank included.

Ley Orgánica 5/1985 del Régimen Electoral General (LOREG), art. 163.1 (quoted from memory of
the consolidated text, to be checked against the BOE before relying on the wording):

    a) No se tienen en cuenta aquellas candidaturas que no hubieran obtenido, por lo menos,
       el 3 por 100 de los votos válidos emitidos en la circunscripción.
    b) Se ordenan de mayor a menor, en una columna, las cifras de votos obtenidos por las
       restantes candidaturas.
    c) Se divide el número de votos obtenidos por cada candidatura por 1, 2, 3, etc., hasta
       un número igual al de escaños correspondientes a la circunscripción ... Los escaños se
       atribuyen a las candidaturas que obtengan los cocientes mayores en el cuadro,
       atendiendo a un orden decreciente. ... Cuando en la relación de cocientes coincidan dos
       correspondientes a distintas candidaturas, el escaño se atribuirá a la que mayor número
       total de votos hubiese obtenido. Si hubiese dos candidaturas con igual número total de
       votos, el primer empate se resolverá por sorteo y los sucesivos de forma alternativa.

Art. 96 counts a blank ballot as valid ("voto en blanco, pero válido"), so the 3% base is the
lists' votes plus the blank ballots: they go in as ``Ballots.against_all`` (votes valid for no
list), with the threshold base ``valid``. Invalid ballots (``nulos``) are not in it.

Ties: more total votes first, then the drawing of lots the electoral board holds (``drawn``:
the seat waits until its order is given). The law's "successive ties alternately" is not
modelled: a second tie between the same two lists is refused by being left to the drawn order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.rules.districts import District, DistrictCounts, per_district
from saylau.rules.thresholds import Ballots, Threshold
from saylau.rules.ties import TiePolicy


@dataclass(frozen=True)
class Province:
    """A province's list votes, its blank and invalid ballots, and its seats."""

    votes: Mapping[str, int]
    seats: int
    blank: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class CongresoRules:
    threshold: Threshold = field(default_factory=lambda: Threshold(Fraction(3, 100), base="valid"))
    ties: TiePolicy = field(default_factory=lambda: TiePolicy(criteria=("more-votes", "drawn")))


def congreso(provinces: Mapping[str, Province], rules: CongresoRules | None = None) -> DistrictCounts:
    """Each province's seats by LOREG art. 163.1, counted on its own."""
    rules = rules or CongresoRules()
    districts = {
        name: District(Ballots(dict(p.votes), against_all=p.blank, invalid=p.invalid), p.seats)
        for name, p in provinces.items()
    }
    return per_district(districts, method="dhondt", threshold=rules.threshold, ties=rules.ties)
