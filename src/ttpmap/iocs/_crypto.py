"""Checksum validation for cryptocurrency addresses (Bitcoin, Ethereum, Monero).

Standard library only: Keccak-256 (the pre-NIST padding that Ethereum and Monero use, which
``hashlib.sha3_256`` does not offer), Base58Check, Bech32/Bech32m and Monero's block Base58.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

__all__ = ["eth_checksum_ok", "is_btc_address", "is_xmr_address", "keccak256"]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32M_CONST = 0x2BC830A3

_MASK = (1 << 64) - 1
_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
_ROTATIONS = (
    (0, 36, 3, 41, 18), (1, 44, 10, 45, 2), (62, 6, 43, 15, 61), (28, 55, 25, 21, 56), (27, 20, 39, 8, 14),
)  # fmt: skip


_PI_RHO = tuple(
    (x + 5 * y, y + 5 * ((2 * x + 3 * y) % 5), _ROTATIONS[x][y]) for x in range(5) for y in range(5)
)


def _keccak_f(a: list[int]) -> None:
    b = [0] * 25
    for rc in _ROUND_CONSTANTS:
        c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20]
        c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21]
        c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22]
        c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23]
        c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24]
        d = (
            c4 ^ (((c1 << 1) | (c1 >> 63)) & _MASK),
            c0 ^ (((c2 << 1) | (c2 >> 63)) & _MASK),
            c1 ^ (((c3 << 1) | (c3 >> 63)) & _MASK),
            c2 ^ (((c4 << 1) | (c4 >> 63)) & _MASK),
            c3 ^ (((c0 << 1) | (c0 >> 63)) & _MASK),
        )
        for src, dst, r in _PI_RHO:
            v = a[src] ^ d[src % 5]
            b[dst] = ((v << r) | (v >> (64 - r))) & _MASK if r else v
        for y in (0, 5, 10, 15, 20):
            b0, b1, b2, b3, b4 = b[y], b[y + 1], b[y + 2], b[y + 3], b[y + 4]
            a[y] = b0 ^ (~b1 & b2)
            a[y + 1] = b1 ^ (~b2 & b3)
            a[y + 2] = b2 ^ (~b3 & b4)
            a[y + 3] = b3 ^ (~b4 & b0)
            a[y + 4] = b4 ^ (~b0 & b1)
        a[0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as used by Ethereum and Monero (padding byte 0x01, not SHA3's 0x06)."""
    rate = 136
    padded = bytearray(data)
    padded.append(0x01)
    while len(padded) % rate:
        padded.append(0)
    padded[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(padded), rate):
        block = padded[off : off + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _keccak_f(state)
    return b"".join(state[i].to_bytes(8, "little") for i in range(4))


@lru_cache(maxsize=4096)
def eth_checksum_ok(address: str) -> bool:
    """True when a mixed-case ``0x`` address satisfies its EIP-55 checksum."""
    body = address[2:]
    digest = keccak256(body.lower().encode("ascii")).hex()
    for ch, h in zip(body, digest, strict=False):
        if ch.isalpha() and ch.isupper() != (int(h, 16) >= 8):
            return False
    return True


def _b58decode(s: str) -> bytes | None:
    n = 0
    for ch in s:
        i = _B58_INDEX.get(ch)
        if i is None:
            return None
        n = n * 58 + i
    pad = len(s) - len(s.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * pad + body


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _bech32_ok(addr: str) -> bool:
    if addr.lower() != addr and addr.upper() != addr:
        return False
    addr = addr.lower()
    pos = addr.rfind("1")
    hrp, data_part = addr[:pos], addr[pos + 1 :]
    if hrp != "bc" or len(data_part) < 6 or len(addr) > 90:
        return False
    data = [_BECH32_INDEX.get(c, -1) for c in data_part]
    if -1 in data:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = _bech32_polymod(expanded + data)
    witness_version = data[0]
    if const not in (1, _BECH32M_CONST):
        return False
    if (witness_version == 0) != (const == 1):
        return False
    program_bits = (len(data) - 7) * 5
    program_len = program_bits // 8
    if witness_version == 0:
        return program_len in (20, 32)
    return 2 <= program_len <= 40


@lru_cache(maxsize=4096)
def is_btc_address(addr: str) -> bool:
    """True for a mainnet Bitcoin address with a valid Base58Check or Bech32/Bech32m checksum."""
    if addr[:3].lower() == "bc1":
        return _bech32_ok(addr)
    raw = _b58decode(addr)
    if raw is None or len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


_XMR_BLOCK_BYTES = {0: 0, 2: 1, 3: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7, 11: 8}


@lru_cache(maxsize=1024)
def is_xmr_address(addr: str) -> bool:
    """True for a Monero mainnet address (standard, subaddress or integrated) with a valid checksum."""
    if len(addr) not in (95, 106):
        return False
    out = bytearray()
    for off in range(0, len(addr), 11):
        chunk = addr[off : off + 11]
        size = _XMR_BLOCK_BYTES.get(len(chunk))
        if size is None:
            return False
        n = 0
        for ch in chunk:
            i = _B58_INDEX.get(ch)
            if i is None:
                return False
            n = n * 58 + i
        if n >= 1 << (8 * size):
            return False
        out += n.to_bytes(size, "big")
    if out[0] not in (0x12, 0x13, 0x2A):
        return False
    return keccak256(bytes(out[:-4]))[:4] == bytes(out[-4:])
