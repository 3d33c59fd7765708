"""The warehousing API: stock for the sales channels, shipments and stock for the sellers."""
