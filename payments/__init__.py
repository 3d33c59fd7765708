"""Payments: ledger, payment intents, escrow, FX, fees, payouts, partner banks, credit."""
