"""Access: grants bound to the work, and the decision the vault's gateway asks for."""
