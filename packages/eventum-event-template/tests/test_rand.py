from __future__ import annotations

import ipaddress
import re
import statistics
import string
import uuid
from collections import Counter
from datetime import UTC, datetime
from random import Random

import pytest

from eventum_event_template.rand import VENDOR_OUIS, Crypto, Rand

N = 4000


@pytest.fixture
def rand() -> Rand:
    return Rand(Random(42))


def many(fn, n=N):
    return [fn() for _ in range(n)]


def test_choice_choices_shuffle(rand):
    assert Counter(many(lambda: rand.choice("ab")))["a"] == pytest.approx(N / 2, rel=0.06)
    picks = rand.choices([1, 2, 3], 5)
    assert len(picks) == 5
    assert set(picks) <= {1, 2, 3}
    assert sorted(rand.shuffle([3, 1, 2])) == [1, 2, 3]
    shuffled = rand.shuffle("abcdef")
    assert isinstance(shuffled, str)
    assert sorted(shuffled) == list("abcdef")


def test_weighted_choice_with_lists_and_dict(rand):
    counts = Counter(many(lambda: rand.weighted_choice(["a", "b"], [9, 1])))
    assert counts["a"] == pytest.approx(0.9 * N, rel=0.03)
    counts = Counter(many(lambda: rand.weighted_choice({"a": 1, "b": 3})))
    assert counts["b"] == pytest.approx(0.75 * N, rel=0.04)


def test_weighted_choices(rand):
    picks = rand.weighted_choices(["a", "b"], [1, 0], 10)
    assert picks == ["a"] * 10
    picks = rand.weighted_choices({"x": 0, "y": 1}, 4)
    assert picks == ["y"] * 4
    with pytest.raises(TypeError):
        rand.weighted_choices(["a"], [1])


def test_chance(rand):
    assert rand.chance(0) is False
    assert rand.chance(1) is True
    assert rand.chance(-1) is False
    assert sum(many(lambda: rand.chance(0.3))) == pytest.approx(0.3 * N, rel=0.08)


def test_number_distributions(rand):
    n = rand.number
    ints = many(lambda: n.integer(1, 6))
    assert set(ints) == {1, 2, 3, 4, 5, 6}
    floats = many(lambda: n.floating(2.0, 4.0))
    assert min(floats) >= 2.0
    assert max(floats) <= 4.0
    assert statistics.mean(floats) == pytest.approx(3.0, abs=0.05)
    gauss = many(lambda: n.gauss(10, 2))
    assert statistics.mean(gauss) == pytest.approx(10, abs=0.15)
    assert statistics.stdev(gauss) == pytest.approx(2, rel=0.06)
    logn = many(lambda: n.lognormal(0, 0.5))
    assert min(logn) > 0
    assert statistics.median(logn) == pytest.approx(1.0, rel=0.06)
    expo = many(lambda: n.exponential(2.0))
    assert statistics.mean(expo) == pytest.approx(0.5, rel=0.07)
    pareto = many(lambda: n.pareto(3.0, xmin=2.0))
    assert min(pareto) >= 2.0
    assert statistics.median(pareto) == pytest.approx(2.0 * 2 ** (1 / 3), rel=0.05)
    assert n.pareto(2.0) >= 1.0
    tri = many(lambda: n.triangular(0, 10, 8))
    assert min(tri) >= 0
    assert max(tri) <= 10
    assert statistics.mean(tri) == pytest.approx(6.0, abs=0.15)
    assert (n.clamp(5, 0, 3), n.clamp(-1, 0, 3), n.clamp(2, 0, 3)) == (3, 0, 2)


@pytest.mark.parametrize(
    ("name", "alphabet"),
    [
        ("letters_lowercase", string.ascii_lowercase),
        ("letters_uppercase", string.ascii_uppercase),
        ("letters", string.ascii_letters),
        ("digits", string.digits),
        ("hex", "0123456789abcdef"),
        ("punctuation", string.punctuation),
    ],
)
def test_string_alphabets(rand, name, alphabet):
    text = "".join(getattr(rand.string, name)(20) for _ in range(200))
    assert len(text) == 4000
    assert set(text) == set(alphabet)


@pytest.mark.parametrize("name", ["digits", "hex"])
def test_string_digits_are_uniform_at_every_position(rand, name):
    texts = [getattr(rand.string, name)(6) for _ in range(16000)]
    assert {len(t) for t in texts} == {6}
    assert getattr(rand.string, name)(0) == getattr(rand.string, name)(-1) == ""
    alphabet = "0123456789abcdef"[: 10 if name == "digits" else 16]
    for position in range(6):
        counts = [sum(t[position] == c for t in texts) for c in alphabet]
        assert max(counts) / min(counts) < 1.25, (position, counts)


def test_string_pattern(rand):
    value = rand.string.pattern("%A{3}-%d{4}-%a%l%n%h%H%p%w-%%{2}x")
    assert re.fullmatch(r"[A-Z]{3}-\d{4}-[a-z][A-Za-z][1-9][0-9a-f][0-9A-F][^\w\s]\w-%%x", value)
    assert rand.string.pattern("plain") == "plain"
    for bad in ("%", "%q", "%d{", "%d{x}"):
        with pytest.raises(ValueError):
            rand.string.pattern(bad)


def _net(cidr):
    return ipaddress.ip_network(cidr)


def test_ipv4(rand):
    net = rand.network
    addresses = [ipaddress.IPv4Address(a) for a in many(net.ip_v4, 1000)]
    assert len({a.packed[0] for a in addresses}) > 200
    assert all(ipaddress.IPv4Address(net.ip_v4_private_a()) in _net("10.0.0.0/8")
               for _ in range(200))  # fmt: skip
    assert all(ipaddress.IPv4Address(net.ip_v4_private_b()) in _net("172.16.0.0/12")
               for _ in range(200))  # fmt: skip
    assert all(ipaddress.IPv4Address(net.ip_v4_private_c()) in _net("192.168.0.0/16")
               for _ in range(200))  # fmt: skip
    private = [ipaddress.IPv4Address(net.ip_v4_private()) for _ in range(600)]
    assert all(a.is_private for a in private)
    blocks = Counter(a.packed[0] for a in private)
    assert {10, 172, 192} == set(blocks)
    public = [ipaddress.IPv4Address(net.ip_v4_public()) for _ in range(2000)]
    assert all(a.is_global for a in public)


def test_ipv4_in_subnet(rand):
    net = rand.network
    hosts = {net.ip_v4_in_subnet("192.168.1.0/30") for _ in range(200)}
    assert hosts == {"192.168.1.1", "192.168.1.2"}
    assert net.ip_v4_in_subnet("10.0.0.7/32") == "10.0.0.7"
    assert {net.ip_v4_in_subnet("10.0.0.0/31") for _ in range(100)} == {"10.0.0.0", "10.0.0.1"}
    assert net.ip_v4_in_subnet("10.1.2.3/24").startswith("10.1.2.")


def test_ipv6(rand):
    net = rand.network
    assert ipaddress.IPv6Address(net.ip_v6())
    assert all(ipaddress.IPv6Address(net.ip_v6_global()) in _net("2000::/3") for _ in range(200))
    assert all(ipaddress.IPv6Address(net.ip_v6_link_local()) in _net("fe80::/10")
               for _ in range(200))  # fmt: skip
    assert all(ipaddress.IPv6Address(net.ip_v6_ula()) in _net("fc00::/7") for _ in range(200))


def test_mac(rand):
    net = rand.network
    mac = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")
    assert all(mac.fullmatch(net.mac()) for _ in range(100))
    assert net.mac(oui="AA-bb-cc").startswith("aa:bb:cc:")
    assert len({net.mac(oui="00:11:22") for _ in range(50)}) > 45
    assert len(VENDOR_OUIS) == 20
    for vendor, prefixes in VENDOR_OUIS.items():
        assert net.mac(vendor=vendor.upper())[:8] in prefixes
    for kwargs in ({"vendor": "nokia"}, {"oui": "zz:zz:zz"}, {"oui": "00:11"},
                   {"oui": "00:11:22", "vendor": "cisco"}):  # fmt: skip
        with pytest.raises(ValueError):
            net.mac(**kwargs)


def test_uuid4_is_what_the_uuid_module_makes_of_the_same_bits():
    ours, bits = Crypto(Random(3)), Random(3)
    for _ in range(2000):
        assert ours.uuid4() == str(uuid.UUID(int=bits.getrandbits(128), version=4))


def test_crypto(rand):
    c = rand.crypto
    value = uuid.UUID(c.uuid4())
    assert value.version == 4
    assert value.variant == uuid.RFC_4122
    assert len({c.uuid4() for _ in range(100)}) == 100
    assert re.fullmatch("[0-9a-f]{32}", c.md5())
    assert re.fullmatch("[0-9a-f]{40}", c.sha1())
    assert re.fullmatch("[0-9a-f]{64}", c.sha256())


def test_datetime_timestamp(rand):
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    values = many(lambda: rand.datetime.timestamp(start, end), 2000)
    assert all(start <= v <= end for v in values)
    hours = Counter(v.hour for v in values)
    assert len(hours) == 24


def test_same_seed_same_values():
    a, b = Rand(Random(7)), Rand(Random(7))
    for r in (a, b):
        r.values = [r.crypto.uuid4(), r.network.mac(), r.string.pattern("%w{8}"),  # type: ignore[attr-defined]
                    r.number.gauss(0, 1), r.network.ip_v6()]  # fmt: skip
    assert a.values == b.values  # type: ignore[attr-defined]


def test_weighted_choice_draws_what_random_choices_draws():
    """The written-out form for list literals takes the same draw, so seeded runs repeat."""
    from random import Random

    from eventum_event_template.rand import Rand

    fast, reference = Rand(Random(5)), Random(5)
    cases = [
        (["a", "b", "c"], [1, 2, 3]),
        ([200, 304], [70, 30]),
        (["x"], [0.5]),
        (["a", "b"], [0, 1]),
        (["a", "b"], [1.5, 2.25]),
    ]
    for _ in range(200):
        for items, weights in cases:
            assert fast.weighted_choice(items, weights) == reference.choices(items, weights)[0]
    for items, weights in ((["a", "b"], [0, 0]), (["a", "b"], [1]), ([], [])):
        with pytest.raises((ValueError, IndexError)):
            fast.weighted_choice(items, weights)
