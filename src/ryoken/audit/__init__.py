"""The ledger's mathematics: canonical events, the RFC 6962 Merkle tree, checkpoints."""
