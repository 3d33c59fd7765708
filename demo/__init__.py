"""The demo world: who and what is on the hub, and months of orders through the journey."""
