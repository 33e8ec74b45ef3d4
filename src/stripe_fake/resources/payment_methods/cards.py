"""Stripe's test cards: the ids apps send (``pm_card_<name>``, ``tok_<name>``) and their outcomes.

Pure data and lookups. A test card decides three things: what the cloned payment method or card
source looks like (brand, last4, funding, country), whether attaching it fails (the declining cards
fail at attach, as a card check does on Stripe), and what every later charge does (``succeed``,
``decline`` with a :class:`Decline`, or ``authenticate``). Names follow Stripe's testing docs; the
older names (``pm_card_chargeDeclined...`` without ``visa_``) are accepted alongside the current ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    """A card error as Stripe sends it: 402 ``card_error`` with ``code`` and maybe ``decline_code``."""

    code: str
    decline_code: str | None
    message: str
    param: str | None = None


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
INSUFFICIENT_FUNDS = Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
LOST_CARD = Decline("card_declined", "lost_card", "Your card was declined.")
STOLEN_CARD = Decline("card_declined", "stolen_card", "Your card was declined.")
EXPIRED_CARD = Decline("expired_card", None, "Your card has expired.", "exp_month")
INCORRECT_CVC = Decline("incorrect_cvc", None, "Your card's security code is incorrect.", "cvc")
PROCESSING_ERROR = Decline(
    "processing_error", None, "An error occurred while processing your card. Try again in a little bit."
)
VELOCITY_EXCEEDED = Decline(
    "card_declined",
    "card_velocity_exceeded",
    "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
)
AUTHENTICATION_REQUIRED = Decline(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)


@dataclass(frozen=True)
class TestCard:
    """One test card. ``attach``: the error attaching it gives (``None``: it attaches).

    ``charge``: ``succeed`` | ``decline`` | ``authenticate`` for every payment with the attached card;
    ``charge_decline`` is the error of a declined charge.
    """

    __test__ = False  # not a pytest test class

    name: str
    number: str
    brand: str = "visa"
    funding: str = "credit"
    country: str = "US"
    attach: Decline | None = None
    charge: str = "succeed"
    charge_decline: Decline | None = None

    @property
    def last4(self) -> str:
        return self.number[-4:]


# brand -> (display_brand of a payment method, brand of a card source)
BRAND_NAMES = {
    "visa": ("visa", "Visa"),
    "mastercard": ("mastercard", "MasterCard"),
    "amex": ("american_express", "American Express"),
    "discover": ("discover", "Discover"),
    "diners": ("diners_club", "Diners Club"),
    "jcb": ("jcb", "JCB"),
    "unionpay": ("union_pay", "UnionPay"),
}

_CARDS = [
    # Cards by brand: every charge succeeds.
    TestCard("visa", "4242424242424242"),
    TestCard("visa_debit", "4000056655665556", funding="debit"),
    TestCard("mastercard", "5555555555554444", brand="mastercard"),
    TestCard("mastercard_debit", "5200828282828210", brand="mastercard", funding="debit"),
    TestCard("mastercard_prepaid", "5105105105105100", brand="mastercard", funding="prepaid"),
    TestCard("amex", "378282246310005", brand="amex"),
    TestCard("discover", "6011111111111117", brand="discover"),
    TestCard("diners", "3056930009020004", brand="diners"),
    TestCard("jcb", "3566002020360505", brand="jcb", country="JP"),
    TestCard("unionpay", "6200000000000005", brand="unionpay", country="CN"),
    # Attaches, but every charge is declined.
    TestCard("chargeCustomerFail", "4000000000000341", charge="decline", charge_decline=GENERIC),
    # Declined when attached (and so never charged).
    TestCard("visa_chargeDeclined", "4000000000000002", attach=GENERIC),
    TestCard("visa_chargeDeclinedInsufficientFunds", "4000000000009995", attach=INSUFFICIENT_FUNDS),
    TestCard("visa_chargeDeclinedLostCard", "4000000000009987", attach=LOST_CARD),
    TestCard("visa_chargeDeclinedStolenCard", "4000000000009979", attach=STOLEN_CARD),
    TestCard("chargeDeclinedExpiredCard", "4000000000000069", attach=EXPIRED_CARD),
    TestCard("chargeDeclinedIncorrectCvc", "4000000000000127", attach=INCORRECT_CVC),
    TestCard("chargeDeclinedProcessingError", "4000000000000119", attach=PROCESSING_ERROR),
    TestCard("visa_chargeDeclinedVelocityLimitExceeded", "4000000000006975", attach=VELOCITY_EXCEEDED),
    # Authentication (3D Secure). Charges from invoices are off-session.
    TestCard("authenticationRequired", "4000002760003184", charge="authenticate"),
    # Needs authentication unless set up for future use; attaching through the API is no set-up.
    TestCard("authenticationRequiredOnSetup", "4000002500003155", charge="authenticate"),
    TestCard("authenticationRequiredSetupForOffSession", "4000003800000446"),
    TestCard(
        "authenticationRequiredChargeDeclinedInsufficientFunds",
        "4000008260003178",
        charge="decline",
        charge_decline=INSUFFICIENT_FUNDS,
    ),
    TestCard("threeDSecure2Required", "4000000000003220", charge="authenticate"),
    TestCard("threeDSecureOptional", "4000000000003055"),
]

# Older names Stripe still accepts -> current name.
_ALIASES = {
    "chargeDeclined": "visa_chargeDeclined",
    "chargeDeclinedInsufficientFunds": "visa_chargeDeclinedInsufficientFunds",
    "chargeDeclinedLostCard": "visa_chargeDeclinedLostCard",
    "chargeDeclinedStolenCard": "visa_chargeDeclinedStolenCard",
    "visa_chargeDeclinedExpiredCard": "chargeDeclinedExpiredCard",
    "visa_chargeDeclinedIncorrectCvc": "chargeDeclinedIncorrectCvc",
    "visa_chargeDeclinedProcessingError": "chargeDeclinedProcessingError",
    "chargeDeclinedVelocityLimitExceeded": "visa_chargeDeclinedVelocityLimitExceeded",
    "visa_chargeCustomerFail": "chargeCustomerFail",
}

CARDS: dict[str, TestCard] = {card.name: card for card in _CARDS}
for _old, _new in _ALIASES.items():
    CARDS[_old] = CARDS[_new]


def card_for_payment_method(payment_method_id: str) -> TestCard | None:
    """The test card of ``pm_card_<name>``, or ``None`` for any other id."""
    if not payment_method_id.startswith("pm_card_"):
        return None
    return CARDS.get(payment_method_id[len("pm_card_") :])


def card_for_token(token: str) -> TestCard | None:
    """The test card of a ``tok_<name>`` test token, or ``None``."""
    if not token.startswith("tok_"):
        return None
    return CARDS.get(token[len("tok_") :])
