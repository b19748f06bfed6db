"""When is a race or a seat decided? Bounds over every way the rest of the count can go.

On election night the counts so far say who leads, not who has won. These functions say what the
ballots still to come can no longer change, exactly for single-mandate races and as sound
intervals for list seats (docs/certainty.md):

* :func:`race_status`: a single-mandate race is ``decided`` or ``leading``;
* :func:`seat_bounds`: each list's [least, most] seats; its seat count is certain when they meet,
  and the contest's decided seats are the sum of the leasts.
"""

from saylau.rules.certainty.races import RaceStatus, race_status
from saylau.rules.certainty.seats import SeatBounds, seat_bounds

__all__ = ["RaceStatus", "SeatBounds", "race_status", "seat_bounds"]
