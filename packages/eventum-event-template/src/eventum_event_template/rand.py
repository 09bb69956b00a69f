"""`module.rand`: random values drawn from the plugin's seeded source, so runs repeat."""

from __future__ import annotations

import datetime as dt
import ipaddress
import string as _string
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from random import Random
from typing import Any

_HEX = _string.digits + "abcdef"
_PATTERN_SETS = {
    "a": _string.ascii_lowercase,
    "A": _string.ascii_uppercase,
    "l": _string.ascii_letters,
    "d": _string.digits,
    "n": "123456789",
    "h": _HEX,
    "H": _string.digits + "ABCDEF",
    "p": _string.punctuation,
    "w": _string.ascii_letters + _string.digits,
}

# A few IEEE-assigned OUI prefixes per vendor (public registry data).
VENDOR_OUIS: dict[str, tuple[str, ...]] = {
    "apple": ("00:03:93", "00:0a:95", "00:1b:63", "28:cf:e9", "3c:07:54"),
    "aruba": ("00:0b:86", "00:1a:1e", "24:de:c6", "6c:f3:7f"),
    "broadcom": ("00:10:18", "00:0a:f7", "d4:01:29"),
    "cisco": ("00:00:0c", "00:01:42", "00:1a:a1", "00:25:45", "58:97:bd"),
    "dell": ("00:06:5b", "00:14:22", "00:1e:c9", "18:66:da", "f8:bc:12"),
    "fortinet": ("00:09:0f", "08:5b:0e", "70:4c:a5", "90:6c:ac"),
    "hp": ("00:01:e6", "00:0b:cd", "00:17:a4", "3c:d9:2b", "9c:8e:99"),
    "huawei": ("00:18:82", "00:e0:fc", "28:6e:d4", "48:46:fb", "ac:e2:15"),
    "ibm": ("00:04:ac", "00:06:29", "00:11:25", "00:14:5e", "40:f2:e9"),
    "intel": ("00:02:b3", "00:1b:21", "3c:97:0e", "a0:36:9f", "f8:63:3f"),
    "juniper": ("00:05:85", "00:10:db", "00:19:e2", "2c:6b:f5", "3c:61:04"),
    "lenovo": ("00:06:1b", "00:59:07", "60:02:92", "98:fa:9b", "e8:6a:64"),
    "microsoft": ("00:03:ff", "00:0d:3a", "00:15:5d", "00:50:f2", "28:18:78"),
    "mikrotik": ("00:0c:42", "4c:5e:0c", "64:d1:54", "d4:ca:6d"),
    "netgear": ("00:09:5b", "00:14:6c", "00:1e:2a", "20:4e:7f", "a0:40:a0"),
    "paloalto": ("00:1b:17", "08:30:6b", "b4:0c:25"),
    "samsung": ("00:00:f0", "00:12:47", "00:16:32", "5c:0a:5b", "f4:7b:5e"),
    "tplink": ("00:1d:0f", "14:cc:20", "50:c7:bf", "64:70:02", "f4:f2:6d"),
    "ubiquiti": ("00:15:6d", "00:27:22", "24:a4:3c", "78:8a:20", "f0:9f:c2"),
    "vmware": ("00:05:69", "00:0c:29", "00:1c:14", "00:50:56"),
}

_PRIVATE_V4 = (
    (int(ipaddress.IPv4Address("10.0.0.0")), int(ipaddress.IPv4Address("10.255.255.255"))),
    (int(ipaddress.IPv4Address("172.16.0.0")), int(ipaddress.IPv4Address("172.31.255.255"))),
    (int(ipaddress.IPv4Address("192.168.0.0")), int(ipaddress.IPv4Address("192.168.255.255"))),
)

# Public unicast blocks (reserved, private, shared and documentation ranges left out) and
# relative weights, so that addresses spread over many first octets.
_PUBLIC_V4 = tuple(
    (int(ipaddress.IPv4Address(a)), int(ipaddress.IPv4Address(b)), w)
    for a, b, w in (
        ("1.0.0.0", "9.255.255.255", 5),
        ("11.0.0.0", "100.63.255.255", 8),
        ("100.128.0.0", "126.255.255.255", 6),
        ("128.0.0.0", "169.253.255.255", 7),
        ("169.255.0.0", "172.15.255.255", 4),
        ("172.32.0.0", "191.255.255.255", 9),
        ("192.0.1.0", "192.0.1.255", 3),
        ("192.0.3.0", "192.88.98.255", 4),
        ("192.88.100.0", "192.167.255.255", 5),
        ("192.169.0.0", "198.17.255.255", 6),
        ("198.20.0.0", "198.51.99.255", 4),
        ("198.51.101.0", "203.0.112.255", 6),
        ("203.0.114.0", "223.255.255.255", 8),
    )
)
_V6_GLOBAL = ipaddress.IPv6Network("2000::/3")
_V6_LINK_LOCAL = ipaddress.IPv6Network("fe80::/10")
_V6_ULA = ipaddress.IPv6Network("fc00::/7")
_PUBLIC_V4_WEIGHTS = tuple(w for _, _, w in _PUBLIC_V4)
_INFINITY = float("inf")
_UUID4_KEEP = ~((0xC000 << 48) | (0xF000 << 64))  # what `uuid.UUID(version=4)` overwrites:
_UUID4_SET = (0x8000 << 48) | (0x4000 << 64)  # the RFC 4122 variant and version 4


@lru_cache(maxsize=256)
def _compile_pattern(fmt: str) -> tuple[tuple[str, int], ...]:
    """`%A{3}-%d{4}` → ((charset, count) | (literal, 0), ...); a bad pattern is a ValueError."""
    parts: list[tuple[str, int]] = []
    literal: list[str] = []
    i, size = 0, len(fmt)
    while i < size:
        char = fmt[i]
        i += 1
        if char != "%":
            literal.append(char)
            continue
        if i >= size:
            raise ValueError("pattern ends with a lone '%'")
        spec = fmt[i]
        i += 1
        count = 1
        if i < size and fmt[i] == "{":
            end = fmt.find("}", i)
            if end < 0:
                raise ValueError("unclosed '{' in pattern")
            digits = fmt[i + 1 : end]
            if not digits.isdigit():
                raise ValueError(f"invalid repeat count: {digits!r}")
            count, i = int(digits), end + 1
        if spec == "%":
            literal.append("%" * count)
            continue
        charset = _PATTERN_SETS.get(spec)
        if charset is None:
            raise ValueError(f"unknown pattern specifier: %{spec}")
        if literal:
            parts.append(("".join(literal), 0))
            literal.clear()
        parts.append((charset, count))
    if literal:
        parts.append(("".join(literal), 0))
    return tuple(parts)


@lru_cache(maxsize=256)
def _parse_oui(oui: str) -> tuple[int, int, int]:
    octets = oui.replace("-", ":").split(":")
    if len(octets) != 3 or any(len(o) != 2 for o in octets):
        raise ValueError(f"invalid OUI prefix: {oui!r}")
    try:
        a, b, c = (int(o, 16) for o in octets)
    except ValueError:
        raise ValueError(f"invalid OUI prefix: {oui!r}") from None
    return a, b, c


class Number:
    """`module.rand.number`."""

    __slots__ = (
        "_rng",
        "clamp",
        "exponential",
        "floating",
        "gauss",
        "integer",
        "lognormal",
        "triangular",
    )

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self.integer = rng.randint
        self.floating = rng.uniform
        self.gauss = rng.gauss
        self.lognormal = rng.lognormvariate
        self.exponential = rng.expovariate
        self.triangular = rng.triangular
        self.clamp = _clamp

    def pareto(self, alpha: float, xmin: float = 1.0) -> float:
        return xmin * self._rng.paretovariate(alpha)


def _clamp(value: float, min_val: float, max_val: float) -> float:
    return max(min_val, min(max_val, value))


class String:
    """`module.rand.string`."""

    __slots__ = ("_below", "_bits", "_choices")

    def __init__(self, rng: Random) -> None:
        self._choices = rng.choices
        self._bits = rng.getrandbits
        self._below = rng.randrange

    def letters_lowercase(self, size: int) -> str:
        return "".join(self._choices(_string.ascii_lowercase, k=size))

    def letters_uppercase(self, size: int) -> str:
        return "".join(self._choices(_string.ascii_uppercase, k=size))

    def letters(self, size: int) -> str:
        return "".join(self._choices(_string.ascii_letters, k=size))

    def digits(self, size: int) -> str:
        # One uniform number of `size` digits: every string as likely, as with a draw per digit.
        return f"{self._below(10**size):0{size}d}" if size > 0 else ""

    def hex(self, size: int) -> str:
        return f"{self._bits(4 * size):0{size}x}" if size > 0 else ""

    def punctuation(self, size: int) -> str:
        return "".join(self._choices(_string.punctuation, k=size))

    def pattern(self, fmt: str) -> str:
        """`%a %A %l %d %n %h %H %p %w` draw a character, `{N}` repeats it, `%%` is `%`."""
        choices = self._choices
        return "".join(
            text if count == 0 else "".join(choices(text, k=count))
            for text, count in _compile_pattern(fmt)
        )


class Network:
    """`module.rand.network`."""

    __slots__ = ("_rng",)

    def __init__(self, rng: Random) -> None:
        self._rng = rng

    def ip_v4(self) -> str:
        return str(ipaddress.IPv4Address(self._rng.getrandbits(32)))

    def ip_v4_private(self) -> str:
        low, high = self._rng.choice(_PRIVATE_V4)
        return str(ipaddress.IPv4Address(self._rng.randint(low, high)))

    def ip_v4_private_a(self) -> str:
        return str(ipaddress.IPv4Address(self._rng.randint(*_PRIVATE_V4[0])))

    def ip_v4_private_b(self) -> str:
        return str(ipaddress.IPv4Address(self._rng.randint(*_PRIVATE_V4[1])))

    def ip_v4_private_c(self) -> str:
        return str(ipaddress.IPv4Address(self._rng.randint(*_PRIVATE_V4[2])))

    def ip_v4_public(self) -> str:
        low, high, _ = self._rng.choices(_PUBLIC_V4, weights=_PUBLIC_V4_WEIGHTS)[0]
        return str(ipaddress.IPv4Address(self._rng.randint(low, high)))

    def ip_v4_in_subnet(self, cidr: str) -> str:
        """A host address of the subnet (network and broadcast excluded below /31)."""
        net = ipaddress.IPv4Network(cidr, strict=False)
        if net.prefixlen == 32:
            return str(net.network_address)
        if net.prefixlen == 31:
            return str(self._rng.choice((net.network_address, net.broadcast_address)))
        return str(net.network_address + self._rng.randint(1, net.num_addresses - 2))

    def ip_v6(self) -> str:
        return str(ipaddress.IPv6Address(self._rng.getrandbits(128)))

    def _v6_in(self, net: ipaddress.IPv6Network) -> str:
        host = self._rng.getrandbits(128 - net.prefixlen)
        return str(ipaddress.IPv6Address(int(net.network_address) | host))

    def ip_v6_global(self) -> str:
        return self._v6_in(_V6_GLOBAL)

    def ip_v6_link_local(self) -> str:
        return self._v6_in(_V6_LINK_LOCAL)

    def ip_v6_ula(self) -> str:
        return self._v6_in(_V6_ULA)

    def mac(self, *, oui: str | None = None, vendor: str | None = None) -> str:
        """Six random bytes; with `oui` (`aa:bb:cc`) or `vendor`, only the last three vary."""
        if oui is not None and vendor is not None:
            raise ValueError("'oui' and 'vendor' are mutually exclusive")
        rng = self._rng
        if vendor is not None:
            prefixes = VENDOR_OUIS.get(vendor.lower())
            if prefixes is None:
                raise ValueError(f"unknown vendor: {vendor!r} (known: {', '.join(VENDOR_OUIS)})")
            oui = rng.choice(prefixes)
        if oui is None:
            octets: tuple[int, ...] = tuple(rng.getrandbits(48).to_bytes(6, "big"))
        else:
            octets = (*_parse_oui(oui), *rng.getrandbits(24).to_bytes(3, "big"))
        return ":".join(f"{o:02x}" for o in octets)


class Crypto:
    """`module.rand.crypto`: random hex strings shaped like hashes and UUIDs."""

    __slots__ = ("_bits",)

    def __init__(self, rng: Random) -> None:
        self._bits = rng.getrandbits

    def uuid4(self) -> str:
        """`str(uuid.UUID(int=bits, version=4))`, without building the UUID object."""
        text = f"{self._bits(128) & _UUID4_KEEP | _UUID4_SET:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def md5(self) -> str:
        return f"{self._bits(128):032x}"

    def sha1(self) -> str:
        return f"{self._bits(160):040x}"

    def sha256(self) -> str:
        return f"{self._bits(256):064x}"


class Datetimes:
    """`module.rand.datetime`."""

    __slots__ = ("_rng",)

    def __init__(self, rng: Random) -> None:
        self._rng = rng

    def timestamp(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        seconds = (end - start).total_seconds()
        return start + dt.timedelta(seconds=self._rng.uniform(0, seconds))


class Rand:
    """`module.rand`: the top-level helpers and the `number`, `string`, `network`, `crypto`,
    `datetime` namespaces."""

    def __init__(self, rng: Random) -> None:
        self._rng = rng
        self._random = rng.random
        self.choice = rng.choice
        self.number = Number(rng)
        self.string = String(rng)
        self.network = Network(rng)
        self.crypto = Crypto(rng)
        self.datetime = Datetimes(rng)

    def shuffle(self, items: Sequence[Any]) -> Any:
        """A shuffled list (a string when given a string)."""
        seq = list(items)
        self._rng.shuffle(seq)
        return "".join(seq) if isinstance(items, str) else seq

    def choices(self, items: Sequence[Any], n: int) -> list[Any]:
        return self._rng.choices(items, k=n)

    def weighted_choice(
        self, items: Sequence[Any] | Mapping[Any, float], weights: Sequence[float] | None = None
    ) -> Any:
        """One item by weight: `(items, weights)` or `({item: weight})`."""
        if type(items) is list and type(weights) is list:  # templates' literals
            # `random.choices(items, weights)[0]`, written out: the same one `random()` draw.
            cumulative = list(accumulate(weights))
            size = len(items)
            if len(cumulative) == size and size:
                total = cumulative[-1] + 0.0
                if 0.0 < total < _INFINITY:
                    return items[bisect_right(cumulative, self._random() * total, 0, size - 1)]
            return self._rng.choices(items, weights=weights)[0]  # its own error
        if isinstance(items, Mapping):
            return self._rng.choices(list(items), weights=list(items.values()))[0]
        return self._rng.choices(items, weights=weights)[0]

    def weighted_choices(
        self,
        items: Sequence[Any] | Mapping[Any, float],
        weights: Sequence[float] | int,
        n: int | None = None,
    ) -> list[Any]:
        """`n` items by weight: `(items, weights, n)` or `({item: weight}, n)`."""
        if isinstance(items, Mapping) and isinstance(weights, int):
            return self._rng.choices(list(items), weights=list(items.values()), k=weights)
        if not isinstance(items, Mapping) and not isinstance(weights, int) and n is not None:
            return self._rng.choices(items, weights=weights, k=n)
        raise TypeError("expected (dict, n) or (items, weights, n)")

    def chance(self, prob: float) -> bool:
        """True with probability `prob` (0 to 1)."""
        if prob <= 0:
            return False
        if prob >= 1:
            return True
        return self._rng.random() < prob
