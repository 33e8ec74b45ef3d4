"""The pure credit-application rules (``resources/credit_grants/ledger.py``), property-tested."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stripe_fake.resources.credit_grants.ledger import (
    Allocation,
    CreditableLine,
    GrantTerms,
    allocate,
    credited_per_line,
    in_scope,
    is_eligible,
    order_key,
)

PRICES = ["price_a", "price_b", "price_c"]
PERIOD_END = 1_000


def terms(
    gid: str,
    *,
    priority: int = 50,
    expires_at: int | None = None,
    category: str = "paid",
    effective_at: int = 0,
    created: int = 0,
    seq: int = 0,
    prices: frozenset[str] | None = None,
    currency: str = "usd",
) -> GrantTerms:
    return GrantTerms(gid, currency, category, priority, effective_at, expires_at, created, seq, prices)


grants_st = st.lists(
    st.builds(
        lambda i, priority, expires, category, effective, created, prices, currency: terms(
            f"g{i}",
            priority=priority,
            expires_at=expires,
            category=category,
            effective_at=effective,
            created=created,
            seq=i,
            prices=prices,
            currency=currency,
        ),
        st.integers(0, 10_000),
        st.integers(0, 100),
        st.none() | st.integers(500, 2_000),
        st.sampled_from(["paid", "promotional"]),
        st.integers(0, 1_200),
        st.integers(0, 100),
        st.none() | st.frozensets(st.sampled_from(PRICES), min_size=1),
        st.sampled_from(["usd", "usd", "eur"]),
    ),
    max_size=6,
    unique_by=lambda g: g.id,
)
lines_st = st.lists(
    st.builds(
        CreditableLine,
        st.uuids().map(str),
        st.sampled_from([*PRICES, None]),
        st.integers(-100, 5_000),
        st.booleans(),
    ),
    max_size=6,
    unique_by=lambda line: line.line_id,
)


@given(grants_st, lines_st, st.data())
def test_allocation_respects_balances_lines_and_scope(
    grants: list[GrantTerms], lines: list[CreditableLine], data: st.DataObject
) -> None:
    balances = {g.id: data.draw(st.integers(0, 3_000)) for g in grants}
    result = allocate(grants, balances, lines, currency="usd", period_end=PERIOD_END)
    by_id = {g.id: g for g in grants}
    line_by_id = {line.line_id: line for line in lines}
    used: dict[str, int] = {}
    for a in result:
        assert a.amount > 0
        grant = by_id[a.grant]
        line = line_by_id[a.line_id]
        assert is_eligible(grant, currency="usd", period_end=PERIOD_END)
        assert in_scope(grant, line)
        used[a.grant] = used.get(a.grant, 0) + a.amount
    assert all(used[g] <= balances[g] for g in used)
    for line_id, credited in credited_per_line(result).items():
        assert credited <= line_by_id[line_id].amount_after_discounts


@given(grants_st, lines_st, st.data())
def test_better_grants_are_exhausted_first(
    grants: list[GrantTerms], lines: list[CreditableLine], data: st.DataObject
) -> None:
    """A line takes from a grant only once every better eligible, in-scope grant is used up."""
    balances = {g.id: data.draw(st.integers(0, 3_000)) for g in grants}
    result = allocate(grants, balances, lines, currency="usd", period_end=PERIOD_END)
    left = dict(balances)
    by_id = {g.id: g for g in grants}
    for line in lines:
        mine = [a for a in result if a.line_id == line.line_id]
        for a in mine:
            for other in grants:
                better = order_key(other) < order_key(by_id[a.grant])
                usable = is_eligible(other, currency="usd", period_end=PERIOD_END) and in_scope(other, line)
                if better and usable:
                    taken = sum(x.amount for x in mine if x.grant == other.id)
                    assert left[other.id] - taken == 0
        for a in mine:
            left[a.grant] -= a.amount


@given(grants_st, lines_st, st.data(), st.randoms())
def test_result_does_not_depend_on_grant_input_order(
    grants: list[GrantTerms], lines: list[CreditableLine], data: st.DataObject, rnd: object
) -> None:
    balances = {g.id: data.draw(st.integers(0, 3_000)) for g in grants}
    shuffled = list(grants)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = allocate(grants, balances, lines, currency="usd", period_end=PERIOD_END)
    assert allocate(shuffled, balances, lines, currency="usd", period_end=PERIOD_END) == first


@given(st.integers(1, 5_000), st.integers(1, 5_000))
def test_total_credit_is_min_of_usage_and_balance(usage: int, balance: int) -> None:
    grant = terms("g")
    line = CreditableLine("il_1", "price_a", usage)
    result = allocate([grant], {"g": balance}, [line], currency="usd", period_end=PERIOD_END)
    assert sum(a.amount for a in result) == min(usage, balance)


def test_documented_order_priority_expiry_category_effective_created() -> None:
    line = [CreditableLine("il", "price_a", 1)]
    pairs = [
        (terms("low", priority=10), terms("high", priority=20)),
        (terms("soon", expires_at=1_500), terms("never")),
        (terms("soon", expires_at=1_500), terms("later", expires_at=1_900)),
        (terms("promo", category="promotional"), terms("paid")),
        (terms("early", effective_at=10), terms("late", effective_at=20)),
        (terms("old", created=1), terms("new", created=2)),
    ]
    for first, second in pairs:
        for grants in ([first, second], [second, first]):
            result = allocate(
                grants, {first.id: 5, second.id: 5}, line, currency="usd", period_end=PERIOD_END
            )
            assert result == [Allocation("il", first.id, 1)], (first.id, second.id)


def test_eligibility_window_and_currency() -> None:
    assert is_eligible(terms("g", effective_at=PERIOD_END), currency="usd", period_end=PERIOD_END)
    assert not is_eligible(terms("g", effective_at=PERIOD_END + 1), currency="usd", period_end=PERIOD_END)
    assert not is_eligible(terms("g", expires_at=PERIOD_END), currency="usd", period_end=PERIOD_END)
    assert is_eligible(terms("g", expires_at=PERIOD_END + 1), currency="usd", period_end=PERIOD_END)
    assert not is_eligible(terms("g"), currency="eur", period_end=PERIOD_END)


def test_licensed_and_out_of_scope_lines_take_nothing() -> None:
    scoped = terms("g", prices=frozenset({"price_a"}))
    lines = [
        CreditableLine("licensed", "price_a", 100, metered=False),
        CreditableLine("other", "price_b", 100),
        CreditableLine("mine", "price_a", 100),
    ]
    assert allocate([scoped], {"g": 1_000}, lines, currency="usd", period_end=PERIOD_END) == [
        Allocation("mine", "g", 100)
    ]


def test_lines_consume_in_display_order() -> None:
    lines = [CreditableLine("first", "price_a", 300), CreditableLine("second", "price_a", 300)]
    assert allocate([terms("g")], {"g": 400}, lines, currency="usd", period_end=PERIOD_END) == [
        Allocation("first", "g", 300),
        Allocation("second", "g", 100),
    ]
