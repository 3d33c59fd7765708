"""Models of the hubs app, by sub-domain. Roles (who may do what) live in hubs/roles.py."""

from .network import ERoad, Hub
from .organizations import Membership, Organization
from .users import User

__all__ = ["ERoad", "Hub", "Membership", "Organization", "User"]
