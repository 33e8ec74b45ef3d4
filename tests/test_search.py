"""Search: the query language (pure, property-tested) and ``GET /v1/customers/search`` through the SDK."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import stripe
from compat import as_dict, v1
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from stripe_fake import StripeFake
from stripe_fake.resources.search import (
    NUMERIC,
    STRING,
    TOKEN,
    Clause,
    Query,
    SearchField,
    SearchQueryError,
    SearchSpec,
    check,
    clause_matches,
    matches,
    parse,
    render,
)

# -- the language, pure --------------------------------------------------------------------------------


@dataclass
class Thing:
    id: str
    name: str | None
    kind: str
    created: int
    metadata: dict[str, str] = field(default_factory=dict)


SPEC: SearchSpec[Thing] = SearchSpec(
    resource="things",
    url="/v1/things/search",
    fields={
        "name": SearchField(STRING, lambda t: t.name),
        "kind": SearchField(TOKEN, lambda t: t.kind),
        "created": SearchField(NUMERIC, lambda t: t.created),
    },
    metadata=lambda t: t.metadata,
)


def test_parse_examples() -> None:
    query = parse("""email:"amy@rocketrides.io" metadata['key']:'value'""")
    assert query == Query(
        (Clause("email", ":", "amy@rocketrides.io"), Clause("metadata", ":", "value", key="key")), "and"
    )
    assert parse("-currency:'usd'").clauses[0].negated
    assert parse("total>1000").clauses[0] == Clause("total", ">", Decimal(1000), quoted=False)
    assert parse("a:'1' or b:'2' OR c:'3'").conjunction == "or"
    assert parse("a:'1' AnD b:'2'").conjunction == "and"
    assert parse(r"description:'it\'s \"x\"'").clauses[0].value == 'it\'s "x"'
    assert parse("url:null").clauses[0].value is None
    assert parse("created>=1609459200 created<=1700000000").clauses[1].op == "<="


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("name", "expected one of"),
        ("name:", "expected a value"),
        ("name:bob", "must be quoted"),
        ("name:'bob", "unterminated"),
        ("name:'a' AND kind:'b' OR created:1", "cannot be combined"),
        ("name:'a' OR kind:'b' kind:'c'", "cannot be combined"),
        ("name:'a' AND", "expected a clause"),
        ("(name:'a')", "expected a field name"),
        ("name['x']:'a'", "only metadata"),
        ("metadata[x]:'a'", "quoted metadata key"),
        ("name:'a'kind:'b'", "space between clauses"),
    ],
)
def test_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(SearchQueryError) as caught:
        parse(text)
    assert caught.value.param == "query" and caught.value.status == 400
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("colour:'red'", "colour is not a searchable field of things"),
        ("kind~'abcd'", "does not support substring"),
        ("name~'ab'", "at least 3 characters"),
        ("name>'abc'", "does not support comparisons"),
        ("created>null", "null cannot be compared"),
        ("created:'soon'", "is not a number"),
        ("metadata['k']~'abc'", "does not support substring"),
    ],
)
def test_check_errors(text: str, fragment: str) -> None:
    with pytest.raises(SearchQueryError) as caught:
        check(parse(text), SPEC)
    assert fragment in caught.value.message


def test_evaluation() -> None:
    thing = Thing("t_1", "Blue Widget", "gadget", 100, {"tier": "gold"})
    assert matches(parse("name:'blue widget'"), SPEC, thing)  # exact, case-insensitive
    assert matches(parse("name~'WIDG'"), SPEC, thing)
    assert not matches(parse("name:'blue'"), SPEC, thing)
    assert matches(parse("created>99 created<=100 created:100"), SPEC, thing)
    assert not matches(parse("created>100"), SPEC, thing)
    assert matches(parse("metadata['tier']:'gold' -kind:'other'"), SPEC, thing)
    assert matches(parse("metadata['missing']:null"), SPEC, thing)
    assert matches(parse("-metadata['tier']:null"), SPEC, thing)
    assert matches(parse("kind:'nope' OR name~'blue'"), SPEC, thing)
    assert not matches(parse("name:null"), SPEC, thing)
    assert matches(parse("name:null"), SPEC, Thing("t_2", None, "k", 1))


_SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=3, max_size=12)
_CLAUSES = st.one_of(
    st.builds(Clause, st.just("name"), st.sampled_from([":", "~"]), _SAFE_TEXT, st.booleans()),
    st.builds(Clause, st.just("kind"), st.just(":"), _SAFE_TEXT, st.booleans()),
    st.builds(
        lambda op, n, neg: Clause("created", op, Decimal(n), neg, quoted=False),
        st.sampled_from([":", ">", "<", ">=", "<="]),
        st.integers(min_value=0, max_value=10**12),
        st.booleans(),
    ),
    st.builds(
        lambda k, v, neg: Clause("metadata", ":", v, neg, key=k, quoted=v is not None),
        _SAFE_TEXT,
        st.one_of(st.none(), _SAFE_TEXT),
        st.booleans(),
    ),
)
_QUERIES = st.builds(
    lambda cs, conj: Query(tuple(cs), conj if len(cs) > 1 else "and"),
    st.lists(_CLAUSES, min_size=1, max_size=5),
    st.sampled_from(["and", "or"]),
)
_THINGS = st.builds(
    Thing,
    st.just("t_1"),
    st.one_of(st.none(), st.text(max_size=12)),
    st.text(max_size=6),
    st.integers(min_value=0, max_value=10**12),
    st.dictionaries(st.text(min_size=1, max_size=4), st.text(max_size=4), max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(_QUERIES)
def test_render_then_parse_is_identity(query: Query) -> None:
    assert parse(render(query)) == query


@settings(max_examples=200, deadline=None)
@given(_QUERIES, _THINGS)
def test_conjunctions_and_negation(query: Query, thing: Thing) -> None:
    singles = [clause_matches(c, SPEC, thing) for c in query.clauses]
    assert matches(query, SPEC, thing) == (any(singles) if query.conjunction == "or" else all(singles))
    for clause in query.clauses:
        flipped = Clause(clause.field, clause.op, clause.value, not clause.negated, clause.key, clause.quoted)
        assert clause_matches(flipped, SPEC, thing) != clause_matches(clause, SPEC, thing)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_gives_a_query_error(text: str) -> None:
    try:
        query = parse(text)
    except SearchQueryError as err:
        assert err.param == "query"
        return
    try:
        check(query, SPEC)
    except SearchQueryError:
        return


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="abcdefXYZ@. ", min_size=3, max_size=10), st.text(alphabet="abcdefXYZ@. ", max_size=14)
)
def test_substring_is_case_insensitive_containment(needle: str, name: str) -> None:
    query = Query((Clause("name", "~", needle),))
    assert matches(query, SPEC, Thing("t", name, "k", 0)) == (needle.lower() in name.lower())


# -- GET /v1/customers/search through the SDK -----------------------------------------------------------


def _emails(result: Any) -> list[str]:
    return [c.email for c in result.data]


@pytest.fixture
def people(stripe_fake: StripeFake) -> list[Any]:
    made = []
    for i in range(6):
        with freeze_time(f"2026-03-10 12:00:0{i}"):
            made.append(
                stripe.Customer.create(
                    email=f"user{i}@example.com",
                    name=f"User {i}",
                    phone=f"+1555000{i}",
                    metadata={"tier": "gold" if i % 2 else "free"},
                )
            )
    return made


def test_exact_substring_metadata_and_negation(stripe_fake: StripeFake, people: list[Any]) -> None:
    assert _emails(stripe.Customer.search(query="email:'USER3@example.com'")) == ["user3@example.com"]
    assert _emails(stripe.Customer.search(query="name~'user' metadata['tier']:'gold'")) == [
        "user5@example.com",
        "user3@example.com",
        "user1@example.com",
    ]
    assert len(stripe.Customer.search(query="-metadata['tier']:'gold'").data) == 3
    assert _emails(stripe.Customer.search(query='email:"user0@example.com" OR phone:"+15550004"')) == [
        "user4@example.com",
        "user0@example.com",
    ]
    created = people[2].created
    assert len(stripe.Customer.search(query=f"created>{created}").data) == 3
    assert len(stripe.Customer.search(query=f"created>={created} AND created<{created + 2}").data) == 2
    assert stripe.Customer.search(query="metadata['nothing']:'x'").data == []


def test_search_is_immediately_consistent(stripe_fake: StripeFake, people: list[Any]) -> None:
    stripe.Customer.modify(people[0].id, email="renamed@example.com", metadata={"tier": "gold"})
    assert stripe.Customer.search(query="email:'user0@example.com'").data == []
    assert _emails(stripe.Customer.search(query="email:'renamed@example.com'")) == ["renamed@example.com"]
    assert len(stripe.Customer.search(query="metadata['tier']:'gold'").data) == 4
    stripe.Customer.delete(people[1].id)
    assert stripe.Customer.search(query="email:'user1@example.com'").data == []
    assert len(stripe.Customer.search(query="metadata['tier']:'gold'").data) == 3


def test_pages_and_total_count(
    stripe_fake: StripeFake, client: stripe.StripeClient, people: list[Any]
) -> None:
    first = stripe.Customer.search(query="name~'user'", limit=4, expand=["total_count"])
    assert (first.object, first.has_more, first.total_count, first.url) == (
        "search_result",
        True,
        6,
        "/v1/customers/search",
    )
    second = stripe.Customer.search(query="name~'user'", limit=4, page=first.next_page)
    assert (len(second.data), second.has_more, second.next_page) == (2, False, None)
    assert "total_count" not in as_dict(second)
    every = [c.id for c in stripe.Customer.search(query="name~'user'", limit=2).auto_paging_iter()]
    assert every == [c.id for c in reversed(people)]
    # The same with an index-served exact query, and through StripeClient.
    exact = v1(client).customers.search({"query": "metadata['tier']:'free'", "limit": 2})
    rest = v1(client).customers.search(
        {"query": "metadata['tier']:'free'", "limit": 2, "page": exact.next_page}
    )
    assert [c.id for c in [*exact.data, *rest.data]] == [people[4].id, people[2].id, people[0].id]
    expanded = stripe.Customer.search(query="email:'user1@example.com'", expand=["data.test_clock"])
    assert expanded.data[0].test_clock is None


def _search_error_rows() -> dict[str, tuple[str, str]]:
    """The search error table of docs/fidelity.md: situation -> (param, message)."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "fidelity.md").read_text()
    section = text.split("## Search (", 1)[1].split("\n## ", 1)[0]
    table = section.split("| Situation | param | message |", 1)[1]
    rows = {}
    for line in table.strip().splitlines()[1:]:
        if not line.startswith("|"):
            break
        situation, param, message = (c.strip() for c in line.strip().strip("|").split("|"))
        rows[situation] = (param, message.split(" (`parameter_missing`)")[0])
    return rows


ROWS = _search_error_rows()
CALLS: dict[str, Callable[[], Any]] = {
    "empty query": lambda: stripe.Customer.search(query="  "),
    "unknown field": lambda: stripe.Customer.search(query="bogus:'x'"),
    "unquoted string value": lambda: stripe.Customer.search(query="name:bob"),
    "`~` with fewer than 3 characters": lambda: stripe.Customer.search(query="name~'ab'"),
    "`~` on a non-string field": lambda: stripe.Product.search(query="active~'true'"),
    "comparison on a non-numeric field": lambda: stripe.Customer.search(query="name>'abc'"),
    "non-number for a numeric field": lambda: stripe.Customer.search(query="created>'soon'"),
    "AND and OR mixed": lambda: stripe.Customer.search(query="email:'a' AND name:'b' OR phone:'c'"),
    "bad `page` token": lambda: stripe.Customer.search(query="email:'a'", page="not-a-page"),
    "missing `query`": lambda: stripe.Customer.search(),
}


def test_every_search_error_row_is_tested() -> None:
    assert set(ROWS) == set(CALLS)


@pytest.mark.parametrize("situation", sorted(CALLS))
def test_search_error_rows(stripe_fake: StripeFake, situation: str) -> None:
    before = stripe.Customer.list().data
    with pytest.raises(stripe.InvalidRequestError) as caught:
        CALLS[situation]()
    err = caught.value
    param, message = ROWS[situation]
    assert (err.http_status, err.error.type, err.param, err.user_message) == (
        400,
        "invalid_request_error",
        param,
        message,
    )
    assert err.code == ("parameter_missing" if situation == "missing `query`" else None)
    assert stripe.Customer.list().data == before


# -- products and prices ----------------------------------------------------------------------------------


def test_product_and_price_search(stripe_fake: StripeFake, client: stripe.StripeClient) -> None:
    pro = stripe.Product.create(name="Pro plan", description="For teams", metadata={"tier": "pro"})
    stripe.Product.create(name="Basic plan", active=False, url="https://example.com/basic")
    monthly = stripe.Price.create(
        product=pro.id,
        currency="usd",
        unit_amount=2000,
        lookup_key="pro_monthly",
        recurring={"interval": "month"},
    )
    stripe.Price.create(product=pro.id, currency="eur", unit_amount=500, metadata={"kind": "setup"})
    names = [p.name for p in stripe.Product.search(query="active:'true' AND name~'plan'").data]
    assert names == ["Pro plan"]
    assert [p.name for p in stripe.Product.search(query="active:false").data] == ["Basic plan"]
    assert [p.name for p in stripe.Product.search(query="url:null").data] == ["Pro plan"]
    assert stripe.Product.search(query="metadata['tier']:'pro' description~'team'").data[0].id == pro.id
    found = stripe.Price.search(query=f"product:'{pro.id}' AND type:'recurring'", expand=["total_count"])
    assert ([p.id for p in found.data], found.total_count) == ([monthly.id], 1)
    assert [
        p.currency
        for p in v1(client).prices.search({"query": "currency:'eur' OR lookup_key:'pro_monthly'"}).data
    ] == [
        "eur",
        "usd",
    ]
    assert stripe.Price.search(query="metadata['kind']:'setup'").data[0].unit_amount == 500
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.Price.search(query="unit_amount>100")
    assert caught.value.param == "query" and "not a searchable field of prices" in str(
        caught.value.user_message
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.Product.search(query="active~'tru'")
    assert "does not support substring" in str(caught.value.user_message)
