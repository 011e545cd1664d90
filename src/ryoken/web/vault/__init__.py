"""The vault: personal data as ciphertext, and the one gateway that decrypts it."""
