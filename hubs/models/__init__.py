"""Models of the hubs app, by sub-domain. Roles (who may do what) live in hubs/roles.py."""

from .carriage import CargoInsuranceRate, ShippingRate
from .catalogue import HsCode, Product, ProductImage, ProductImport, ProductImportError
from .network import ERoad, Hub
from .orders import Order, OrderLine, OrderTransition
from .organizations import Invitation, KycDocument, Membership, Organization, OrganizationClient
from .users import User

__all__ = [
    "CargoInsuranceRate",
    "ERoad",
    "HsCode",
    "Hub",
    "Invitation",
    "KycDocument",
    "Membership",
    "Order",
    "OrderLine",
    "OrderTransition",
    "Organization",
    "OrganizationClient",
    "Product",
    "ProductImage",
    "ProductImport",
    "ProductImportError",
    "ShippingRate",
    "User",
]
