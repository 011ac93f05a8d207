"""Fixed test keys (never use outside tests)."""

import base64

AES_KEY_1 = base64.b64encode(bytes(range(32))).decode()
AES_KEY_2 = base64.b64encode(bytes(range(100, 132))).decode()
SM4_KEY = base64.b64encode(bytes(range(16))).decode()
HASH_KEY = base64.b64encode(b"h" * 32).decode()
