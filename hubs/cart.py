"""The buyer's cart: lines from one seller, kept in the session until the order is placed.

Nothing is reserved while in the cart; stock is taken when the order is placed.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError

from .errors import HubsErrorCode
from .models import Product

SESSION_KEY = "cart"


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def total(self):
        return self.product.unit_price * self.quantity

    @property
    def weight_kg(self):
        return self.product.unit_weight_kg * self.quantity


def cart_get(session) -> dict:
    return session.get(SESSION_KEY) or {"seller": None, "lines": {}}


def cart_add(session, product: Product, quantity: int) -> None:
    cart = cart_get(session)
    seller = str(product.seller.public_id)
    if cart["seller"] and cart["seller"] != seller and cart["lines"]:
        raise ApplicationError(
            _(
                "Your cart holds another seller's goods: place that order or empty the cart "
                "first (one order, one seller)."
            ),
            HubsErrorCode.CART_OTHER_SELLER,
        )
    cart["seller"] = seller
    key = str(product.public_id)
    cart["lines"][key] = min(cart["lines"].get(key, 0) + quantity, 100_000)
    session[SESSION_KEY] = cart


def cart_set(session, product_public_id: str, quantity: int) -> None:
    cart = cart_get(session)
    if quantity <= 0:
        cart["lines"].pop(product_public_id, None)
    elif product_public_id in cart["lines"]:
        cart["lines"][product_public_id] = min(quantity, 100_000)
    if not cart["lines"]:
        cart["seller"] = None
    session[SESSION_KEY] = cart


def cart_clear(session) -> None:
    session.pop(SESSION_KEY, None)


def cart_lines(session, catalogue) -> list[CartLine]:
    """The cart's lines that are still on sale (``catalogue`` is the buyer's catalogue queryset)."""
    cart = cart_get(session)
    if not cart["lines"]:
        return []
    products = {str(p.public_id): p for p in catalogue.filter(public_id__in=list(cart["lines"]))}
    return [
        CartLine(products[key], quantity)
        for key, quantity in cart["lines"].items()
        if key in products
    ]
