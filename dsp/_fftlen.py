"""FFT lengths with small prime factors, for :mod:`numpy.fft` (which has no ``next_fast_len``)."""
from __future__ import annotations

import bisect
from functools import lru_cache


@lru_cache(maxsize=None)
def _smooth_numbers(limit: int) -> tuple[int, ...]:
    """Every ``2^a 3^b 5^c`` up to ``limit``, sorted (a few hundred numbers for limit 10⁹)."""
    out = []
    p2 = 1
    while p2 <= limit:
        p3 = p2
        while p3 <= limit:
            p5 = p3
            while p5 <= limit:
                out.append(p5)
                p5 *= 5
            p3 *= 3
        p2 *= 2
    return tuple(sorted(out))


def next_fast_len(n: int) -> int:
    """The smallest ``2^a 3^b 5^c ≥ n`` (n ≥ 1): a length pocketfft transforms at full speed."""
    n = max(int(n), 1)
    limit = 1 << max(n - 1, 1).bit_length()  # a power of two ≥ n is always a candidate
    numbers = _smooth_numbers(limit)
    return numbers[bisect.bisect_left(numbers, n)]
