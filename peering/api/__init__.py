"""The e-road's HTTP face: the messages peers POST, and the public keys we sign with."""
