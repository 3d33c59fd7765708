"""The e-road between hub deployments: peers, their keys, and the signed messages between
them (docs/eroad-protocol.md)."""
