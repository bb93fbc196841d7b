"""The order in which wrangler applies a migrations folder, computed as wrangler computes it.

wrangler 4.86 (`src/d1/migrations/helpers.ts` and `apply.ts`) lists every directory entry whose
name ends in `.sql`, sorts the names by UTF-16 code units (`Array.prototype.toSorted()`), then sorts
that list again with a comparator on `parseInt(name.split("_")[0])`. The comparator answers 0
whenever either side is NaN (a name that does not start with a number), so it is not a consistent
order: where an unnumbered name lands depends on its neighbours and on the sort algorithm. To
replay what wrangler applies, in its order, this module reproduces JavaScript's `parseInt` and the
TimSort that V8 (Node) uses for `Array.prototype.sort`, comparison for comparison.

Pure: names in, names out. `layouts` asks it for the wrangler layout's order.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["js_name", "js_parse_int", "v8_sort", "wrangler_number", "wrangler_order"]

T = TypeVar("T")

# ECMAScript's StrWhiteSpaceChar outside the Zs category: TAB, VT, FF, ZWNBSP and the line terminators.
_JS_SPACE = frozenset("\t\v\f\ufeff\n\r\u2028\u2029")
_ASCII_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _is_js_space(char: str) -> bool:
    return char in _JS_SPACE or unicodedata.category(char) == "Zs"


def js_parse_int(text: str) -> float:
    """JavaScript's `parseInt(text)` (no radix): leading white space, a sign, `0x` for hexadecimal,
    then the longest run of ASCII digits; NaN when there is none. Huge numbers lose precision or
    become infinite, as JavaScript's doubles do."""
    start = 0
    while start < len(text) and _is_js_space(text[start]):
        start += 1
    sign = 1.0
    if start < len(text) and text[start] in "+-":
        sign = -1.0 if text[start] == "-" else 1.0
        start += 1
    radix, digits = 10, _ASCII_DIGITS
    if text[start : start + 2] in ("0x", "0X"):
        radix, digits = 16, _HEX_DIGITS
        start += 2
    end = start
    while end < len(text) and text[end] in digits:
        end += 1
    if end == start:
        return math.nan
    if radix == 10:
        value = float(text[start:end])  # correctly rounded, and no limit on the digit count
    else:
        try:
            value = float(int(text[start:end], 16))  # hexadecimal has no digit-count limit in int()
        except OverflowError:
            value = math.inf
    return sign * value


def wrangler_number(name: str) -> float:
    """The number wrangler orders `name` by: `parseInt(name.split("_")[0])`."""
    return js_parse_int(js_name(name).split("_")[0])


def js_name(name: str) -> str:
    """A file name as Node sees it: the bytes decoded as UTF-8, invalid bytes as U+FFFD."""
    return os.fsencode(name).decode("utf-8", errors="replace")


def code_units(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare as JavaScript compares strings: by UTF-16 code units.
    return js_name(name).encode("utf-16-be", errors="surrogatepass")


def wrangler_order(names: Sequence[str]) -> list[str]:
    """`names` in the order wrangler applies them to an empty database."""
    by_code_units = sorted(names, key=code_units)
    numbers = {name: wrangler_number(name) for name in names}
    return v8_sort(by_code_units, lambda a, b: numbers[a] < numbers[b])


# --- V8's TimSort ----------------------------------------------------------------------------
# Every comparison V8 makes is `comparefn(x, y) < 0` or its negation, so `less(x, y)` stands for
# it; for wrangler's comparator that is `number(x) < number(y)`, false whenever a NaN is involved.

_MIN_GALLOP = 7


def _min_run(n: int) -> int:
    carry = 0
    while n >= 64:
        carry |= n & 1
        n >>= 1
    return n + carry


def v8_sort(items: Sequence[T], less: Callable[[T, T], bool]) -> list[T]:
    """`items` sorted as V8's `Array.prototype.sort` sorts them with a comparator whose
    `comparefn(x, y) < 0` is `less(x, y)`: the same answer even when `less` is inconsistent."""
    work = list(items)
    if len(work) >= 2:
        _TimSort(work, less).run()
    return work


class _TimSort(Generic[T]):
    """The algorithm V8 shares with CPython's listsort: runs, binary insertion, galloping merges."""

    def __init__(self, work: list[T], less: Callable[[T, T], bool]) -> None:
        self.a = work
        self.less = less
        self.min_gallop = _MIN_GALLOP
        self.runs: list[list[int]] = []  # [base, length]

    def run(self) -> None:
        a = self.a
        remaining = len(a)
        low = 0
        min_run = _min_run(remaining)
        while remaining:
            length = self._count_run(low, low + remaining)
            if length < min_run:
                forced = min(min_run, remaining)
                self._binary_insertion(low, low + length, low + forced)
                length = forced
            self.runs.append([low, length])
            self._merge_collapse()
            low += length
            remaining -= length
        while len(self.runs) > 1:
            n = len(self.runs) - 2
            if n > 0 and self.runs[n - 1][1] < self.runs[n + 1][1]:
                n -= 1
            self._merge_at(n)

    def _count_run(self, low: int, high: int) -> int:
        a, less = self.a, self.less
        if low + 1 == high:
            return 1
        descending = less(a[low + 1], a[low])
        length = 2
        previous = a[low + 1]
        for index in range(low + 2, high):
            current = a[index]
            if less(current, previous) != descending:
                break
            previous = current
            length += 1
        if descending:
            a[low : low + length] = a[low : low + length][::-1]
        return length

    def _binary_insertion(self, low: int, start: int, high: int) -> None:
        a, less = self.a, self.less
        if start == low:
            start += 1
        for current in range(start, high):
            pivot = a[current]
            left, right = low, current
            while left < right:
                middle = left + ((right - left) >> 1)
                if less(pivot, a[middle]):
                    right = middle
                else:
                    left = middle + 1
            a[left + 1 : current + 1] = a[left:current]
            a[left] = pivot

    def _holds(self, n: int) -> bool:
        if n < 2:
            return True
        runs = self.runs
        return runs[n - 2][1] > runs[n - 1][1] + runs[n][1]

    def _merge_collapse(self) -> None:
        runs = self.runs
        while len(runs) > 1:
            n = len(runs) - 2
            if not self._holds(n + 1) or not self._holds(n):
                if runs[n - 1][1] < runs[n + 1][1]:
                    n -= 1
                self._merge_at(n)
            elif runs[n][1] <= runs[n + 1][1]:
                self._merge_at(n)
            else:
                break

    def _merge_at(self, i: int) -> None:
        a, runs = self.a, self.runs
        base_a, length_a = runs[i]
        base_b, length_b = runs[i + 1]
        runs[i][1] = length_a + length_b
        del runs[i + 1]
        k = self._gallop_right(a, a[base_b], base_a, length_a, 0)
        base_a += k
        length_a -= k
        if length_a == 0:
            return
        length_b = self._gallop_left(a, a[base_a + length_a - 1], base_b, length_b, length_b - 1)
        if length_b == 0:
            return
        if length_a <= length_b:
            self._merge_low(base_a, length_a, base_b, length_b)
        else:
            self._merge_high(base_a, length_a, base_b, length_b)

    def _gallop_left(self, array: list[T], key: T, base: int, length: int, hint: int) -> int:
        less = self.less
        last, offset = 0, 1
        if less(array[base + hint], key):
            most = length - hint
            while offset < most:
                if not less(array[base + hint + offset], key):
                    break
                last, offset = offset, (offset << 1) + 1
            offset = min(offset, most)
            last, offset = last + hint, offset + hint
        else:
            most = hint + 1
            while offset < most:
                if less(array[base + hint - offset], key):
                    break
                last, offset = offset, (offset << 1) + 1
            offset = min(offset, most)
            last, offset = hint - offset, hint - last
        last += 1
        while last < offset:
            middle = last + ((offset - last) >> 1)
            if less(array[base + middle], key):
                last = middle + 1
            else:
                offset = middle
        return offset

    def _gallop_right(self, array: list[T], key: T, base: int, length: int, hint: int) -> int:
        less = self.less
        last, offset = 0, 1
        if less(key, array[base + hint]):
            most = hint + 1
            while offset < most:
                if not less(key, array[base + hint - offset]):
                    break
                last, offset = offset, (offset << 1) + 1
            offset = min(offset, most)
            last, offset = hint - offset, hint - last
        else:
            most = length - hint
            while offset < most:
                if less(key, array[base + hint + offset]):
                    break
                last, offset = offset, (offset << 1) + 1
            offset = min(offset, most)
            last, offset = last + hint, offset + hint
        last += 1
        while last < offset:
            middle = last + ((offset - last) >> 1)
            if less(key, array[base + middle]):
                offset = middle
            else:
                last = middle + 1
        return offset

    def _merge_low(self, base_a: int, length_a: int, base_b: int, length_b: int) -> None:
        a, less = self.a, self.less
        temp = a[base_a : base_a + length_a]
        dest, cursor_t, cursor_b = base_a, 0, base_b
        a[dest] = a[cursor_b]
        dest, cursor_b, length_b = dest + 1, cursor_b + 1, length_b - 1
        end = "done" if length_b == 0 else "copy" if length_a == 1 else ""
        min_gallop = self.min_gallop
        while not end:
            wins_a = wins_b = 0
            while True:
                if less(a[cursor_b], temp[cursor_t]):
                    a[dest] = a[cursor_b]
                    dest, cursor_b, length_b = dest + 1, cursor_b + 1, length_b - 1
                    wins_b, wins_a = wins_b + 1, 0
                    if length_b == 0:
                        end = "done"
                        break
                    if wins_b >= min_gallop:
                        break
                else:
                    a[dest] = temp[cursor_t]
                    dest, cursor_t, length_a = dest + 1, cursor_t + 1, length_a - 1
                    wins_a, wins_b = wins_a + 1, 0
                    if length_a == 1:
                        end = "copy"
                        break
                    if wins_a >= min_gallop:
                        break
            if end:
                break
            min_gallop += 1
            first = True
            while first or wins_a >= _MIN_GALLOP or wins_b >= _MIN_GALLOP:
                first = False
                min_gallop = max(1, min_gallop - 1)
                self.min_gallop = min_gallop
                wins_a = self._gallop_right(temp, a[cursor_b], cursor_t, length_a, 0)
                if wins_a > 0:
                    a[dest : dest + wins_a] = temp[cursor_t : cursor_t + wins_a]
                    dest, cursor_t, length_a = dest + wins_a, cursor_t + wins_a, length_a - wins_a
                    if length_a == 1:
                        end = "copy"
                        break
                    if length_a == 0:
                        end = "done"
                        break
                a[dest] = a[cursor_b]
                dest, cursor_b, length_b = dest + 1, cursor_b + 1, length_b - 1
                if length_b == 0:
                    end = "done"
                    break
                wins_b = self._gallop_left(a, temp[cursor_t], cursor_b, length_b, 0)
                if wins_b > 0:
                    a[dest : dest + wins_b] = a[cursor_b : cursor_b + wins_b]
                    dest, cursor_b, length_b = dest + wins_b, cursor_b + wins_b, length_b - wins_b
                    if length_b == 0:
                        end = "done"
                        break
                a[dest] = temp[cursor_t]
                dest, cursor_t, length_a = dest + 1, cursor_t + 1, length_a - 1
                if length_a == 1:
                    end = "copy"
                    break
            if end:
                break
            min_gallop += 1
            self.min_gallop = min_gallop
        if end == "done":
            if length_a > 0:
                a[dest : dest + length_a] = temp[cursor_t : cursor_t + length_a]
        else:
            a[dest : dest + length_b] = a[cursor_b : cursor_b + length_b]
            a[dest + length_b] = temp[cursor_t]

    def _merge_high(self, base_a: int, length_a: int, base_b: int, length_b: int) -> None:
        a, less = self.a, self.less
        temp = a[base_b : base_b + length_b]
        dest, cursor_t, cursor_a = base_b + length_b - 1, length_b - 1, base_a + length_a - 1
        a[dest] = a[cursor_a]
        dest, cursor_a, length_a = dest - 1, cursor_a - 1, length_a - 1
        end = "done" if length_a == 0 else "copy" if length_b == 1 else ""
        min_gallop = self.min_gallop
        while not end:
            wins_a = wins_b = 0
            while True:
                if less(temp[cursor_t], a[cursor_a]):
                    a[dest] = a[cursor_a]
                    dest, cursor_a, length_a = dest - 1, cursor_a - 1, length_a - 1
                    wins_a, wins_b = wins_a + 1, 0
                    if length_a == 0:
                        end = "done"
                        break
                    if wins_a >= min_gallop:
                        break
                else:
                    a[dest] = temp[cursor_t]
                    dest, cursor_t, length_b = dest - 1, cursor_t - 1, length_b - 1
                    wins_b, wins_a = wins_b + 1, 0
                    if length_b == 1:
                        end = "copy"
                        break
                    if wins_b >= min_gallop:
                        break
            if end:
                break
            min_gallop += 1
            first = True
            while first or wins_a >= _MIN_GALLOP or wins_b >= _MIN_GALLOP:
                first = False
                min_gallop = max(1, min_gallop - 1)
                self.min_gallop = min_gallop
                k = self._gallop_right(a, temp[cursor_t], base_a, length_a, length_a - 1)
                wins_a = length_a - k
                if wins_a > 0:
                    dest, cursor_a = dest - wins_a, cursor_a - wins_a
                    a[dest + 1 : dest + 1 + wins_a] = a[cursor_a + 1 : cursor_a + 1 + wins_a]
                    length_a -= wins_a
                    if length_a == 0:
                        end = "done"
                        break
                a[dest] = temp[cursor_t]
                dest, cursor_t, length_b = dest - 1, cursor_t - 1, length_b - 1
                if length_b == 1:
                    end = "copy"
                    break
                k = self._gallop_left(temp, a[cursor_a], 0, length_b, length_b - 1)
                wins_b = length_b - k
                if wins_b > 0:
                    dest, cursor_t = dest - wins_b, cursor_t - wins_b
                    a[dest + 1 : dest + 1 + wins_b] = temp[cursor_t + 1 : cursor_t + 1 + wins_b]
                    length_b -= wins_b
                    if length_b == 1:
                        end = "copy"
                        break
                    if length_b == 0:
                        end = "done"
                        break
                a[dest] = a[cursor_a]
                dest, cursor_a, length_a = dest - 1, cursor_a - 1, length_a - 1
                if length_a == 0:
                    end = "done"
                    break
            if end:
                break
            min_gallop += 1
            self.min_gallop = min_gallop
        if end == "done":
            if length_b > 0:
                a[dest - (length_b - 1) : dest + 1] = temp[0:length_b]
        else:
            dest, cursor_a = dest - length_a, cursor_a - length_a
            a[dest + 1 : dest + 1 + length_a] = a[cursor_a + 1 : cursor_a + 1 + length_a]
            a[dest] = temp[cursor_t]
