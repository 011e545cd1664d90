"""The ledger app: stores events, tree nodes and checkpoints; refuses UPDATE and DELETE."""
