"""Work done once for every reader who asks at the same time (a "single flight").

When a new results snapshot comes out, thousands of readers ask for the same page, chart or
parallel-count page within the same second; each is made once, by the first reader, and the
others wait for that one. The national pages, the charts and the parallel count page all do this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


async def once(
    flights: dict[Hashable, asyncio.Future[Any]], key: Hashable, make: Callable[[], Awaitable[T]]
) -> T:
    """``make()``'s result, made once for every caller with the same ``key`` while it is being
    made. If the first caller's work fails, a caller that waited for it does the work itself
    (the failure may have been the first caller's own, such as a client that went away)."""
    pending = flights.get(key)
    if pending is not None:
        try:
            return await asyncio.shield(pending)  # type: ignore[no-any-return]
        except Exception:
            pass
    pending = asyncio.get_running_loop().create_future()
    pending.add_done_callback(_retrieved)
    flights[key] = pending
    try:
        result = await make()
        pending.set_result(result)
        return result
    except BaseException as e:
        if not pending.done():
            pending.set_exception(e if isinstance(e, Exception) else RuntimeError("cancelled"))
        raise
    finally:
        if flights.get(key) is pending:
            del flights[key]


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # looked at: no "exception never retrieved" when nobody waited


__all__ = ["once"]
