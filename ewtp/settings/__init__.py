"""Settings split by where the hub runs: base (shared), local (demo), test, production."""
